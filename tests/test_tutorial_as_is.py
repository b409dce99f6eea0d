"""Acceptance: the tutorial's two listings, unmodified, run to completion with `legacy-sae run`
in a new empty folder, nothing prepared by hand. Full length: about 1 and 2 minutes on 2 cores."""
import filecmp
import os
import shutil

import pytest

from conftest import REPO, TUTORIAL_DIR, run_cli

REFERENCE_DIR = os.path.join(REPO, os.pardir, "shared", "reference")


@pytest.mark.parametrize("name", ["dae_tutorial.py", "stacked_tutorial.py"])
def test_listings_are_verbatim_copies(name):
    reference = os.path.normpath(os.path.join(REFERENCE_DIR, name))
    if not os.path.exists(reference):
        pytest.skip("the reference folder ../shared/reference is not beside this checkout")
    assert filecmp.cmp(os.path.join(TUTORIAL_DIR, name), reference, shallow=False)


def run_listing(name, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(os.path.join(TUTORIAL_DIR, name), folder)
    result = run_cli("run", name, cwd=folder, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder, result.stdout


@pytest.mark.full
def test_dae_tutorial_runs_as_is(tmp_path):
    folder, out = run_listing("dae_tutorial.py", tmp_path)
    assert "Training data shape: (55000, 784)" in out
    epochs = [line.split()[1] for line in out.splitlines() if line.startswith("Epoch ")]
    assert epochs == [f"{e}/20" for e in range(0, 20, 2)]
    assert "训练完成" in out and "Salt and Paper Noise" in out and "Label is " in out
    assert sorted(os.listdir(folder / "MNIST-data")) == sorted(
        ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
    assert sorted(os.listdir(folder / "figures")) == ["dae_tutorial-01.png", "dae_tutorial-02.png"]


@pytest.mark.full
def test_stacked_tutorial_runs_as_is(tmp_path):
    folder, out = run_listing("stacked_tutorial.py", tmp_path)
    assert "kpt: None" in out
    for stage in ("网络第一层 开始训练", "网络第二层 开始训练", "网络第三层 开始训练", "级联微调 开始训练"):
        assert stage in out
    assert out.count("Epoch 0/20  average cost") == 4 and out.count("Epoch 10/20") == 4
    accuracies = [float(line.split()[1]) for line in out.splitlines()
                  if line.startswith("Accuracy:")]
    assert len(accuracies) == 2 and 0.5 < accuracies[0] < accuracies[1] <= 1.0
    assert (tmp_path / "MNIST-data").is_dir()  # it reads ../MNIST-data
    assert (folder / "stacked_encoder" / "checkpoint").exists()
    assert sorted(os.listdir(folder / "figures")) == ["stacked_tutorial-01.png",
                                                      "stacked_tutorial-02.png"]

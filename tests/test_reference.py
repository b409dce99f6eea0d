"""`legacy-sae reference`: runs recorded in regress's format and reused, a clear line where no
Python 3.6 exists, the equivalence gate against a baseline recorded on real TensorFlow 1.x able
to say no, and checkpoint folders crossing both ways between TensorFlow 1.8 and legacy-sae. The
TF 1.8 runs themselves are a recorded baseline, not tests."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, run_cli
from legacy_sae.regression import gates, records

# Prints one figure from the data and one constant; reads MNIST where TF 1.x's tutorials did.
SCRIPT = """import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
x = tf.placeholder(tf.float32, [None, 784])
with tf.Session() as sess:
    print("Mean pixel of {} test images: {}".format(
        100, sess.run(tf.reduce_mean(x), {x: mnist.test.images[:100]})))
"""


def test_runs_are_recorded_in_regress_format_and_reused(tmp_path):
    (tmp_path / "mean_pixel.py").write_text(SCRIPT)
    out = tmp_path / "out"
    first = run_cli("reference", "mean_pixel.py", "--legacy-sae", "--runs", 1, "--out", out,
                    cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "0 already recorded" in first.stdout
    again = run_cli("reference", "mean_pixel.py", "--legacy-sae", "--runs", 2, "--out", out,
                    cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 already recorded" in again.stdout and again.stdout.count("started") == 1
    kept = records.load_records(out)
    assert sorted(kept) == ["mean_pixel-legacy-sae-r1", "mean_pixel-legacy-sae-r2"]
    for record in kept.values():
        assert record["status"] == "ok" and record["mode"] == "as-is"
        assert record["engine"].startswith("legacy-sae ")
        assert record["versions"]["tensorflow"].startswith("2.")
        assert record["seconds"] > 0 and record["peak_rss_mib"] > 0
        printed = record["result"]["printed"]["Mean pixel of {} test images: {}"]
        assert printed[0][0] == 100 and abs(printed[0][1] - 0.1199) < 1e-3
    with open(out / "results.json") as stream:
        assert len(json.load(stream)["runs"]) == 2
    assert not (tmp_path / "MNIST-data").exists()  # each run had its own folder


def test_a_failed_run_is_recorded_as_failed(tmp_path):
    (tmp_path / "fails.py").write_text("print('step 1 cost 0.5')\nraise SystemExit(3)\n")
    result = run_cli("reference", "fails.py", "--legacy-sae", "--out", tmp_path / "out",
                     cwd=tmp_path)
    assert result.returncode == 1
    (record,) = records.load_records(tmp_path / "out").values()
    assert record["status"] == "failed" and record["error"].startswith("exit status 3")
    assert record["result"]["printed"] == {"step {} cost {}": [[1.0, 0.5]]}


@pytest.mark.parametrize("python", [None, "/nonexistent/python3.6"])
def test_without_python_3_6_one_line_says_what_to_install(tmp_path, python):
    (tmp_path / "mean_pixel.py").write_text(SCRIPT)
    env = dict(os.environ, PATH="/usr/bin:/bin",
               PYENV_ROOT=str(tmp_path / "no-pyenv"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    args = ["--python", python] if python else []
    result = run_cli("reference", "mean_pixel.py", *args, "--tf", "1.8.0", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    expected = "pyenv install 3.6.15" if python is None else "is not an interpreter that runs"
    assert expected in result.stderr
    assert not (tmp_path / "cache" / "legacy-sae" / "tensorflow-1.8.0").exists()


def faithful_runs():
    baseline = records.load_baseline([os.path.join(REPO, "legacy_sae", "baselines",
                                                   "e20.json")])
    return [r for r in baseline if r["kind"] == "stacked" and r["mode"] == "faithful"]


def on_tf18(runs, shift):
    """The runs as if recorded by `legacy-sae reference` on TF 1.8, accuracies moved by
    `shift`."""
    moved = []
    for k, run in enumerate(runs):
        result = {metric: run["result"][metric] + shift for metric in gates.EQUIVALENCE_MARGINS}
        moved.append(dict(run, id=f"stacked_tutorial-tf1.8.0-r{k + 1}", mode="tensorflow-1.8.0",
                          result=result))
    return moved


def test_the_equivalence_gate_passes_equal_runs_and_fails_a_one_point_shift():
    sweep = faithful_runs()
    rows = {row["metric"]: row for row in gates.summarize(sweep, 20, on_tf18(sweep, 0.0))}
    for metric in gates.EQUIVALENCE_MARGINS:
        assert rows[metric]["engine"] == "tensorflow-1.8.0"
        assert rows[metric]["equivalence"]["verdict"] == "equivalent"
        assert rows[metric]["gates"] == {"band": True, "drift": True, "equivalence": True}
    assert gates.exit_status(list(rows.values()), sweep) == 0
    rows = {row["metric"]: row for row in gates.summarize(sweep, 20, on_tf18(sweep, 0.01))}
    for metric in gates.EQUIVALENCE_MARGINS:
        assert rows[metric]["equivalence"]["verdict"] == "different"
        assert rows[metric]["gates"]["equivalence"] is False
    assert gates.exit_status(list(rows.values()), sweep) == 1


def test_equivalence_is_claimed_at_most_5_percent_of_the_time_at_the_margin():
    """Two one-sided tests at 5 %: sweeps of 10 runs against 16 whose true difference is exactly
    the margin are called equivalent in at most 5 % of 2,000 simulated pairs (sd of the runs as
    the 20-epoch baseline's before fine-tuning)."""
    rng = np.random.default_rng(3)
    margin, sd = gates.EQUIVALENCE_MARGINS["accuracy_before_finetuning"], 0.0052
    called = [gates.equivalence(list(rng.normal(margin, sd, 10)), list(rng.normal(0, sd, 16)),
                                margin)["verdict"] == "equivalent" for _ in range(2000)]
    assert np.mean(called) <= 0.05 + 0.015  # binomial noise of 2,000 trials, about 3 sd


def test_regress_judges_recorded_as_is_runs_against_a_tf18_baseline(tmp_path):
    sweep = [dict(run, id=f"stacked_tutorial-legacy-sae-r{k + 1}", mode="as-is")
             for k, run in enumerate(faithful_runs())]
    (tmp_path / "as-is" / "runs").mkdir(parents=True)
    for run in sweep:
        (tmp_path / "as-is" / "runs" / (run["id"] + ".json")).write_text(json.dumps(run))
    for shift, status in ((0.0, 0), (0.01, 1)):
        baseline = tmp_path / f"tf18-{shift}.json"
        baseline.write_text(json.dumps(dict(runs=on_tf18(faithful_runs(), shift))))
        result = run_cli("regress", "--judge", tmp_path / "as-is", "--baseline", baseline,
                         "--out", tmp_path / f"report-{shift}", cwd=tmp_path)
        assert result.returncode == status, result.stdout[-3000:] + result.stderr[-3000:]
        assert "## Beside real TensorFlow 1.8.0" in result.stdout
        verdict = "equivalent" if status == 0 else "different"
        assert result.stdout.count(f"| {verdict} |") == 2


# --- Checkpoints crossing between real TensorFlow 1.8 and legacy-sae --------------------------

TF18_FOLDER = os.path.join(REPO, "tests", "data", "tf18_stacked_encoder")  # see its README.md
ONE_EPOCH = ("training_epochs = 20 ", "training_epochs = 1 ")  # how that folder was made


def one_epoch_listing(work):
    """The stacked listing with one epoch per stage (the one change that made TF18_FOLDER) in
    `work`, MNIST in ../MNIST-data where it reads it."""
    from conftest import TUTORIAL_DIR
    with open(os.path.join(TUTORIAL_DIR, "stacked_tutorial.py"), encoding="utf-8") as stream:
        source = stream.read()
    assert source.count(ONE_EPOCH[0]) == 1
    work.mkdir(parents=True)
    (work / "stacked_tutorial.py").write_text(source.replace(*ONE_EPOCH), encoding="utf-8")


def copy_checkpoint(source, target):
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("README.md"))


# A fresh first autoencoder's first epoch averages 0.0481 to 0.0492 (the 20-epoch baseline's 10
# faithful runs); restored from a trained folder it starts lower (0.0442 to 0.0446 measured).
FRESH_FIRST_COST = 0.0475


def first_cost(stdout):
    """The first autoencoder's average cost over its first epoch."""
    return float(next(line for line in stdout.splitlines()
                      if line.startswith("Epoch 0/")).split()[-1])


def saved_variables(folder):
    """{name: shape} of the variables in the latest checkpoint of `folder`, Adam slots included,
    read by today's TensorFlow."""
    code = ("import json, sys; from legacy_sae import compat; tf = compat.tf1(); "
            "print(json.dumps(dict(tf.train.list_variables(sys.argv[1]))))")
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_the_unmodified_listing_resumes_a_tf18_checkpoint_under_legacy_sae_run(tmp_path):
    work = tmp_path / "work"
    one_epoch_listing(work)
    copy_checkpoint(TF18_FOLDER, work / "stacked_encoder")
    result = run_cli("run", "stacked_tutorial.py", cwd=work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "kpt: ./stacked_encoder/mnist_model.cpkt-0" in result.stdout
    assert first_cost(result.stdout) < FRESH_FIRST_COST  # it starts from TF 1.8's weights


@pytest.fixture(scope="module")
def legacy_sae_folder(tmp_path_factory):
    """A stacked_encoder/ folder written by `legacy-sae stacked --epochs 1`."""
    top = tmp_path_factory.mktemp("legacy-sae-written")
    written = run_cli("stacked", "--epochs", 1, "--fresh", "--checkpoint-dir",
                      top / "stacked_encoder", "--figures", top / "figures", cwd=top)
    assert written.returncode == 0, written.stderr[-3000:]
    return top / "stacked_encoder"


def test_legacy_sae_stacked_restores_a_tf18_checkpoint_with_the_same_variables(
        tmp_path, legacy_sae_folder):
    theirs = saved_variables(TF18_FOLDER)
    # names and shapes, Adam slots and beta powers too
    assert saved_variables(legacy_sae_folder) == theirs
    assert any(name.endswith("/Adam_1") for name in theirs)
    copy_checkpoint(TF18_FOLDER, tmp_path / "tf18")
    resumed = run_cli("stacked", "--epochs", 1, "--checkpoint-dir", tmp_path / "tf18",
                      "--figures", tmp_path / "figures", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"kpt: {tmp_path / 'tf18' / 'mnist_model.cpkt-0'}" in resumed.stdout
    assert first_cost(resumed.stdout) < FRESH_FIRST_COST


def tf_environment(version):
    """The Python of the TensorFlow `version` environment, made if a Python 3.6 exists (.ci/run
    makes TF 1.8's first where pyenv has one); the test is skipped with the reason where none
    does."""
    from legacy_sae.checks import LegacySAEError
    from legacy_sae.reference import environments
    try:
        return environments.ensure(version, say=lambda message: None)
    except LegacySAEError as error:
        pytest.skip(f"real TensorFlow {version} is not available here: {error}")


def tf18_python():
    return tf_environment("1.8.0")


def test_real_tf18_resumes_a_checkpoint_legacy_sae_wrote(tmp_path, legacy_sae_folder):
    python = tf18_python()
    work = tmp_path / "work"
    one_epoch_listing(work)
    copy_checkpoint(legacy_sae_folder, work / "stacked_encoder")
    shutil.copytree(os.path.join(REPO, "legacy_sae", "data"), tmp_path / "MNIST-data")
    result = subprocess.run([python, "stacked_tutorial.py"], cwd=work, capture_output=True,
                            text=True, timeout=600, env=dict(os.environ, MPLBACKEND="Agg"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "kpt: ./stacked_encoder/mnist_model.cpkt-0" in result.stdout
    assert first_cost(result.stdout) < FRESH_FIRST_COST

"""The wheel: the package with its data and baselines, nothing from the source tree beside it,
and the metadata that states what it runs on."""
import email
import shutil
import subprocess
import sys
import zipfile

from conftest import REPO


def test_the_wheel_carries_the_package_its_data_and_its_metadata(tmp_path):
    # Offline: no build isolation (which fetches setuptools into a new environment) and no index;
    # the test extra puts a setuptools that builds wheels on its own into this one. Built from a
    # copy, so that the checkout gets no build/ folder and none of its leftovers reach the wheel.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".ci-venv*", ".nox", "checkpoints",
        "MNIST-data", "stacked_encoder", "regression-runs"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation",
                            "--no-index", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel, = tmp_path.glob("legacy_sae-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = email.message_from_bytes(archive.read(next(
            name for name in names if name.endswith(".dist-info/METADATA"))))
    for name in ("legacy_sae/data/train-images-idx3-ubyte.gz",
                 "legacy_sae/data/t10k-labels-idx1-ubyte.gz",
                 "legacy_sae/baselines/e20.json", "legacy_sae/baselines/e50.json",
                 "legacy_sae/compat/mnist.py", "legacy_sae/preflight.py"):
        assert name in names, name
    assert all(name.startswith(("legacy_sae/", "legacy_sae-")) for name in names), names
    assert metadata["Requires-Python"] == ">=3.10,<3.14"
    requirements = metadata.get_all("Requires-Dist")
    assert "numpy<2.4,>=1.26" in requirements
    assert {"tensorflow<2.22,>=2.15", "tf-keras<2.22,>=2.15", "tf-slim>=1.1"} <= set(requirements)
    assert "Programming Language :: Python :: 3.13" in metadata.get_all("Classifier")

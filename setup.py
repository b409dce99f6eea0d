"""legacy-sae: run a 2018 TensorFlow 1.x autoencoder tutorial unmodified, offline, on current TF."""
import re

from setuptools import find_packages, setup

# The version is written once, in legacy_sae/__init__.py; read without importing the package.
with open("legacy_sae/__init__.py", encoding="utf-8") as stream:
    VERSION = re.search(r'^__version__ = "([^"]+)"', stream.read(), re.M).group(1)

setup(
    name="legacy-sae",
    version=VERSION,
    description=("Faithful TF1-style ports of a 2018 denoising/stacked autoencoder tutorial, "
                 "with compat shims, a vendored offline MNIST loader and regression reports."),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    # The Python versions TensorFlow 2.21 publishes wheels for; .ci/run tests each of them.
    python_requires=">=3.10,<3.14",
    classifiers=[f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)],
    packages=find_packages(include=["legacy_sae", "legacy_sae.*"]),
    package_data={"legacy_sae": ["data/*.gz", "baselines/*.json"]},
    install_requires=[
        # Every release whose tf.compat.v1 the shims are tested on (`nox -s tf`; the range is
        # also legacy_sae/compat/versions.py's). A fresh install takes 2.21, the release the
        # documented bands and benchmarks were measured on.
        "tensorflow>=2.15,<2.22",
        # numpy 2.4 rejects '%d' % array([7]), which dae_tutorial.py prints; up to 2.3 it runs
        # as-is (with a DeprecationWarning from 1.25 on).
        "numpy>=1.26,<2.4",
        "matplotlib>=3.8",
        # TensorFlow's own legacy Keras 2, released with each TF version: tf.layers, tf.keras
        # and the TF1 RNN cells for scripts run with the shims (Keras 3 dropped them). Each
        # tf-keras requires its own TensorFlow minor version, so pip installs the matching one.
        "tf-keras>=2.15,<2.22",
        # Google's continuation of tf.contrib.slim / contrib.layers / contrib.framework.
        "tf-slim>=1.1",
        # Shows the event files that --logdir writes. TensorFlow up to 2.19 requires the
        # TensorBoard of its own release; 2.20 and later no longer install it.
        "tensorboard>=2.15",
        # Converts Python 2 scripts and notebook cells as they run: lib2to3's maintained fork
        # (lib2to3 left the standard library in Python 3.13).
        "fissix>=21.11",
    ],
    extras_require={
        # nbclient executes notebooks: the extension test, and notebooks/build.py.
        # setuptools 70.1+ builds wheels without the `wheel` package: test_packaging builds one
        # offline from this environment (no build isolation), in a venv that may hold neither.
        # pytest-xdist runs the suite on every core (pytest.ini): most tests wait on one
        # single-threaded TensorFlow import in a child process.
        "test": ["pytest>=8", "pytest-xdist>=3", "nbval>=0.11", "ipykernel>=6", "nbclient>=0.10",
                 "setuptools>=70.1", "ray==2.60.*"],
        # regress --ray on a Ray cluster (in "test" too, so CI tests it); checked beside TF 2.21.
        "ray": ["ray==2.60.*"],
        # legacy-sae run NOTEBOOK.ipynb: nbclient executes it in an ipykernel (in "test" too).
        "notebooks": ["nbclient>=0.10", "ipykernel>=6"],
    },
    entry_points={"console_scripts": ["legacy-sae = legacy_sae.cli:main"]},
)

"""The TensorFlow matrix: legacy-sae beside each TensorFlow release it supports.

    pip install nox && nox -s tf            # every release, 2.15 to 2.21 (about 10 min each)
    nox -s "tf(2.18)"                      # one release
    nox -s "tf(2.15)" -- tests/test_compat.py   # one release, only the test files named

Each session makes a fresh Python 3.11 virtualenv (3.11 is the one version every release in the
range publishes wheels for), installs that TensorFlow with the tf-keras of the same minor
version and legacy-sae with its test extra, prints the versions it got, and runs the tests that
touch what differs between releases: the shims (TF1 API, tf-keras wiring, quiet start-up), the
runner on TF1-era scripts, TF 0.x calls and the Python 2 conversion, and both ports on slices.
The measured table is in docs/dependencies.md.
"""
import nox

# OLDEST to NEWEST of legacy_sae/compat/versions.py, as setup.py's ranges (tests/test_versions.py).
TENSORFLOW_RELEASES = ["2.15", "2.16", "2.17", "2.18", "2.19", "2.20", "2.21"]

MATRIX_TESTS = ["tests/test_compat.py", "tests/test_runner.py", "tests/test_tf1_code.py",
                "tests/test_tf0_py2.py", "tests/test_dae.py", "tests/test_stacked.py",
                "tests/test_versions.py"]

nox.options.error_on_missing_interpreters = True


@nox.session(python="3.11")
@nox.parametrize("release", TENSORFLOW_RELEASES, ids=TENSORFLOW_RELEASES)
def tf(session, release):
    session.install(f"tensorflow=={release}.*", f"tf-keras=={release}.*", "-e", ".[test]")
    session.run("python", "-c", "import sys; from importlib.metadata import version; print("
                "'Python', sys.version.split()[0], *(f'| {name} {version(name)}' for name in "
                "('tensorflow', 'tf-keras', 'numpy')))")
    session.run("pytest", "-m", "not full", "-p", "no:cacheprovider",
                *(session.posargs or MATRIX_TESTS))

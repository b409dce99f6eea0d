"""The supported TensorFlow range: a release outside it, or a tf-keras of another release, ends
any command in one line that names the range and the pip command, before TensorFlow is imported."""
import ast
import os
import re

import pytest

from legacy_sae.compat import versions
from conftest import REPO, run_cli

RANGE = "TensorFlow 2.15 to 2.21"


def test_this_environments_pair_is_supported():
    """Each matrix session (nox -s tf) installs one release with its tf-keras: all recognised."""
    assert versions.mismatch(versions.installed("tensorflow"),
                             versions.installed("tf-keras")) is None


@pytest.mark.parametrize("tensorflow, tf_keras", [
    ("2.15.1", "2.15.1"), ("2.16.2", "2.16.0"), ("2.18.1", "2.18.0"), ("2.21.0", "2.21.0")])
def test_each_release_in_the_range_with_its_tf_keras_passes(tensorflow, tf_keras):
    assert versions.mismatch(tensorflow, tf_keras) is None


@pytest.mark.parametrize("tensorflow, tf_keras, expected", [
    ("2.14.1", "2.14.0", RANGE),
    ("2.22.0", "2.22.0", RANGE),
    ("2.22.0rc0", None, RANGE),
    ("1.15.5", None, RANGE),
    ("2.18.1", "2.21.0", 'tf-keras 2.21.0 does not match TensorFlow 2.18.1 (tf-keras works '
                         'only with the TensorFlow release it came with): '
                         'pip install "tf-keras==2.18.*"'),
    ("2.16.2", None, 'pip install "tf-keras==2.16.*"'),
    (None, None, 'pip install "tensorflow>=2.15,<2.22"'),
])
def test_other_pairs_get_the_fix(tensorflow, tf_keras, expected):
    assert expected in versions.mismatch(tensorflow, tf_keras)


@pytest.fixture
def tensorflow_2_22(tmp_path, monkeypatch):
    """An environment whose `tensorflow` distribution reads as 2.22.0: its metadata first on the
    path (importlib.metadata takes the first distribution of a name it finds)."""
    info = tmp_path / "site" / "tensorflow-2.22.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.22.0\n")
    monkeypatch.setenv("PYTHONPATH", str(info.parent))


DAE_LISTING = os.path.join(REPO, "examples", "tutorial", "dae_tutorial.py")


@pytest.mark.parametrize("command", [["stacked", "--epochs", "1"], ["dae", "--epochs", "1"],
                                     ["run", DAE_LISTING]])
def test_an_unsupported_release_ends_in_one_line(tmp_path, tensorflow_2_22, command):
    work = tmp_path / "work"
    work.mkdir()
    result = run_cli(*command, cwd=work, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TensorFlow 2.22.0 is installed" in lines[0] and RANGE in lines[0]
    assert "Traceback" not in result.stderr and not os.listdir(work)


def test_setup_py_the_nox_matrix_and_the_version_check_name_one_range():
    """The range is written where pip, the matrix and the run-time check each need it; they must
    say the same."""
    with open(os.path.join(REPO, "setup.py"), encoding="utf-8") as stream:
        setup = stream.read()
    with open(os.path.join(REPO, "noxfile.py"), encoding="utf-8") as stream:
        nox_tree = ast.parse(stream.read())
    releases = next(ast.literal_eval(node.value) for node in ast.walk(nox_tree)
                    if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", "") == "TENSORFLOW_RELEASES")
    oldest, newest = (f"{major}.{minor}" for major, minor in (versions.OLDEST, versions.NEWEST))
    after = f"{versions.NEWEST[0]}.{versions.NEWEST[1] + 1}"
    for package in ("tensorflow", "tf-keras"):
        assert re.search(rf'"{package}>={re.escape(oldest)},<{re.escape(after)}"', setup), package
    minors = range(versions.OLDEST[1], versions.NEWEST[1] + 1)
    assert releases == [f"{versions.OLDEST[0]}.{minor}" for minor in minors]

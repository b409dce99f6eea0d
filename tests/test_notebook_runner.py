"""`legacy-sae run NOTEBOOK.ipynb`: a TF1-era notebook executed headless by nbclient with the
shims loaded; the executed copy holds the outputs, a failing cell stops the run naming it (or is
listed with --allow-errors), a Python 2 cell runs converted, Ctrl-C keeps the copy so far, and
the notebook itself is never written over."""
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from conftest import SCRIPTS, run_cli

FAILING = ["import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 2])\nprint('steps', 3)",
           "tf.contrib.learn.datasets",
           "1/0",
           "print('after', 4)\n7 * 6"]


def write_notebook(path, sources):
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A title")]
                                            + [nbformat.v4.new_code_cell(s) for s in sources]),
                   str(path))


def processes_working_in(folder):
    """The ids of the processes whose working directory is `folder` (a kernel's is the
    notebook's)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(folder):
                found.append(int(pid))
        except OSError:
            pass
    return found


def outputs(path):
    """[[each output's text: stdout, text result or error name] of each code cell] of the
    notebook at `path` (stderr left out)."""
    notebook = nbformat.read(str(path), as_version=4)
    return [[output.get("text") or output.get("data", {}).get("text/plain")
             or output.get("ename") for output in cell.outputs
             if output.get("name") != "stderr"]
            for cell in notebook.cells if cell.cell_type == "code"]


def test_a_python_2_notebook_runs_and_its_copy_holds_the_outputs(tmp_path):
    """tests/tf1_scripts/py2_notebook.ipynb as a TF1-era notebook is: without the `%load_ext
    legacy_sae` cell it starts with there."""
    notebook = nbformat.read(os.path.join(SCRIPTS, "py2_notebook.ipynb"), as_version=4)
    assert notebook.cells[0].source == "%load_ext legacy_sae"
    del notebook.cells[0]
    nbformat.write(notebook, str(tmp_path / "py2_notebook.ipynb"))
    result = run_cli("run", "py2_notebook.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "test images 10000\n" in result.stdout  # streamed as it came
    assert "converted to Python 3 as it runs" in result.stderr
    assert "every cell ran; the executed copy is in py2_notebook.executed.ipynb" in result.stderr
    cells = outputs(tmp_path / "py2_notebook.executed.ipynb")
    assert cells[0][0].endswith("test images 10000\n")  # after the loader's own lines
    assert cells[-1][0].startswith("test accuracy 0.")
    original = nbformat.read(str(tmp_path / "py2_notebook.ipynb"), as_version=4)
    assert all(not cell.get("outputs") for cell in original.cells)  # the notebook untouched


def test_the_first_failing_cell_stops_the_run_naming_it(tmp_path):
    write_notebook(tmp_path / "fails.ipynb", FAILING)
    result = run_cli("run", "fails.ipynb", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("legacy-sae: fails")]
    assert said == ["legacy-sae: fails.ipynb, cell 2 (tf.contrib.learn.datasets): "
                    "tf.contrib.learn is not in TensorFlow 2: it was removed, and there is no "
                    "drop-in replacement. " + said[0].split("drop-in replacement. ")[1]]
    cells = outputs(tmp_path / "fails.executed.ipynb")
    assert cells[0] == ["steps 3\n"] and cells[2:] == [[], []]  # nothing ran after it


def test_allow_errors_goes_on_and_lists_the_failing_cells(tmp_path):
    write_notebook(tmp_path / "fails.ipynb", FAILING)
    result = run_cli("run", "fails.ipynb", "--allow-errors", "--out", "all.ipynb", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fails.ipynb, cell 3 (1/0): ZeroDivisionError: division by zero" in result.stderr
    assert "2 cells failed (cell 2 (tf.contrib.learn.datasets); cell 3 (1/0))" in result.stderr
    assert "after 4\n42\n" in result.stdout  # a cell's text result is streamed too
    assert outputs(tmp_path / "all.ipynb")[3] == ["after 4\n", "42"]


def test_a_cell_over_its_timeout_is_named(tmp_path):
    write_notebook(tmp_path / "slow.ipynb", ["import time\ntime.sleep(60)", "print('next')"])
    result = run_cli("run", "--timeout", "2", "slow.ipynb", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "slow.ipynb, cell 1 (import time): timed out after 2 s (--timeout)" in result.stderr


@pytest.mark.parametrize("sent, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_keeps_the_executed_copy_so_far(tmp_path, sent, status):
    write_notebook(tmp_path / "sleeps.ipynb",
                   ["print('first', 1)", "import time\ntime.sleep(300)", "print('never')"])
    run = subprocess.Popen([sys.executable, "-m", "legacy_sae", "run", "sleeps.ipynb"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    copy = tmp_path / "sleeps.executed.ipynb"
    deadline = time.monotonic() + 120
    while not copy.exists():  # written once the first cell has run
        assert time.monotonic() < deadline and run.poll() is None, run.communicate()
        time.sleep(0.2)
    time.sleep(1)
    run.send_signal(sent)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == status, stdout + stderr
    assert "the executed copy up to it is in sleeps.executed.ipynb" in stderr
    assert outputs(copy)[0] == ["first 1\n"] and outputs(copy)[2] == []
    assert processes_working_in(tmp_path) == []  # the kernel was shut down


def test_the_notebook_and_files_that_are_not_executed_copies_are_never_written_over(tmp_path):
    write_notebook(tmp_path / "nb.ipynb", ["print(1)"])
    (tmp_path / "mine.ipynb").write_text("my own file")
    for out, said in (("nb.ipynb", "is the notebook itself"),
                      ("mine.ipynb", "is not a copy legacy-sae executed")):
        result = run_cli("run", "--out", out, "nb.ipynb", cwd=tmp_path)
        assert result.returncode == 2 and said in result.stderr, result.stderr
    assert (tmp_path / "mine.ipynb").read_text() == "my own file"
    (tmp_path / "script.py").write_text("print(1)\n")
    result = run_cli("run", "--out", "x.ipynb", "script.py", cwd=tmp_path)
    assert result.returncode == 2 and "are for notebooks" in result.stderr
    assert run_cli("run", "nb.ipynb", cwd=tmp_path).returncode == 0
    assert run_cli("run", "nb.ipynb", cwd=tmp_path).returncode == 0  # its own copy: replaced

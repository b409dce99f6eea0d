"""The notebooks: a new run reproduces what each stores (nbval, in a new folder), the original
tutorial's cells are verbatim, the extension is scoped to the kernel that loads it, and nbval
fails a notebook whose code is broken or whose printed check turns False."""
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, TUTORIAL_DIR

NOTEBOOKS = os.path.join(REPO, "notebooks")


def read(name):
    return nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)


def test_original_tutorial_cells_are_the_listings_unmodified():
    code = [cell.source for cell in read("original_tutorial.ipynb").cells
            if cell.cell_type == "code"]
    assert code[0] == "%load_ext legacy_sae"
    listings = ""
    for name in ("dae_tutorial.py", "stacked_tutorial.py"):
        with open(os.path.join(TUTORIAL_DIR, name), encoding="utf-8") as stream:
            listings += stream.read()
    # Every cell is a verbatim piece of a listing, and together they are the listings whole.
    assert all(source in listings for source in code[1:])
    assert re.sub(r"\s+", "", "".join(code[1:])) == re.sub(r"\s+", "", listings)


def test_stored_outputs_come_from_a_full_run():
    outputs = "".join(output.get("text", "") for cell in read("original_tutorial.ipynb").cells
                      if cell.cell_type == "code" for output in cell.outputs)
    assert outputs.count("Epoch 18/20  average cost") == 1  # the DAE's last log line
    assert outputs.count("Accuracy: ") == 2
    figures = [output for cell in read("stacked.ipynb").cells if cell.cell_type == "code"
               for output in cell.outputs if "image/png" in output.get("data", {})]
    assert len(figures) == 4  # two per stacked run


def run_cells(*sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    return [output.get("text", "") for cell in notebook.cells for output in cell.outputs]


def test_extension_is_scoped_to_its_kernel():
    probe = "import tensorflow as tf\nprint(hasattr(tf, 'placeholder'), tf.executing_eagerly())"
    assert run_cells(probe) == ["False True\n"]
    loaded = run_cells("%load_ext legacy_sae", probe,
                       "from tensorflow.examples.tutorials.mnist import input_data\n"
                       "print(input_data.__name__)")
    assert loaded == ["True False\n", "legacy_sae.input_data\n"]


def test_extension_shows_the_removed_api_message_instead_of_a_traceback():
    """The cell still fails, as a script exits 1, but with the one-line message."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "%load_ext legacy_sae", "import tensorflow as tf\ntf.contrib.learn")])
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True).execute()
    outputs = notebook.cells[1].outputs
    assert [output.get("name") for output in outputs] == ["stderr"]
    assert outputs[0].text.startswith("legacy-sae: tf.contrib.learn is not in TensorFlow 2")


def nbval(notebook, unseeded=False, timeout=1800):
    """nbval on `notebook`, as `pytest --nbval` would check it, in a child process whose working
    directory is the notebook's folder. The rules of sanitize.cfg, and for the unseeded original
    tutorial those of sanitize-unseeded.cfg too, mask what differs between runs."""
    rules = ["sanitize.cfg"] + ["sanitize-unseeded.cfg"] * unseeded
    sanitize = notebook.parent / "sanitize-rules.cfg"
    sanitize.write_text("\n".join(open(os.path.join(NOTEBOOKS, name), encoding="utf-8").read()
                                  for name in rules), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(notebook.parent),
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(sanitize), str(notebook)],
        cwd=notebook.parent, capture_output=True, text=True, timeout=timeout)


@pytest.mark.full
@pytest.mark.parametrize("name", ["dae", "stacked", "original_tutorial"])
def test_a_new_run_reproduces_the_stored_outputs(name, tmp_path):
    """Each notebook runs in a new folder (the original tutorial writes MNIST-data/ and
    ../MNIST-data/ and a checkpoint folder where it runs), so that every run is a first run and
    the checkout is left as it was."""
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    shutil.copy(os.path.join(NOTEBOOKS, name + ".ipynb"), workdir)
    result = nbval(workdir / (name + ".ipynb"), unseeded=name == "original_tutorial")
    cells = sum(cell.cell_type == "code" for cell in read(name + ".ipynb").cells)
    assert result.returncode == 0, result.stdout[-5000:]
    assert f"{cells} passed" in result.stdout.splitlines()[-1]


def check_cell_notebook(tmp_path, **result):
    """The DAE notebook's check cell, its source and stored outputs as committed, run after a
    cell that sets `result` as the training cell would."""
    check = next(cell for cell in read("dae.ipynb").cells
                 if cell.cell_type == "code" and cell.source.startswith("# Checked by nbval"))
    setup = nbformat.v4.new_code_cell(
        "from types import SimpleNamespace\n"
        f"result = SimpleNamespace(costs=[0.0395] + [0.0081] * 19, **{result!r})")
    notebook = nbformat.v4.new_notebook(cells=[setup, check])
    path = tmp_path / "check.ipynb"
    nbformat.write(notebook, path)
    return nbval(path, timeout=300)


def test_nbval_fails_a_notebook_whose_printed_check_turns_false(tmp_path):
    """A test error outside the recorded band prints False where the stored output says True:
    nbval fails the cell. The same cell with errors inside the bands passes."""
    inside = check_cell_notebook(tmp_path, gaussian_mse=0.0081, salt_pepper_mse=0.0135)
    assert inside.returncode == 0, inside.stdout[-3000:]
    outside = check_cell_notebook(tmp_path, gaussian_mse=0.0200, salt_pepper_mse=0.0135)
    assert outside.returncode == 1, outside.stdout[-3000:]
    assert "Cell outputs differ" in outside.stdout
    assert "-0.00852: False" in outside.stdout  # nbval's diff of the gaussian_mse line


def test_nbval_fails_a_notebook_whose_code_is_broken(tmp_path):
    notebook = read("dae.ipynb")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("dae.denoising_auto_encoder(",
                                              "dae.denoising_autoencoder(")
    nbformat.write(notebook, tmp_path / "broken.ipynb")
    result = nbval(tmp_path / "broken.ipynb", timeout=600)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "has no attribute 'denoising_autoencoder'" in result.stdout
    assert " failed" in result.stdout.splitlines()[-1]

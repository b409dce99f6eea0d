"""The notebooks: the original tutorial's cells are verbatim, the extension is scoped to the
kernel that loads it, and nbval fails a notebook whose code is broken."""
import os
import re
import subprocess
import sys

import nbformat
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


def test_nbval_fails_a_notebook_whose_code_is_broken(tmp_path):
    notebook = read("dae.ipynb")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("dae.denoising_auto_encoder(",
                                              "dae.denoising_autoencoder(")
    nbformat.write(notebook, tmp_path / "broken.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", os.path.join(NOTEBOOKS, "sanitize.cfg"),
         str(tmp_path / "broken.ipynb")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "has no attribute 'denoising_autoencoder'" in result.stdout
    assert " failed" in result.stdout.splitlines()[-1]

"""Run by the Python of a real TensorFlow 1.x environment, never imported by legacy-sae: a
notebook executed unmodified by nbclient in a kernel of that Python, cell by cell, into an
executed copy, as `legacy-sae run NOTEBOOK.ipynb` executes it on legacy-sae's side (the same
sys.argv, the same copy and metadata, the same stop at the first failing cell). Python 3.6.
A `%load_ext legacy_sae` line, legacy-sae's own, is left out here: real TensorFlow 1.x needs no
shims.

usage: python notebook_on_tf1.py NOTEBOOK.ipynb COPY.ipynb [ARGS...]
Exit status 0 when every cell ran; 1 at the first failing cell, named on stderr and in the
copy's metadata.legacy_sae.failed_cells.
"""
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

LOAD_EXTENSION = "%load_ext legacy_sae"


def cell_name(cell, number):
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return "cell {} ({})".format(number, first.strip()[:60])


def main(path, out, args):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join("" if line.strip() == LOAD_EXTENSION else line
                                    for line in cell.source.splitlines())
    failed = []
    client = NotebookClient(notebook, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(
                                os.path.abspath(path))}})
    try:
        with client.setup_kernel():
            argv = [os.path.basename(path)] + args
            client.wait_for_reply(client.kc.execute("import sys; sys.argv = {!r}".format(argv),
                                                    silent=True))
            code_cells = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
            for number, (index, cell) in enumerate(code_cells, 1):
                try:
                    client.execute_cell(cell, index, execution_count=number)
                except CellExecutionError as error:
                    cause = "{}: {}".format(error.ename, error.evalue)
                except DeadKernelError:
                    cause = "the kernel died"
                else:
                    continue
                failed.append(cell_name(cell, number))
                print("{}, {}: {}".format(path, failed[-1], cause), file=sys.stderr)
                return 1
    finally:
        notebook.metadata["legacy_sae"] = dict(executed_from=os.path.basename(path),
                                               failed_cells=failed)
        nbformat.write(notebook, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))

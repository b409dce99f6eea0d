"""`legacy-sae run NOTEBOOK.ipynb`: a TF1-era notebook executed unmodified and headless, cell by
cell, by nbclient in a fresh kernel of this Python, with the shims loaded as `%load_ext
legacy_sae` loads them: the TF1 API, Python 2 cells converted, MNIST bundled, figures inline.

The executed copy, outputs and figures included, is the run's record (as papermill's is): it is
written after every cell to --out (default NAME.executed.ipynb beside the notebook, never the
notebook itself), so a failed or stopped run leaves the copy up to where it got. Each cell's
printed output is streamed to this terminal as it comes. The first cell that fails stops the
run (exit 1) with one line naming the cell and the cause; with --allow-errors the run goes on
and the failing cells are listed at the end. Ctrl-C or SIGTERM: the kernel is shut down, the
copy kept, exit 130 or 143.
"""
import os
import sys
import time

from legacy_sae.checks import LegacySAEError, Terminated
from legacy_sae.processes import how_it_ended

SUFFIX = ".executed.ipynb"
LOAD_EXTENSION = "%load_ext legacy_sae"
KERNEL = "python3"  # the kernel of this Python, whatever kernel the notebook was saved with
EXIT_FAILED = 1


def default_out(notebook):
    return notebook[:-len(".ipynb")] + SUFFIX


def check_out(notebook, out):
    """--out may be any path but the notebook's own, or a file that is not an executed copy."""
    if os.path.abspath(out) == os.path.abspath(notebook):
        raise LegacySAEError(f"--out {out!r} is the notebook itself; the executed copy never "
                             f"replaces it: give another path (default: {default_out(notebook)}).")
    if os.path.exists(out) and not _is_executed_copy(out):
        raise LegacySAEError(f"{out!r} exists and is not a copy legacy-sae executed; it is kept: "
                             f"give another --out, or remove it.")


def _is_executed_copy(path):
    import nbformat
    try:
        return "executed_from" in nbformat.read(path, as_version=4).metadata.get("legacy_sae", {})
    except Exception:  # not a notebook at all
        return False


def read_notebook(path):
    import nbformat
    if not os.path.isfile(path):
        raise LegacySAEError(f"No notebook at {path!r}: give the path of a .ipynb file to run.")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:
        raise LegacySAEError(f"{path!r} is not a Jupyter notebook that nbformat reads "
                             f"({type(error).__name__}: {str(error).splitlines()[0]}).") from None


def setup_code(notebook, path, args, loader_rules):
    """What runs, silently, before the first cell: sys.argv, the extension (unless the notebook
    loads it itself: its cells before that line run without it, as in Jupyter), the loader's
    rules."""
    loads_itself = any(cell.cell_type == "code" and LOAD_EXTENSION in cell.source
                       for cell in notebook.cells)
    lines = [f"import sys; sys.argv = {[os.path.basename(path), *args]!r}"]
    if not loads_itself:
        lines.append("get_ipython().run_line_magic('load_ext', 'legacy_sae')")
    if loader_rules:
        lines.append(f"from legacy_sae import input_data; input_data.use_rules({loader_rules!r})")
    return "\n".join(lines)


def cell_name(cell, number):
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {number} ({first.strip()[:60]})"


def failure_cause(reply, timeout=None, seconds=0.0):
    """None for a cell that ran; else legacy-sae's one-line message for a removed API, the
    timeout, or the exception's last line."""
    content = reply["content"]
    if content["status"] == "ok":
        return None
    if timeout is not None and seconds >= timeout and content.get("ename") == "KeyboardInterrupt":
        return f"timed out after {timeout:g} s (--timeout)"
    if content.get("ename") == "RemovedInTF2Error":
        return content["evalue"]
    return f"{content.get('ename')}: {content.get('evalue')}"


def _client_class():
    from nbclient import NotebookClient

    class StreamingClient(NotebookClient):
        """nbclient's client, echoing each output's text to this terminal as it comes."""

        def output(self, outs, msg, display_id, cell_index):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                stream = sys.stderr if content["name"] == "stderr" else sys.stdout
                stream.write(content["text"])
                stream.flush()
            elif msg["msg_type"] == "execute_result":
                print(content["data"].get("text/plain", ""), flush=True)
            return super().output(outs, msg, display_id, cell_index)
    return StreamingClient


INSTALL = 'pip install "legacy-sae[notebooks]"'


def check_kernel_packages():
    """nbclient and ipykernel, or one line saying how to install them."""
    try:
        import ipykernel  # noqa: F401 (the kernel nbclient starts)
        import nbclient  # noqa: F401
    except ImportError as error:
        raise LegacySAEError(f"running a notebook needs nbclient and ipykernel ({error}): "
                             f"{INSTALL}") from None


def run_notebook(path, args=(), out=None, allow_errors=False, timeout=None, loader_rules=None,
                 say=print):
    """Execute the notebook at `path`; return the exit status (0, 1, 130, 143)."""
    check_kernel_packages()
    import nbformat
    from nbclient.exceptions import DeadKernelError

    out = out or default_out(path)
    check_out(path, out)
    if timeout is not None and not timeout > 0:
        raise LegacySAEError(f"--timeout must be a positive number of seconds, got {timeout!r}.")
    if loader_rules is not None:
        from legacy_sae.input_data import check_rules
        check_rules(loader_rules)
    notebook = read_notebook(path)
    setup = setup_code(notebook, path, args, loader_rules)
    notebook.metadata["legacy_sae"] = dict(executed_from=os.path.basename(path), failed_cells=[])
    client = _client_class()(notebook, timeout=timeout, kernel_name=KERNEL,
                             interrupt_on_timeout=True, allow_errors=True, coalesce_streams=True,
                             resources={"metadata": {"path": os.path.dirname(
                                 os.path.abspath(path))}})
    replies, failed = {}, []
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.update(
        {cell_index: execute_reply})
    name = "the kernel's start"  # what was running, for the message of a stop

    def save():
        notebook.metadata["legacy_sae"]["failed_cells"] = failed
        partial = out + ".partial"
        nbformat.write(notebook, partial)
        os.replace(partial, out)

    try:
        with client.setup_kernel():
            client.timeout = None  # --timeout is per cell; loading TensorFlow is not one
            reply = client.wait_for_reply(client.kc.execute(setup, silent=True))
            client.timeout = timeout
            if reply["content"]["status"] != "ok":
                raise LegacySAEError(f"the kernel could not load legacy-sae: "
                                     f"{failure_cause(reply)}")
            code_cells = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
            for number, (index, cell) in enumerate(code_cells, 1):
                name = cell_name(cell, number)
                started = time.monotonic()
                try:
                    client.execute_cell(cell, index, execution_count=number)
                except DeadKernelError:
                    cause = "the kernel died, " + how_it_ended(client.km.provisioner.process.wait())
                    allow_errors = False  # nothing runs without a kernel
                else:
                    cause = failure_cause(replies.pop(index, dict(content=dict(status="ok"))),
                                          timeout, time.monotonic() - started)
                if cause is not None:
                    failed.append(name)
                    say(f"legacy-sae: {path}, {name}: {cause}")
                save()
                if cause is not None and not allow_errors:
                    return EXIT_FAILED
    except (KeyboardInterrupt, Terminated) as stop:
        save()
        how, status = (("interrupted (Ctrl-C)", 130) if isinstance(stop, KeyboardInterrupt)
                       else ("stopped (SIGTERM)", 143))
        say(f"legacy-sae: {how} in {name}; the executed copy up to it is in {out}")
        return status
    if failed:
        say(f"legacy-sae: {len(failed)} cells failed ({'; '.join(failed)}); the executed copy "
            f"is in {out}")
        return EXIT_FAILED
    say(f"legacy-sae: every cell ran; the executed copy is in {out}")
    return 0

"""Runs of one unmodified script or notebook on an engine, each in a fresh folder, and their
records.

An engine is real TensorFlow 1.x (a Python of `environments`) or legacy-sae (`legacy-sae run`,
the as-is runner). Each run gets a new empty folder holding only a copy of the script, with the
bundled MNIST placed where the script's `read_data_sets(...)` calls point, so that neither
engine downloads; figures go to matplotlib's Agg backend (nothing opens a window). What the run
prints is kept whole in OUT/runs/ID.out and .err; its record, OUT/runs/ID.json, has the fields of
a `regress` record (id, kind, mode, seed, epochs, seconds, status, result), so that the gates
judge one the same as the other, plus the engine, its versions and the run's peak memory.

The numbers a run prints are its result: every line with numbers becomes a template, the line
with each number replaced by {} (`Epoch {}/{}  average cost {}`), with the values of each time
it was printed. For the tutorial's stacked listing the two `Accuracy: {}` lines are also named
as `regress` names them.

A notebook runs through `legacy-sae run NOTEBOOK.ipynb` on legacy-sae, and through
notebook_on_tf1.py (nbclient, in the TensorFlow environment's Python) on real TensorFlow; its
executed copy is kept as OUT/runs/ID.ipynb, and its figures are the numbers printed in each code
cell's output (stdout and text results), each template named by its cell: `[cell 3] loss {}`.
A failed notebook run's record names the cell it stopped at (`failed_cell`).
"""
import ast
import json
import os
import re
import shutil
import sys
import tempfile

from legacy_sae import processes
from legacy_sae.checks import LegacySAEError
from legacy_sae.regression.records import run_record

# input_data.BUNDLED_DIR, named here because that module imports TensorFlow, which a run on real
# TensorFlow 1.x never needs.
BUNDLED_MNIST_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                 "data")

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
ACCURACY = "Accuracy: {}"
# The stacked listing prints the test accuracy twice: after the softmax stage, then fine-tuned.
STACKED_LISTING_METRICS = ("accuracy_before_finetuning", "accuracy_after_finetuning")
EPOCH_LINE = "Epoch {}/{}  average cost {}"
# The last line of a run that stopped at an import of a package its engine does not have.
MISSING_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([^']+)'\s*\Z", re.M)
# TensorFlow 1.x's log records, which it writes to stdout in an interactive session (a kernel)
# and TensorFlow 2 to stderr: what TensorFlow says, not what the notebook prints.
TF_LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|FATAL):tensorflow:.*$", re.M)
NOTEBOOK_COPY = "executed.ipynb"  # in the run's folder; kept as OUT/runs/ID.ipynb
NOTEBOOK_ON_TF1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebook_on_tf1.py")


def is_notebook(script):
    return script.endswith(".ipynb")


def _code_cells(notebook):
    """The code cells of the notebook at `notebook`, as JSON (its format needs no library)."""
    with open(notebook, encoding="utf-8") as stream:
        return [cell for cell in json.load(stream).get("cells", [])
                if cell.get("cell_type") == "code"]


def _text(lines):
    return lines if isinstance(lines, str) else "".join(lines)


def _sources(script):
    """The script's source; a notebook's code cells, IPython's %magic and !shell lines blanked."""
    if not is_notebook(script):
        with open(script, "rb") as stream:
            return [stream.read()]
    return ["\n".join("" if line.lstrip().startswith(("%", "!")) else line
                      for line in _text(cell["source"]).splitlines())
            for cell in _code_cells(script)]


def mnist_folders(script):
    """The folders, as written, that the script's `read_data_sets(...)` calls read MNIST from
    (a string literal as first or `train_dir` argument); a script that names it otherwise gets
    the folders it creates itself, which legacy-sae's loader then fills from its bundled copy."""
    trees = []
    for source in _sources(script):
        try:
            trees.append(ast.parse(source))
        except SyntaxError:  # a Python 2 cell, say: its folders are not looked for
            pass
    folders = []
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")
                                                  ) == "read_data_sets":
            arguments = node.args[:1] + [k.value for k in node.keywords if k.arg == "train_dir"]
            folders += [a.value for a in arguments
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return folders


def printed_figures(stdout):
    """{template: [[numbers of the first time it was printed], [the second], ...]}."""
    figures = {}
    for line in stdout.splitlines():
        numbers = NUMBER.findall(line)
        if numbers:
            template = NUMBER.sub("{}", line.strip())
            figures.setdefault(template, []).append([float(n) for n in numbers])
    return figures


def notebook_figures(copy):
    """printed_figures of each code cell's output (stdout and text results, TensorFlow's log
    records left out) in the executed copy at `copy`, each template named by its cell:
    {"[cell N] template": ...}."""
    figures = {}
    for number, cell in enumerate(_code_cells(copy), 1):
        text = "".join(_text(output["text"]) if output["output_type"] == "stream"
                       and output.get("name") == "stdout"
                       else _text(output.get("data", {}).get("text/plain", "")) + "\n"
                       if output["output_type"] == "execute_result" else ""
                       for output in cell.get("outputs", []))
        figures.update({f"[cell {number}] {template}": values
                        for template, values in printed_figures(TF_LOG_LINE.sub("", text)).items()})
    return figures


def failed_cell(copy):
    """The cell an executed copy's run stopped at, None when it did not stop at one."""
    with open(copy, encoding="utf-8") as stream:
        cells = json.load(stream)["metadata"].get("legacy_sae", {}).get("failed_cells", [])
    return cells[0] if cells else None


def named_result(script_name, figures):
    """The metrics `regress` names, for the tutorial's stacked listing; {} for any other."""
    accuracies = figures.get(ACCURACY, [])
    if script_name == "stacked_tutorial.py" and len(accuracies) == 2:
        return {name: values[0] for name, values in zip(STACKED_LISTING_METRICS, accuracies)}
    return {}


def epochs_of(figures):
    """The listing's epochs per stage from its `Epoch {}/{}` lines, None without them."""
    lines = figures.get(EPOCH_LINE)
    return int(lines[0][1]) if lines else None


def prepare_folder(script, top):
    """A fresh folder `top`/work holding a copy of `script`, with MNIST where it reads it."""
    work = os.path.join(top, "work")
    os.makedirs(work)
    shutil.copy(script, work)
    for folder in mnist_folders(script):
        target = os.path.normpath(os.path.join(work, folder))
        if not target.startswith(top + os.sep):
            raise LegacySAEError(f"{os.path.basename(script)} reads MNIST from {folder!r}, outside "
                                 f"the run's folder; legacy-sae places MNIST only inside it.")
        os.makedirs(target, exist_ok=True)
        for name in sorted(os.listdir(BUNDLED_MNIST_DIR)):
            if name.endswith(".gz") and not os.path.exists(os.path.join(target, name)):
                shutil.copy(os.path.join(BUNDLED_MNIST_DIR, name), target)
    return work


def engine_command(engine_python, script_name, args, run_options=()):
    """How an engine runs the script: real TensorFlow's Python runs it as `python SCRIPT`;
    legacy-sae (engine_python None) as `legacy-sae run [RUN_OPTIONS] SCRIPT`. A notebook runs
    into the executed copy NOTEBOOK_COPY."""
    if engine_python is None:
        copy = ["--out", NOTEBOOK_COPY] if is_notebook(script_name) else []
        return [sys.executable, "-m", "legacy_sae", "run", *run_options, *copy, script_name,
                *args]
    if is_notebook(script_name):
        return [engine_python, NOTEBOOK_ON_TF1, script_name, NOTEBOOK_COPY, *args]
    return [engine_python, script_name, *args]


def execute(spec, script, args, engine_python, out):
    """Run `spec` (id, kind, mode, engine, and for legacy-sae any `run_options` of `legacy-sae
    run`) once in a fresh folder; write and return its record: ok, or failed with how it ended
    (its exit status or the signal that killed it) and the tail of its stderr. A Ctrl-C or SIGTERM
    that stops legacy-sae during the run stops the run and goes on: nothing is recorded."""
    run_dir = os.path.join(out, "runs")
    os.makedirs(run_dir, exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    copy = os.path.join(run_dir, spec["id"] + ".ipynb")
    if os.path.exists(copy):  # a stopped run's
        os.remove(copy)
    with tempfile.TemporaryDirectory(prefix="legacy-sae-reference-") as top:
        work = prepare_folder(script, os.path.realpath(top))
        with open(os.path.join(run_dir, spec["id"] + ".out"), "w", encoding="utf-8") as stdout, \
                open(os.path.join(run_dir, spec["id"] + ".err"), "w", encoding="utf-8") as stderr:
            ended = processes.run(engine_command(engine_python, os.path.basename(script), args,
                                                 spec.get("run_options", ())),
                                  stdout, stderr, cwd=work, env=env)
        if is_notebook(script) and os.path.exists(os.path.join(work, NOTEBOOK_COPY)):
            shutil.copy(os.path.join(work, NOTEBOOK_COPY), copy)
    where = {}
    if is_notebook(script):
        have_copy = os.path.exists(copy)
        figures = notebook_figures(copy) if have_copy else {}
        if ended.status != 0:
            where["failed_cell"] = failed_cell(copy) if have_copy else None
    else:
        with open(os.path.join(run_dir, spec["id"] + ".out"), encoding="utf-8",
                  errors="replace") as stream:
            figures = printed_figures(stream.read())
    result = dict(named_result(os.path.basename(script), figures), printed=figures)
    record = run_record(dict(spec, seed=None, epochs=epochs_of(figures)), ended.seconds,
                        ended.status, ended.stderr_tail, result,
                        peak_rss_mib=ended.peak_rss_mib, **where)
    record.setdefault("result", dict(printed=figures))  # a failed run's figures too
    return record

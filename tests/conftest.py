"""Shared helpers. Tests marked `full` run the tutorial at its full length (minutes each)."""
import os
import signal
import subprocess
import sys

import pytest

# A pytest started in the background by a shell without job control (`pytest &` in a script)
# inherits SIGINT ignored, and so would every run it starts; the Ctrl-C tests need runs that
# Ctrl-C reaches, as from a terminal. (A Python handler, unlike an ignored signal, is not
# inherited by the children.)
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The files with the longest tests, longest first, and run first: pytest-xdist hands out whole
# files in collection order (pytest.ini), and a long file started last runs alone at the end
# while the other core waits.
LONGEST_FILES = ["test_notebooks.py", "test_tutorial_as_is.py", "test_faults.py",
                 "test_stacked.py", "test_reference.py", "test_compare.py", "test_regress.py",
                 "test_ray.py", "test_same_math.py"]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIAL_DIR = os.path.join(REPO, "examples", "tutorial")
# TF1-era, TF 0.x and Python 2 scripts written for the tests (test_tf1_code, test_tf0_py2)
SCRIPTS = os.path.join(REPO, "tests", "tf1_scripts")


def pytest_collection_modifyitems(items):
    """LONGEST_FILES first; the order within each file is kept (a stable sort)."""
    rank = {name: position for position, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def run_cli(*args, cwd=None, timeout=900, **kwargs):
    """`python -m legacy_sae ARGS` in a child process; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "legacy_sae", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def run_script(name, *args, cwd):
    """`legacy-sae run tests/tf1_scripts/NAME ARGS` from `cwd`."""
    return run_cli("run", os.path.join(SCRIPTS, name), *args, cwd=cwd, timeout=600)


def last_number(stdout, prefix):
    """The number that ends the first line of `stdout` starting with `prefix`."""
    line = next(line for line in stdout.splitlines() if line.startswith(prefix))
    return float(line.split()[-1])


def processes_mentioning(text):
    """The ids of the processes whose command line contains `text` (Linux's /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as stream:
                if text.encode() in stream.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def run_python(code, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def read_events(logdir):
    """({tag: ([step, ...], [value, ...])}, GraphDef) from the event files in `logdir`, read by
    TensorBoard's own event reader."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(logdir))
    events.Reload()
    scalars = {tag: ([event.step for event in events.Scalars(tag)],
                     [event.value for event in events.Scalars(tag)])
               for tag in events.Tags()["scalars"]}
    return scalars, events.Graph()


@pytest.fixture(scope="session")
def mnist():
    """The bundled MNIST, loaded once for the whole session (one-hot labels)."""
    from legacy_sae import input_data
    return input_data.read_data_sets(input_data.BUNDLED_DIR, one_hot=True)

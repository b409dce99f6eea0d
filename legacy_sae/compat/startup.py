"""Quiet start-up: TensorFlow's one-time C++ notices stay out of the user's way unless asked for.

Importing TensorFlow and probing for GPUs prints notices from C++ straight to the process's
stderr: oneDNN, CPU features, "Could not find cuda drivers", and on every machine without a GPU
the error-level line "failed call to cuInit", which reads like a failure and is not one.
TensorFlow 2.18 adds two more at the first graph it runs, whatever `TF_CPP_MIN_LOG_LEVEL` says
("All log messages before absl::InitializeLog() is called are written to STDERR" and "MLIR V1
optimization pass is not enabled"). `TF_CPP_MIN_LOG_LEVEL` cannot hide the ones printed before
TensorFlow sets up its logging, so `import_tensorflow()` imports TensorFlow, probes for GPUs and
runs one tiny graph with file descriptor 2 pointed at a temporary file, then writes back every
line that is not one of the known notices in `NOTICES`:
anything else TensorFlow prints there, errors included, still reaches the user. For the import it
sets `TF_CPP_MIN_LOG_LEVEL=2`, which TensorFlow reads once: its later info and warning lines are
off, its error lines on. Child processes do not inherit that setting.

A user who sets `TF_CPP_MIN_LOG_LEVEL` themselves gets TensorFlow's output untouched.
Before the import, `versions.check()` stops a TensorFlow outside the supported range in one line.
"""
import os
import re
import sys
import tempfile

from legacy_sae.compat import versions

NOTICES = re.compile("|".join([
    r"All log messages before absl::InitializeLog\(\) is called",
    r"oneDNN custom operations are on",
    r"Could not find cuda drivers on your machine",
    r"This TensorFlow binary is optimized to use available CPU instructions",
    r"^To enable the following instructions: .* rebuild TensorFlow",
    r"failed call to cuInit",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"TF-TRT Warning: Could not find TensorRT",
    r"MLIR V1 optimization pass is not enabled",
    r"computation placer already registered",  # TF 2.19, four times at import
]))


_tensorflow = None


def import_tensorflow():
    """TensorFlow 2's own module, imported once per process without its start-up notices.
    (After `compat.install()`, `import tensorflow` gives the TF1 API; this stays the real one.)"""
    global _tensorflow
    if _tensorflow is None:
        versions.check()
        if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
            import tensorflow
        else:
            tensorflow = _import_quietly()
        _tensorflow = tensorflow
    return _tensorflow


def imported():
    """Whether TensorFlow finished importing in this process (a stop while it loads leaves it
    half-imported, and importing it again then fails)."""
    return _tensorflow is not None


def _import_quietly():
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
            tensorflow.config.list_physical_devices("GPU")  # CUDA's probe prints here, not later
            _run_one_graph(tensorflow)
        finally:
            sys.stderr.flush()
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            del os.environ["TF_CPP_MIN_LOG_LEVEL"]
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not NOTICES.search(line):
                    sys.stderr.write(line)
    return tensorflow


def _run_one_graph(tensorflow):
    """A constant, run in a graph of its own: what prints once per process at the first graph
    run prints now, inside the capture. The user's default graph stays empty."""
    graph = tensorflow.Graph()
    with graph.as_default():
        one = tensorflow.constant(1)
    with tensorflow.compat.v1.Session(graph=graph) as session:
        session.run(one)

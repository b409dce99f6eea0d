"""Run an unmodified TensorFlow 1.x script: `legacy-sae run SCRIPT [ARGS...]`.

The script runs in this process as `python SCRIPT ARGS...` would run it: `__name__` is
"__main__", `sys.argv` is `[SCRIPT, *ARGS]`, the script's folder leads `sys.path`, and the working
directory is the caller's. Around it, `compat.install()` supplies the TF1 API and the MNIST
tutorial module, and `figures.headless` writes the figures it shows to PNG files.
A Python 2 script, and any Python 2 module it imports from its own folder, runs converted to
Python 3 (`compat.python2`), with one line on stderr; tracebacks show the file's own lines.
The return value is the exit status the script would have had: 0, its `sys.exit` code, or 1 after
an uncaught exception, whose traceback starts at the script's own frames. `loader_rules` picks
how `mnist.train.next_batch` draws batches (`input_data.NEXT_BATCH_RULES`; default TF 1.2-1.15's).
"""
import builtins
import os
import runpy
import sys
import tokenize
import traceback
import types

from legacy_sae import compat, figures
from legacy_sae.checks import LegacySAEError
from legacy_sae.compat import python2


def run_script(script, args=(), figures_dir="figures", loader_rules=None):
    if not os.path.isfile(script):
        raise LegacySAEError(f"No script at {script!r}: give the path of a Python file to run.")
    script_path = os.path.abspath(script)
    converted = _python2_conversion(script)
    compat.install()
    from legacy_sae import input_data
    input_data.use_rules(loader_rules or input_data.DEFAULT_RULES)
    saved_argv, saved_path = sys.argv, list(sys.path)
    local_python2 = python2.PythonTwoFinder(os.path.dirname(script_path))
    with figures.headless(figures_dir, os.path.splitext(os.path.basename(script))[0]):
        sys.argv = [script, *args]
        sys.path.insert(0, os.path.dirname(script_path))
        sys.meta_path.insert(0, local_python2)
        try:
            if converted is None:
                runpy.run_path(script, run_name="__main__")
            else:
                _run_converted(script, converted)
        except SystemExit as stop:
            return _exit_status(stop.code)
        except compat.RemovedInTF2Error as error:  # one message, no traceback into the shims
            print(f"legacy-sae: {script}, line {_script_line(error, script_path)}: {error}",
                  file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback through TensorFlow
            sys.stdout.flush()
            print("KeyboardInterrupt", file=sys.stderr)
            return 130
        except BaseException as error:  # report it as the interpreter would, then exit non-zero
            _print_user_traceback(error, script_path)
            return 1
        finally:
            sys.meta_path.remove(local_python2)
            sys.argv, sys.path[:] = saved_argv, saved_path
            sys.stdout.flush()
    return 0


def _python2_conversion(script):
    """The script converted to Python 3 when it is Python 2 (and says so), else None."""
    try:
        with tokenize.open(script) as stream:  # honours a `# -*- coding: ... -*-` line
            source = stream.read()
    except (SyntaxError, UnicodeDecodeError):
        return None  # runpy reports it as Python would
    converted = python2.python2_conversion(source, script)
    if converted is not None:
        python2.say_converted(script, converted)
    return converted


def _run_converted(script, converted):
    """What `runpy.run_path(script, run_name="__main__")` does, with the converted source."""
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=script, __builtins__=builtins, __loader__=None,
                         __spec__=None, __cached__=None)
    converted.namespace(main.__dict__)
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(compile(converted.source, script, "exec", dont_inherit=True), main.__dict__)
    finally:
        sys.modules["__main__"] = saved_main


def _exit_status(code):
    """The process exit status Python gives `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _user_frames(error, script_path):
    """The traceback from the script's first frame on, without the runner's own frames."""
    tb = error.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script_path:
        tb = tb.tb_next
    return tb


def _script_line(error, script_path):
    """The line of the script whose call led to `error` (its last frame in the script)."""
    line = None
    for frame, lineno in traceback.walk_tb(_user_frames(error, script_path)):
        if os.path.abspath(frame.f_code.co_filename) == script_path:
            line = lineno
    return line


def _print_user_traceback(error, script_path):
    """The traceback from the script's own frames, without the Python 2 division helper's."""
    sys.stdout.flush()
    report = traceback.TracebackException(type(error), error, _user_frames(error, script_path))
    report.stack = traceback.StackSummary.from_list(
        [frame for frame in report.stack if frame.filename != python2.__file__])
    print("".join(report.format()), end="", file=sys.stderr)

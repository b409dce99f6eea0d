"""A run as a child process of legacy-sae: the one runner behind `reference`, `compare` and
`regress` (on this machine, and inside each Ray task on its node).

How a run ended decides whether it is recorded, by one rule: a run that legacy-sae stopped
itself, because the user stopped legacy-sae (Ctrl-C or SIGTERM), is not recorded, so that the
same command runs it again; every other end is recorded, as `run` returns it: an exit status, or
the signal that killed the child (an abort, a segfault, the out-of-memory killer's SIGKILL).

The child runs in a session of its own, so a Ctrl-C typed at the terminal reaches legacy-sae
alone, which then stops the child (SIGTERM, SIGKILL after STOP_GRACE seconds) and knows that it
did: a user's stop is never mistaken for the child's own end. On Linux the child is also sent
SIGTERM when the thread that started it dies (a killed legacy-sae or Ray worker).
"""
import ctypes
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

STOP_GRACE = 60     # seconds a stopped run has to remove its partial files before SIGKILL
STDERR_TAIL = 15    # lines of stderr a failed run's record keeps
PR_SET_PDEATHSIG = 1
# What most often kills a run with these signals, said beside the signal's name.
SIGNAL_CAUSES = {signal.SIGKILL: "out of memory?",
                 signal.SIGILL: "an instruction this processor lacks?"}


@dataclasses.dataclass
class Ended:
    """How a child that legacy-sae did not stop ended."""
    status: int          # its exit status, or -N when signal N killed it
    seconds: float
    peak_rss_mib: float
    stderr_tail: list


def how_it_ended(status):
    """'exit status 3', or the signal by name: 'killed by SIGKILL — out of memory?'."""
    if status >= 0:
        return f"exit status {status}"
    try:
        signum = signal.Signals(-status)
    except ValueError:
        return f"killed by signal {-status}"
    cause = SIGNAL_CAUSES.get(signum)
    return f"killed by {signum.name}" + (f" — {cause}" if cause else "")


class Children:
    """The runs in flight, for legacy-sae to stop when the user stops it (from any thread)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running = {}       # process: an Event set once its own thread has reaped it
        self._stopped = set()

    def started(self, process):
        with self._lock:
            self._running[process] = threading.Event()

    def reaped(self, process):
        """Whether legacy-sae stopped `process`; its stop() may stop waiting for it."""
        with self._lock:
            self._running.pop(process).set()
            return process in self._stopped

    def stopping(self, process):
        with self._lock:
            self._stopped.add(process)

    def stop(self, grace=STOP_GRACE):
        """SIGTERM to every run in flight, SIGKILL to any still alive after `grace` seconds;
        returns once each has been reaped by the thread that started it."""
        with self._lock:
            running = dict(self._running)
            self._stopped.update(running)
        for process in running:
            _signal(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process, reaped in running.items():
            if not reaped.wait(max(0.0, deadline - time.monotonic())):
                _signal(process, signal.SIGKILL)
                reaped.wait()


def _signal(process, signum):
    try:
        os.kill(process.pid, signum)
    except ProcessLookupError:  # ended already, not yet reaped
        pass


def _die_with_parent():
    """A preexec that has the kernel send SIGTERM to the child when its parent thread dies."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec():
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    return preexec


def _reap(process, grace):
    """Wait for `process` (SIGKILL after `grace` seconds): the stop of a run whose own thread
    was interrupted while waiting for it."""
    deadline = time.monotonic() + grace
    try:
        while time.monotonic() < deadline:
            if os.waitpid(process.pid, os.WNOHANG)[0]:
                return
            time.sleep(0.1)
        _signal(process, signal.SIGKILL)
        os.waitpid(process.pid, 0)
    except ChildProcessError:  # reaped already: the stop came just after it ended
        pass


def run(command, stdout, stderr, on_stderr_line=None, children=None, grace=STOP_GRACE,
        **popen_options):
    """Run `command` with its stdout into the open file `stdout` and its stderr into `stderr`
    (the same file, or another) line by line, passing each line to `on_stderr_line`. Returns
    how it ended (Ended), or None when legacy-sae stopped it through `children.stop()` from
    another thread. A Ctrl-C or SIGTERM raised in this thread stops it and goes on."""
    children = children or Children()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, text=True,
                               errors="replace", start_new_session=True,
                               preexec_fn=_die_with_parent(), **popen_options)
    children.started(process)
    started, tail = time.monotonic(), []
    try:
        for line in process.stderr:
            stderr.write(line)
            tail = (tail + [line.rstrip("\n")])[-STDERR_TAIL:]
            if on_stderr_line is not None:
                on_stderr_line(line)
        _, wait_status, usage = os.wait4(process.pid, 0)
    except BaseException:  # the user stopped legacy-sae while this thread waited
        children.stopping(process)
        _signal(process, signal.SIGTERM)
        _reap(process, grace)
        process.returncode = -signal.SIGTERM
        children.reaped(process)
        raise
    finally:
        process.stderr.close()
    status = process.returncode = os.waitstatus_to_exitcode(wait_status)
    if children.reaped(process):
        return None
    return Ended(status, time.monotonic() - started, round(usage.ru_maxrss / 1024, 1), tail)

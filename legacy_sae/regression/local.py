"""The local executor: a sweep's runs as processes on this machine, `--jobs` at a time.

An executor is one function, `run(todo, args, say, keep)`: it runs the specs in `todo` (from
`plan.planned_runs`), says their progress through `say`, and passes each run's record (from
`records.run_record`, None for a run stopped by a signal) to `keep` as it ends. On Ctrl-C or
SIGTERM it stops every run in flight before the exception goes on. `ray.run` is the other.
"""
import concurrent.futures
import os
import subprocess
import time

from legacy_sae.checks import Terminated
from legacy_sae.regression.plan import run_command
from legacy_sae.regression.records import run_record, save_record, take_result


def stream_run(command, log, say, run_id, running=None, **popen_options):
    """Run `command` with its stdout and stderr in `log` (an open file), saying its progress
    lines as they come; return its exit status and the last 15 lines of its stderr. `running` (a
    set) holds the process while it runs, for the sweep to stop it."""
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"), **popen_options)
    if running is not None:
        running.add(process)
    last_lines = []
    for line in process.stderr:
        log.write(line)
        last_lines = (last_lines + [line.rstrip()])[-15:]
        if line.startswith("[legacy-sae]"):
            say(f"[{run_id}] {line[len('[legacy-sae] '):].rstrip()}")
    status = process.wait()
    if running is not None:
        running.discard(process)
    return status, last_lines


def execute(spec, out, say, logdir=None, running=None):
    """Run one spec in its own process, streaming its progress; return its record, or None when
    the run was stopped by a signal. `running` (a set) holds the process while it runs."""
    run_dir = os.path.join(out, "runs")
    started = time.monotonic()
    say(f"[{spec['id']}] started")
    with open(os.path.join(run_dir, spec["id"] + ".log"), "w", encoding="utf-8") as log:
        status, log_tail = stream_run(run_command(spec, out, logdir), log, say, spec["id"], running)
    result = take_result(os.path.join(run_dir, spec["id"] + ".result.json"))
    record = run_record(spec, time.monotonic() - started, status, log_tail, result,
                        executor="local")
    if record is None:
        say(f"[{spec['id']}] stopped; not recorded")
        return None
    save_record(out, record, say)
    return record


def run(todo, args, say, keep):
    """Run the specs `args.jobs` at a time as local processes, passing each record to `keep`.
    On Ctrl-C or SIGTERM every run in flight is stopped before the exception goes on."""
    running = set()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = [pool.submit(execute, spec, args.out, say, args.logdir, running)
                   for spec in todo]
        for future in futures:
            keep(future.result())
    except (KeyboardInterrupt, Terminated):
        pool.shutdown(wait=False, cancel_futures=True)
        _stop(running)
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)


def _stop(processes, grace=60):
    """SIGTERM to every run in flight (each removes its partial files and releases its folder),
    then SIGKILL to any still alive after `grace` seconds: none is left orphaned."""
    for process in list(processes):
        process.terminate()
    deadline = time.monotonic() + grace
    for process in list(processes):
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

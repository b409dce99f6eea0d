"""The local executor: a sweep's runs as processes on this machine, `--jobs` at a time.

An executor is one function, `run(todo, args, say, keep)`: it runs the specs in `todo` (from
`plan.planned_runs`), says their progress through `say`, and passes the record of each run that
ended (from `records.run_record`) to `keep` as it ends. On Ctrl-C or SIGTERM it stops every run in
flight, records none of them, and lets the exception go on. `ray.run` is the other.
"""
import concurrent.futures
import os

from legacy_sae import processes
from legacy_sae.checks import Terminated
from legacy_sae.regression.plan import run_command
from legacy_sae.regression.records import run_record, save_record, take_result

PROGRESS = "[legacy-sae] "  # the prefix of a run's progress lines on its stderr


def progress_teller(say, run_id):
    """An on_stderr_line for `processes.run` that says a run's progress lines as they come."""
    def tell(line):
        if line.startswith(PROGRESS):
            say(f"[{run_id}] {line[len(PROGRESS):].rstrip()}")
    return tell


def execute(spec, out, say, logdir=None, children=None):
    """Run one spec in its own process, streaming its progress; return its record, or None when
    legacy-sae stopped it (`children.stop()`)."""
    run_dir = os.path.join(out, "runs")
    say(f"[{spec['id']}] started")
    with open(os.path.join(run_dir, spec["id"] + ".log"), "w", encoding="utf-8") as log:
        ended = processes.run(run_command(spec, out, logdir), log, log,
                              progress_teller(say, spec["id"]), children,
                              env=dict(os.environ, PYTHONUNBUFFERED="1"))
    result = take_result(os.path.join(run_dir, spec["id"] + ".result.json"))
    if ended is None:
        say(f"[{spec['id']}] stopped; not recorded")
        return None
    record = run_record(spec, ended.seconds, ended.status, ended.stderr_tail, result,
                        executor="local")
    save_record(out, record, say)
    return record


def run(todo, args, say, keep):
    """Run the specs `args.jobs` at a time as local processes, passing each record to `keep`.
    On Ctrl-C or SIGTERM every run in flight is stopped before the exception goes on."""
    children = processes.Children()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = [pool.submit(execute, spec, args.out, say, args.logdir, children)
                   for spec in todo]
        for future in futures:
            keep(future.result())
    except (KeyboardInterrupt, Terminated):
        pool.shutdown(wait=False, cancel_futures=True)
        children.stop()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)

"""The Ray executor (`legacy-sae regress --ray [ADDRESS]`): a sweep's runs as Ray tasks.

`run(todo, args, say, keep)` is an executor as `local.run` is. Each planned run becomes one Ray
task that runs, on some node, the very command a local run runs (`plan.run_command`, through
`processes.run`), in a scratch folder there. The task sends back its exit status, its log,
its result and the files it wrote (figures, checkpoints, TensorBoard events), and the driver
records the run with the same `records.run_record` as a local run, adding `executor: "ray"`,
`node` (hostname and IP) and `ray_node` (Ray's node id). Everything else a local sweep promises
holds: a rerun skips recorded runs; Ctrl-C or SIGTERM cancels every task in flight and waits
until each has ended; a run whose worker or node dies is retried MAX_RETRIES times by Ray, then
recorded as failed with the reason.

ADDRESS follows Ray's conventions (`ray.init`): HOST:PORT of a head started with `ray start
--head`; `auto`, the cluster running on this machine (or RAY_ADDRESS); `local`, a new local Ray
instance for this sweep only; none, RAY_ADDRESS or the cluster last started here with `ray
start`, else a local instance. Nodes need legacy-sae: installed there, or installed for the
sweep with `--ray-pip REQUIREMENT` (Ray's runtime_env "pip"). A node that cannot import it is
named in one error line.
"""
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

from legacy_sae.checks import LegacySAEError, positive_int, raise_terminated
from legacy_sae.regression.records import run_record, save_record

INSTALL = 'pip install "legacy-sae[ray]"'
# Tries after the first when the worker or node running a run dies (OOM kill, lost node);
# a run's own failure (an exit status) is recorded at once, as locally: rerunning it would
# only hide a flaky run.
MAX_RETRIES = 2
# Seconds to wait for cancelled tasks to end before the driver disconnects.
CANCEL_WAIT = 30
# What Ray raises when the task's worker or node died more often than MAX_RETRIES allows.
GAVE_UP = ("WorkerCrashedError", "NodeDiedError", "OutOfMemoryError", "LocalRayletDiedError",
           "ObjectLostError", "OwnerDiedError")
SCRATCH_PREFIX = "legacy-sae-ray-"  # + worker pid-run id-: a task's folder in the node's temp


def import_ray():
    try:
        import ray
    except ImportError:
        raise LegacySAEError(f"--ray needs Ray, which is not installed here: {INSTALL}") from None
    return ray


def _check_reachable(address):
    """A HOST:PORT that nothing answers at fails here in one line, not after Ray's retries."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise LegacySAEError(f"--ray {address}: give the HOST:PORT of the cluster's head (as "
                             f"`ray start --head` prints it), auto, local, or nothing for Ray's "
                             f"default.")
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as error:
        raise LegacySAEError(f"No Ray cluster answers at {address} ({error.strerror or error}): "
                             f"start its head with `ray start --head`, or check the address."
                             ) from None


def connect(ray, address, pip=()):
    """ray.init at `address` ("" for Ray's default), with `pip` installed for the tasks."""
    if address not in ("", "auto", "local") and "://" not in address:
        _check_reachable(address)
    options = dict(address=address or None, log_to_driver=True)
    if pip:
        options["runtime_env"] = {"pip": list(pip)}
    try:
        ray.init(**options)
    except ConnectionError as error:
        raise LegacySAEError(f"No running Ray cluster found for --ray {address or ''}: start one "
                             f"with `ray start --head`, or give --ray HOST:PORT ({error})."
                             ) from None
    # ray.init makes SIGTERM exit at once; the sweep needs it raised to cancel its tasks.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, raise_terminated)


def _check_cpus(ray, cpus):
    largest = max((node["Resources"].get("CPU", 0) for node in ray.nodes() if node["Alive"]),
                  default=0)
    if largest < cpus:
        raise LegacySAEError(f"No node of the Ray cluster has {cpus} CPUs for a run (the largest "
                             f"has {largest:g}): give --ray-cpus {max(1, int(largest))} or add "
                             f"a larger node.")


def _remove_stale_scratch():
    """Scratch folders of tasks whose worker was killed (a cancel, a retry): their `finally` never
    ran, so the next task on the node removes them. Each name holds its worker's process id."""
    for name in os.listdir(tempfile.gettempdir()):
        parts = name.split("-")
        if name.startswith(SCRATCH_PREFIX) and len(parts) > 3 and parts[3].isdigit():
            try:
                os.kill(int(parts[3]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(tempfile.gettempdir(), name), ignore_errors=True)
            except OSError:  # alive, another user's
                pass


def run_on_node(spec, with_logdir):
    """The Ray task: run `spec` as a local sweep would, in a scratch folder on this node, and
    return what the driver records. Pickled by value (see run), so that a node without
    legacy-sae still runs it far enough to say so: it imports legacy-sae's modules itself."""
    import ray
    _remove_stale_scratch()
    node = f"{socket.gethostname()} ({ray.util.get_node_ip_address()})"
    ray_node = ray.get_runtime_context().get_node_id()
    try:
        from legacy_sae import processes
        from legacy_sae.regression import local, plan, records
    except ImportError as error:
        return dict(node=node, cannot_import=f"{error}")
    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{spec['id']}-")
    try:
        run_dir = os.path.join(scratch, "runs")
        os.makedirs(run_dir)
        logdir = os.path.join(scratch, "logdir") if with_logdir else None
        print(f"[{spec['id']}] started on {node}", flush=True)
        log_path = os.path.join(run_dir, spec["id"] + ".log")
        # The run gets SIGTERM when this worker dies (a cancelled task): nothing is left behind.
        with open(log_path, "w", encoding="utf-8") as log:
            ended = processes.run(plan.run_command(spec, scratch, logdir), log, log,
                                  local.progress_teller(lambda message: print(message, flush=True),
                                                        spec["id"]),
                                  env=dict(os.environ, PYTHONUNBUFFERED="1"))
        result = records.take_result(os.path.join(run_dir, spec["id"] + ".result.json"))
        files = {}
        for folder, _, names in os.walk(scratch):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, "rb") as stream:
                    files[os.path.relpath(path, scratch)] = stream.read()
        return dict(node=node, ray_node=ray_node, status=ended.status, seconds=ended.seconds,
                    log_tail=ended.stderr_tail, result=result, files=files)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_files(files, args):
    """The files a run wrote in its scratch folder, where a local run writes them: the log in
    OUT/runs, figures and checkpoints in OUT, events in --logdir."""
    for relative, content in files.items():
        if relative.split(os.sep)[0] == "logdir":
            path = os.path.join(args.logdir, os.path.relpath(relative, "logdir"))
        else:
            path = os.path.join(args.out, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(content)


def _gave_up(error):
    """Why Ray returned no outcome, in the record's one line."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    reason = lines[0] if lines else ""
    if type(error).__name__ in GAVE_UP:
        return (f"Ray: the worker or node running it died, {MAX_RETRIES + 1} times "
                f"({type(error).__name__}: {reason})")
    return f"Ray: {type(error).__name__}: {reason}"


def _outcome_record(ray, ref, spec, submitted, args):
    try:
        outcome = ray.get(ref)
    except ray.exceptions.RuntimeEnvSetupError as error:  # the same for every run: stop
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        node = next((line.split("]")[0] + "]" for line in lines if line.startswith("[Node ")),
                    "")
        raise LegacySAEError(
            f"Ray could not set up --ray-pip {' '.join(args.ray_pip or ())} {node}: "
            f"{lines[-1] if lines else error}. Check the requirement; the nodes need Ray's "
            f"runtime environments for it (pip install \"ray[default]\"); see docs/cluster.md."
        ) from None
    except ray.exceptions.RayError as error:
        return run_record(spec, time.monotonic() - submitted, error=_gave_up(error),
                          executor="ray", node=None, ray_node=None)
    if "cannot_import" in outcome:
        raise LegacySAEError(
            f"Ray node {outcome['node']} cannot import legacy_sae ({outcome['cannot_import']}): "
            f"install it on every node ({INSTALL}), or give --ray-pip with a requirement for "
            f"it; see docs/cluster.md.")
    _write_files(outcome["files"], args)
    return run_record(spec, outcome["seconds"], outcome["status"], outcome["log_tail"],
                      outcome["result"], executor="ray", node=outcome["node"],
                      ray_node=outcome["ray_node"])


def _cancel(ray, pending, say):
    """Cancel every task not yet recorded, and wait until each has ended: a killed worker's run
    gets SIGTERM (processes.run) and cleans up as a stopped local run does."""
    if not pending:
        return
    say(f"legacy-sae: cancelling {len(pending)} Ray tasks")
    for ref in pending:
        ray.cancel(ref, force=True)
    ray.wait(list(pending), num_returns=len(pending), timeout=CANCEL_WAIT)


def run(todo, args, say, keep):
    """Run the specs as Ray tasks on the cluster at args.ray, passing each record to `keep` as it
    comes; on Ctrl-C, SIGTERM or an error every task in flight is cancelled first."""
    ray = import_ray()
    cpus = positive_int(args.ray_cpus, "--ray-cpus")
    connect(ray, args.ray, args.ray_pip or ())
    try:
        _check_cpus(ray, cpus)
        # By value: a node that lacks legacy_sae must be able to unpickle the task to report it.
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
        task = ray.remote(run_on_node).options(
            num_cpus=cpus, max_retries=MAX_RETRIES, retry_exceptions=False,
            scheduling_strategy="SPREAD")
        submitted = time.monotonic()
        pending = {task.remote(spec, bool(args.logdir)): spec for spec in todo}
        try:
            while pending:
                # A timeout, so that Ctrl-C and SIGTERM are seen while waiting.
                done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
                for ref in done:
                    spec = pending.pop(ref)
                    record = _outcome_record(ray, ref, spec, submitted, args)
                    save_record(args.out, record, say)
                    keep(record)
        except BaseException:
            _cancel(ray, pending, say)
            raise
    finally:
        ray.shutdown()

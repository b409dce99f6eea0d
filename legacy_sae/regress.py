"""Regression report: run the tutorial several times and compare with its documented accuracies.

One run proves little: the faithful accuracy before fine-tuning moves by a point or more from
run to run. `legacy-sae regress` runs the stacked tutorial (faithful, corrected or both) and the
DAE once per seed, each in its own process, and reports per metric the documented value, the
measured mean, standard deviation, min and max, and the verdict of each gate that applied.

A sweep is judged against the baseline (`legacy_sae/baselines/`, one recorded sweep per setting),
never against its own runs: a row whose setting the baseline has no runs at is reported as "not
gated", and a sweep in which no gate applied exits with EXIT_NOT_GATED rather than 0. The gates,
each with its false-alarm rate for runs that behave as the baseline's:

* band: every run inside the 99.9 % prediction interval for one new run made from the
  baseline's n runs, mean +- t * sd * sqrt(1 + 1/n), t the 0.9995 quantile of Student's t with
  n - 1 degrees of freedom. 0.1 % per run and metric; it catches a single broken run.
* drift: with three runs or more, the sweep's mean inside the 99 % prediction interval for
  the mean of its m runs, mean +- t * sd * sqrt(1/m + 1/n) (t at 0.995). 1 % per metric; it catches a whole environment
  that moved, which per-run bands are too wide to see. The report states its power: the shift
  caught 99 % of the time, measured by simulation with the baseline's spread.
* documented: at the documented 50 epochs per stage, with at least five faithful runs, each
  documented accuracy inside the 99.9 % band for one run made from this sweep's runs (the
  documented figures are one run of the tutorial's); 0.1 % per figure.

The tutorial has two settings. Its complete listing (完整代码, `stacked_tutorial.py`) trains
20 epochs per stage; its step-by-step section sets 50 in its parameter block (2.定义网络参数), and
the run whose accuracies it documents follows that section; the report shows both side by side.
`--mode sda` runs the stacked denoising autoencoder (`legacy-sae sda --fast`) instead, one run
per seed; the report sets every way of stacking side by side with the published SdA results,
taking from the baseline (`sda.json` holds recorded SdA runs) what the sweep did not run.
Only the faithful rows gate the exit status; the corrected and SdA rows inform. The exit status
is 1 when a run failed or a gate failed.

Output in --out: `report.md` (also printed), `results.json` (every run, statistics, machine and
versions), `report.png`, and `runs/` with one record and one log per run. Rerunning the same
command with the same --out skips the runs already recorded, failed ones included; delete a
run's record in `runs/` to run it again.
"""
import concurrent.futures
import datetime
import functools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

from legacy_sae.checks import LegacySAEError, Terminated, positive_int, writable_dir
from legacy_sae.files import write_json

DOCUMENTED = {"accuracy_before_finetuning": 0.8697, "accuracy_after_finetuning": 0.9774}
LISTING_EPOCHS = 20     # the complete listing, stacked_tutorial.py
DOCUMENTED_EPOCHS = 50  # the step-by-step section, whose run the documented figures report
SETTINGS = {LISTING_EPOCHS: "complete listing (20 epochs)",
            DOCUMENTED_EPOCHS: "step-by-step section (50 epochs, the documented run)"}
BAND_COVERAGE = 0.999
DRIFT_FALSE_ALARM = 0.01
DRIFT_MIN_RUNS = 3       # with fewer, drift limits would be no more than a narrower run band
DRIFT_POWER = 0.99       # the power the report states the drift gate's detectable shift at
DOCUMENTED_MIN_RUNS = 5  # fewer runs make too loose a band to judge the documented figures by
EXIT_NOT_GATED = 3
GATES = {"band": f"each run inside the baseline's {100 * BAND_COVERAGE:g} % band for one run; "
                 f"false alarm {100 * (1 - BAND_COVERAGE):g} % per run and metric",
         "drift": f"with {DRIFT_MIN_RUNS} runs or more, the sweep's mean inside the baseline's {100 * (1 - DRIFT_FALSE_ALARM):g} % "
                  f"limits for the mean of this many runs; false alarm "
                  f"{100 * DRIFT_FALSE_ALARM:g} % per metric",
         "documented": f"each documented accuracy inside the {100 * BAND_COVERAGE:g} % band made "
                       f"from this sweep's runs, at {DOCUMENTED_EPOCHS} epochs with "
                       f"{DOCUMENTED_MIN_RUNS} or more runs; false alarm "
                       f"{100 * (1 - BAND_COVERAGE):g} % per figure"}
BASELINE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baselines")
TUTORIAL_BASELINES = tuple(os.path.join(BASELINE_DIR, f"e{epochs}.json") for epochs in SETTINGS)
SDA_BASELINE = os.path.join(BASELINE_DIR, "sda.json")
BASELINE_PATHS = TUTORIAL_BASELINES + (SDA_BASELINE,)

# (kind, mode, metric, label) of every reported row.
METRICS = [
    ("stacked", mode, metric, label)
    for metric, label in (("accuracy_before_finetuning", "accuracy before fine-tuning"),
                          ("accuracy_after_finetuning", "accuracy after fine-tuning"))
    for mode in ("faithful", "corrected")
] + [("dae", "faithful", "gaussian_mse", "DAE test MSE, gaussian noise 0.3"),
     ("dae", "faithful", "salt_pepper_mse", "DAE test MSE, 15 % pixels inverted"),
     ("sda", "fast", "test_accuracy", "SdA test accuracy at the best validation epoch")]
MODE_NAMES = {"faithful": "faithful", "corrected": "corrected (carry weights)",
              "fast": "SdA (`legacy-sae sda --fast`)"}

# Published MNIST test errors of stacked denoising autoencoders (reference rows, not re-run here),
# with their spread where given: the LISA tutorial's SdA.py run (its doc/SdA.txt, "Running the
# Code") and Table 3 of Vincent et al. (2010).
LITERATURE = [
    ("LISA DeepLearningTutorials, SdA.py", 0.013, None),
    ("Vincent et al. 2010, JMLR, SdA-3", 0.0128, 0.0010),
]


def add_arguments(parser):
    parser.add_argument("--runs", type=int, default=10, help="seeds to run (default: 10)")
    parser.add_argument("--mode", choices=("faithful", "corrected", "both", "sda"), default="both",
                        help="stacked mode(s) to run (default: both); sda: the stacked denoising "
                             "autoencoder with `legacy-sae sda --fast` instead, resumed from its "
                             "checkpoints when interrupted, no DAE runs")
    add_epochs_arguments(parser)
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time (default: 1; with --ray, Ray decides)")
    # "" is --ray without ADDRESS: Ray's own default (RAY_ADDRESS, the cluster last started with
    # `ray start` here, else a local instance for the sweep).
    parser.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                        help="run every run as a Ray task on the cluster at ADDRESS (HOST:PORT "
                             "of its head, or auto); without ADDRESS, RAY_ADDRESS or a local "
                             'instance. Needs pip install "legacy-sae[ray]"; see docs/cluster.md')
    parser.add_argument("--ray-cpus", type=int, default=2, metavar="N",
                        help="CPUs Ray reserves for each run (default: 2, the cores the "
                             "documented run times were measured on)")
    parser.add_argument("--ray-pip", action="append", metavar="REQUIREMENT",
                        help="install REQUIREMENT (a pip requirement: name, wheel or VCS URL) "
                             "for the runs with Ray's runtime_env, on nodes that lack "
                             "legacy-sae; repeat for several")
    parser.add_argument("--out", default="regression-runs", metavar="DIR",
                        help="folder for the report and run records (default: ./regression-runs)")
    parser.add_argument("--seed", type=int, default=1, help="first seed; run k uses SEED+k")
    parser.add_argument("--no-dae", action="store_true", help="skip the DAE runs")
    parser.add_argument("--logdir", default=None, metavar="DIR",
                        help="TensorBoard events of each run in DIR/RUN-ID (view all with: "
                             "tensorboard --logdir DIR)")
    parser.add_argument("--baseline", action="append", metavar="FILE",
                        help="results.json of a baseline sweep that sets the bands; repeat for "
                             "several (default: the recorded sweeps in legacy_sae/baselines/)")


def add_epochs_arguments(parser):
    """--epochs N and --documented, the shorthand for the setting of the documented figures."""
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs per stage (default: {LISTING_EPOCHS}, as the complete "
                             f"listing)")
    parser.add_argument("--documented", action="store_true",
                        help=f"train {DOCUMENTED_EPOCHS} epochs per stage, as the tutorial's "
                             f"step-by-step section, whose run gave the documented accuracies")


def chosen_epochs(args):
    """The epochs per stage that --epochs and --documented ask for."""
    if args.documented and args.epochs not in (None, DOCUMENTED_EPOCHS):
        raise LegacySAEError(f"--documented trains {DOCUMENTED_EPOCHS} epochs per stage, the "
                             f"documented setting; it cannot be combined with --epochs "
                             f"{args.epochs}. Give one of the two.")
    epochs = DOCUMENTED_EPOCHS if args.documented else args.epochs
    return positive_int(LISTING_EPOCHS if epochs is None else epochs, "--epochs")


def planned_runs(runs, mode, epochs, seed, dae=True):
    """The run specs of a sweep: a dict each with id, kind, mode, seed, epochs (None for the
    SdA, whose epochs its settings set)."""
    if mode == "sda":
        return [dict(id=f"sda-fast-s{seed + k}", kind="sda", mode="fast", seed=seed + k,
                     epochs=None) for k in range(runs)]
    modes = ("faithful", "corrected") if mode == "both" else (mode,)
    specs = []
    for k in range(runs):
        kinds = [("stacked", m) for m in modes] + ([("dae", "faithful")] if dae else [])
        for kind, run_mode in kinds:
            specs.append(dict(id=f"{kind}-{run_mode}-e{epochs}-s{seed + k}", kind=kind,
                              mode=run_mode, seed=seed + k, epochs=epochs))
    return specs


def _command(spec, out, logdir=None):
    run_dir = os.path.join(out, "runs")
    command = [sys.executable, "-m", "legacy_sae", spec["kind"], "--seed", str(spec["seed"]),
               "--figures", os.path.join(out, "figures", spec["id"]),
               "--result-json", os.path.join(run_dir, spec["id"] + ".result.json")]
    if logdir:
        command += ["--logdir", os.path.join(logdir, spec["id"])]
    if spec["kind"] == "sda":  # not --fresh: a stopped SdA run resumes from its last epoch
        return command + ["--fast", "--checkpoint-dir",
                          os.path.join(out, "checkpoints", spec["id"])]
    command += ["--epochs", str(spec["epochs"])]
    if spec["kind"] == "stacked":
        command += ["--fresh", "--checkpoint-dir", os.path.join(out, "checkpoints", spec["id"])]
        if spec["mode"] == "corrected":
            command.append("--carry-weights")
    return command


# Exit statuses of a run stopped by a signal rather than failed: Ctrl-C, SIGTERM (legacy-sae's own)
# and Python's negative "killed by signal N".
STOPPED = (130, 143)


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


def take_result(path):
    """What a run's --result-json file holds, or None when it wrote none; the file is removed,
    its content goes into the run's record."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        result = json.load(stream)
    os.remove(path)
    return result


def run_record(spec, seconds, status=None, log_tail=(), result=None, error=None, **where):
    """The record of a finished run, built here for every executor so that a local run's and a
    Ray run's differ only in `where` (executor, node). Exit `status` 0 with a `result` is ok, any
    other is failed with the tail of its log; `error` instead says why a run has no exit status
    (Ray gave up on it). None for a run stopped by a signal: nothing is recorded, so that a
    resumed sweep runs it again."""
    if error is None and (status in STOPPED or status < 0):
        return None
    record = dict(spec, seconds=round(seconds, 1), **where)
    if error is not None:
        record.update(status="failed", error=error)
    elif status == 0 and result is not None:
        record.update(status="ok", result=result)
    else:
        record.update(status="failed", error=f"exit status {status}\n" + "\n".join(log_tail))
    return record


def save_record(out, record, say):
    write_json(os.path.join(out, "runs", record["id"] + ".json"), record, indent=1)
    say(f"[{record['id']}] {record['status']} after {record['seconds']} s")


def execute(spec, out, say, logdir=None, running=None):
    """Run one spec in its own process, streaming its progress; return its record, or None when
    the run was stopped by a signal. `running` (a set) holds the process while it runs."""
    run_dir = os.path.join(out, "runs")
    started = time.monotonic()
    say(f"[{spec['id']}] started")
    with open(os.path.join(run_dir, spec["id"] + ".log"), "w", encoding="utf-8") as log:
        status, log_tail = stream_run(_command(spec, out, logdir), log, say, spec["id"], running)
    result = take_result(os.path.join(run_dir, spec["id"] + ".result.json"))
    record = run_record(spec, time.monotonic() - started, status, log_tail, result,
                        executor="local")
    if record is None:
        say(f"[{spec['id']}] stopped; not recorded")
        return None
    save_record(out, record, say)
    return record


def run_locally(todo, args, say, keep):
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


def load_records(out):
    run_dir = os.path.join(out, "runs")
    if not os.path.isdir(run_dir):
        return {}
    records = {}
    for name in sorted(os.listdir(run_dir)):
        if name.endswith(".json") and not name.endswith(".result.json"):
            with open(os.path.join(run_dir, name), encoding="utf-8") as stream:
                record = json.load(stream)
            records[record["id"]] = record
    return records


def describe(values):
    """mean, sample standard deviation (0 for one value), min and max."""
    return dict(n=len(values), mean=statistics.fmean(values),
                sd=statistics.stdev(values) if len(values) > 1 else 0.0,
                min=min(values), max=max(values))


@functools.lru_cache(maxsize=None)
def t_quantile(p, df):
    """Quantile p (> 0.5) of Student's t with df degrees of freedom.

    With x = sqrt(df) tan(u), the CDF is 1/2 + C * integral from 0 to atan(x / sqrt(df)) of
    cos(u)^(df - 1) du, C = Gamma((df + 1) / 2) / (sqrt(pi) Gamma(df / 2)): a smooth integrand on
    [0, pi/2), integrated by Simpson's rule and inverted by bisection on the angle."""
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(math.pi)

    def cdf_at_angle(angle, steps=1000):
        h = angle / steps
        weights = sum((4 if k % 2 else 2) * math.cos(k * h) ** (df - 1) for k in range(1, steps))
        return 0.5 + scale * h / 3 * (1 + weights + math.cos(angle) ** (df - 1))

    low, high = 0.0, math.pi / 2
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf_at_angle(middle) < p else (low, middle)
    return math.sqrt(df) * math.tan((low + high) / 2)


def prediction_band(stats, coverage=BAND_COVERAGE, new_runs=1):
    """Where the mean of `new_runs` new runs falls with probability `coverage`, from n reference
    runs' mean and sd: mean +- t(df = n - 1) * sd * sqrt(1/new_runs + 1/n). With new_runs = 1 it
    is the band for one run."""
    n = stats["n"]
    half = (t_quantile(1 - (1 - coverage) / 2, n - 1) * stats["sd"]
            * math.sqrt(1 / new_runs + 1 / n))
    return [stats["mean"] - half, stats["mean"] + half]


@functools.lru_cache(maxsize=None)
def drift_detectable_shift(n_reference, n_new, power=DRIFT_POWER, trials=20000):
    """(shift, false alarm): the shift of the true mean, in standard deviations, that the drift
    gate catches with probability `power`, and the rate at which it fails runs that did not
    shift, both measured by simulation: `trials` sweeps of n_new normal runs judged against
    n_reference others, the same draws for every shift (so the power grows smoothly with it)."""
    import numpy
    rng = numpy.random.default_rng(0)
    reference = rng.standard_normal((trials, n_reference))
    new_means = rng.standard_normal((trials, n_new)).mean(axis=1)
    t = t_quantile(1 - DRIFT_FALSE_ALARM / 2, n_reference - 1)
    allowed = t * reference.std(axis=1, ddof=1) * math.sqrt(1 / n_new + 1 / n_reference)
    distance = new_means - reference.mean(axis=1)

    def caught(shift):
        return float(numpy.mean(numpy.abs(distance + shift) > allowed))

    low, high = 0.0, 50.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if caught(middle) < power else (low, middle)
    return high, caught(0.0)


def metric_values(records, kind, mode, metric, epochs):
    """The values of `metric` in the successful runs of kind and mode at `epochs` per stage (any,
    for the SdA)."""
    return [r["result"][metric] for r in records
            if r["status"] == "ok" and r["kind"] == kind and r["mode"] == mode
            and (kind == "sda" or r["epochs"] == epochs)]


def independent_of(baseline_records, records):
    """The baseline runs that are not among `records`: a sweep is never judged against itself
    (as when the sweep that recorded a baseline is rendered again)."""
    def identity(run):
        return run.get("id"), json.dumps(run.get("result"), sort_keys=True, default=repr)
    own = {identity(r) for r in records}
    return [r for r in baseline_records if identity(r) not in own]


def documented_check(values, documented):
    """Whether a documented figure lies in the band for one run made from this sweep's own runs:
    True/False with at least DOCUMENTED_MIN_RUNS runs, None (not judged) with fewer."""
    if documented is None or len(values) < DOCUMENTED_MIN_RUNS:
        return None
    low, high = prediction_band(describe(values))
    return low <= documented <= high


def summarize(records, epochs, baseline_records=()):
    """One row per metric with runs: statistics, and the verdict of each gate (module docstring).

    gates: {gate: True (passed) / False (failed)} of the gates that applied; not_gated: why the
    others did not. Only the faithful rows gate the exit status (gates_exit)."""
    reference_runs = independent_of(baseline_records, records)
    rows = []
    for kind, mode, metric, label in METRICS:
        values = metric_values(records, kind, mode, metric, epochs)
        if not values:
            continue
        stats = describe(values)
        reference = metric_values(reference_runs, kind, mode, metric, epochs)
        row = dict(kind=kind, mode=mode, metric=metric, label=label, **stats,
                   documented=(DOCUMENTED.get(metric) if kind == "stacked" and mode == "faithful"
                               and epochs == DOCUMENTED_EPOCHS else None),
                   reference=describe(reference) if reference else None, band=None, drift=None,
                   outside=0, gates={}, not_gated=[], gates_exit=(mode == "faithful"))
        if len(reference) >= 2:
            row["band"] = prediction_band(row["reference"])
            row["outside"] = sum(not row["band"][0] <= v <= row["band"][1] for v in values)
            row["gates"]["band"] = row["outside"] == 0
            if len(values) >= DRIFT_MIN_RUNS:
                row["drift"] = prediction_band(row["reference"], 1 - DRIFT_FALSE_ALARM,
                                               len(values))
                row["gates"]["drift"] = row["drift"][0] <= stats["mean"] <= row["drift"][1]
                shift, _ = drift_detectable_shift(len(reference), len(values))
                row["drift_detectable"] = shift * row["reference"]["sd"]
            else:
                row["not_gated"].append(f"drift: {len(values)} runs, {DRIFT_MIN_RUNS} needed")
        elif reference:
            row["not_gated"].append("1 baseline run at this setting: no spread known")
        elif metric_values(baseline_records, kind, mode, metric, epochs):
            row["not_gated"].append("the baseline's runs at this setting are this sweep's own")
        else:
            row["not_gated"].append("no baseline at this setting")
        if row["documented"] is not None:
            held = documented_check(values, row["documented"])
            if held is None:
                row["not_gated"].append(f"documented figure: {len(values)} runs, "
                                        f"{DOCUMENTED_MIN_RUNS} needed")
            else:
                row["gates"]["documented"] = held
        rows.append(row)
    return rows


def row_passed(row):
    """None when no gate applied to the row, else whether every gate that applied passed."""
    return all(row["gates"].values()) if row["gates"] else None


def exit_status(rows, records):
    """1 when a run failed or a gating row failed; EXIT_NOT_GATED when every run succeeded but no
    gate applied to any gating row (the sweep says nothing about a regression); else 0."""
    gating = [row for row in rows if row["gates_exit"]]
    if any(r["status"] != "ok" for r in records) or any(row_passed(r) is False for r in gating):
        return 1
    return 0 if any(row["gates"] for row in gating) else EXIT_NOT_GATED


def _pct(value, digits=2):
    return "-" if value is None else f"{100 * value:.{digits}f} %"


def _formatter(kind):
    """Accuracies as percentages, DAE errors as plain numbers."""
    return _pct if kind != "dae" else (lambda v, digits=5: "-" if v is None else f"{v:.{digits}f}")


def failure_summary(error):
    """'exit status N: <last line of its stderr>', the line that names the exception."""
    status, *tail = error.splitlines()
    return f"{status}: {tail[-1]}" if tail else status


def band_text(band, fmt):
    return "none: 1 run" if band is None else f"{fmt(band[0])} - {fmt(band[1])}"


def verdict(row):
    """The row's result as the report prints it."""
    passed = row_passed(row)
    if passed is None:
        text = "not gated: " + "; ".join(row["not_gated"])
    else:
        failed = {"band": f"{row['outside']} outside band", "drift": "mean drifted",
                  "documented": "documented figure outside this sweep's band"}
        text = "PASS" if passed else "FAIL, " + ", ".join(
            failed[gate] for gate, held in row["gates"].items() if not held)
    return text if row["gates_exit"] else text + " (info)"


def gates_summary(rows):
    """Which gates applied to which rows, with their false-alarm rates and the drift gate's
    power."""
    gating = [row for row in rows if row["gates_exit"]]
    lines = []
    for gate, what in GATES.items():
        names = [f"{row['label']} ({MODE_NAMES[row['mode']]})" for row in gating
                 if gate in row["gates"]]
        lines.append(f"- **{gate}** ({what}): "
                     + ("; ".join(names) if names else "applied to no row"))
        if gate != "drift":
            continue
        for row in gating:
            if "drift" in row["gates"]:
                points = (lambda v: f"{100 * v:.2f} points") if row["kind"] != "dae" else (
                    lambda v: f"{v:.5f}")
                lines.append(f"  - power, {row['label']}: a shift of the mean by "
                             f"{points(row['drift_detectable'])} (baseline sd "
                             f"{points(row['reference']['sd'])}) is caught "
                             f"{100 * DRIFT_POWER:g} % of the time with these {row['n']} runs "
                             f"against the baseline's {row['reference']['n']}")
    ungated = [f"{row['label']} ({MODE_NAMES[row['mode']]}): {'; '.join(row['not_gated'])}"
               for row in gating if row["not_gated"]]
    if ungated:
        lines.append("- **not gated**: " + ", ".join(ungated))
    if not any(row["gates"] for row in gating):
        lines.append(f"- No gate applied: exit status {EXIT_NOT_GATED} says that every run "
                     f"ended but nothing was judged.")
    return lines


def setting_rows(runs, setting):
    """The stacked rows of one setting, for the side-by-side table: each mode's statistics over
    `runs`, the band for one run made from them, and at the documented setting whether the
    documented figure lies in it (judged with at least DOCUMENTED_MIN_RUNS runs)."""
    rows = []
    for kind, mode, metric, label in METRICS:
        values = metric_values(runs, kind, mode, metric, setting) if kind == "stacked" else []
        if not values:
            continue
        stats = describe(values)
        documented = (DOCUMENTED.get(metric) if mode == "faithful"
                      and setting == DOCUMENTED_EPOCHS else None)
        rows.append(dict(mode=mode, metric=metric, label=label, **stats,
                         band=prediction_band(stats) if len(values) >= 2 else None,
                         documented=documented,
                         documented_in_band=documented_check(values, documented)))
    return rows


def settings_summary(records, epochs, baseline_records):
    """The tutorial's two settings side by side: {setting: (runs, source, rows)}, with this sweep's
    runs at its own setting (the baseline's when it ran none there) and the baseline's at the
    other."""
    summary = {}
    for setting in SETTINGS:
        def stacked_at(runs):
            return [r for r in runs if r["kind"] == "stacked" and r["epochs"] == setting]
        own = stacked_at(records) if setting == epochs else []
        runs, source = (own, "this sweep") if own else (stacked_at(baseline_records), "baseline")
        summary[setting] = runs, source, setting_rows(runs, setting)
    return summary


def sda_records(records, baseline_records):
    """The SdA runs to show beside the tutorial: this sweep's, else the baseline's."""
    return ([r for r in records if r["kind"] == "sda"]
            or [r for r in baseline_records if r["kind"] == "sda"])


def side_by_side(settings, sda):
    """(name, short name, test accuracies) of each way of stacking: the tutorial after
    fine-tuning at both settings and in both modes, then the SdA."""
    rows = []
    for setting, (runs, _, _) in settings.items():
        for mode in ("faithful", "corrected"):
            values = metric_values(runs, "stacked", mode, "accuracy_after_finetuning", setting)
            rows.append((f"tutorial, {MODE_NAMES[mode]}, {setting} epochs per stage",
                         f"{mode}\n{setting} epochs", values))
    rows.append((MODE_NAMES["fast"], "SdA\n--fast",
                 metric_values(sda, "sda", "fast", "test_accuracy", None)))
    return rows


def _settings_table(settings):
    lines = ["| test accuracy | mode | documented | "
             + " | ".join(f"{SETTINGS[setting]}, {source}'s runs"
                          for setting, (_, source, _) in settings.items()) + " |",
             "|---|---|---|" + "---|" * len(settings)]
    for kind, mode, metric, label in METRICS:
        if kind != "stacked":
            continue
        cells = []
        for setting, (_, _, rows) in settings.items():
            row = next((r for r in rows if r["metric"] == metric and r["mode"] == mode), None)
            if row is None:
                cells.append("not recorded")
                continue
            cell = f"{_pct(row['mean'])} ± {_pct(row['sd'])} ({row['n']} runs), band " \
                   f"{band_text(row['band'], _pct)}"
            if row["documented"] is not None:
                cell += (f", holds documented: {'yes' if row['documented_in_band'] else 'no'}"
                         if row["documented_in_band"] is not None
                         else f", documented not judged (under {DOCUMENTED_MIN_RUNS} runs)")
            cells.append(cell)
        documented = (f"{_pct(DOCUMENTED[metric])} ({DOCUMENTED_EPOCHS} epochs)"
                      if mode == "faithful" else "-")
        lines.append(f"| {label.replace('accuracy ', '')} | {MODE_NAMES[mode]} | {documented} | "
                     + " | ".join(cells) + " |")
    return lines


def render_markdown(rows, records, epochs, settings, sda):
    """The report; `epochs` is the sweep's epochs per stage, None for an SdA sweep."""
    ok = [r for r in records if r["status"] == "ok"]
    what = f"{epochs} epochs per stage" if epochs else "stacked denoising autoencoder"
    lines = [f"# legacy-sae regression report ({what})", "",
             f"{len(ok)} runs succeeded, {len(records) - len(ok)} failed. Each run is judged "
             f"against the baseline's runs at the same setting, never against this sweep's own: "
             f"its band holds one run {100 * BAND_COVERAGE:g} % of the time; the drift limits "
             f"hold the mean of this sweep's runs {100 * (1 - DRIFT_FALSE_ALARM):g} % of the "
             f"time. The documented accuracies are checked at {DOCUMENTED_EPOCHS} epochs per "
             f"stage, the setting they came from, against the band made from this sweep's runs "
             f"(with {DOCUMENTED_MIN_RUNS} or more).", "",
             "| metric | mode | documented | mean | sd | min | max | band for one run "
             "(baseline) | drift limits for the mean | runs | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        fmt = _formatter(row["kind"])
        sd = fmt(row["sd"], 3 if row["kind"] != "dae" else 5)
        limits = "-" if row["drift"] is None else band_text(row["drift"], fmt)
        band = "-" if row["reference"] is None else band_text(row["band"], fmt)
        lines.append(f"| {row['label']} | {MODE_NAMES[row['mode']]} | {fmt(row['documented'])} "
                     f"| {fmt(row['mean'])} | {sd} | {fmt(row['min'])} | {fmt(row['max'])} | "
                     f"{band} | {limits} | {row['n']} | {verdict(row)} |")
    lines += ["", "## Gates", "", *gates_summary(rows)]
    lines += ["", "## The tutorial's two settings", "",
              f"Its complete listing trains {LISTING_EPOCHS} epochs per stage; its step-by-step "
              f"section, whose run gave the documented accuracies, {DOCUMENTED_EPOCHS}. Each "
              f"column's statistics and band come from the runs it names; on the baseline's runs "
              f"'holds documented' is a statement about the recorded baseline, not a verdict on "
              f"this sweep.", "", *_settings_table(settings)]
    lines += ["", "## Stacking side by side", "",
              "Test accuracy after fine-tuning: the tutorial's stacked autoencoder, the stacked "
              "denoising autoencoder done as published (SdA), and the published SdA results "
              "(reference rows, not re-run here). Runs of this sweep where it has them, else of "
              "the baseline.", "",
              "| model | runs | mean ± sd | min - max |", "|---|---|---|---|"]
    for name, _, values in side_by_side(settings, sda):
        if values:
            stats = describe(values)
            lines.append(f"| {name} | {stats['n']} | {_pct(stats['mean'])} ± "
                         f"{_pct(stats['sd'])} | {_pct(stats['min'])} - {_pct(stats['max'])} |")
        else:
            lines.append(f"| {name} | 0 | not recorded | - |")
    for name, error, spread in LITERATURE:
        published = f" ± {_pct(spread)}" if spread else ""
        lines.append(f"| {name} (published test error {_pct(error)}{published}) | - | "
                     f"{_pct(1 - error)} | - |")
    failed = [r for r in records if r["status"] != "ok"]
    if failed:
        lines += ["", "Failed runs (delete a run's record in runs/ to run it again):", ""]
        lines += [f"- `{r['id']}`: {failure_summary(r['error'])}" for r in failed]
    return "\n".join(lines) + "\n"


def _scatter_runs(axis, position, values, color):
    """One point per run at x = position, spread sideways so that equal values stay visible."""
    jitter = [position + 0.2 * ((k % 5) - 2) / 2 for k in range(len(values))]
    axis.scatter(jitter, [100 * v for v in values], color=color, zorder=3)


def render_plot(settings, sda, path):
    """Each run a point, bands shaded, documented values dashed at the setting they came from;
    faithful beside corrected, the two settings side by side. A third panel puts the accuracy
    after fine-tuning of every way of stacking beside the SdA and the published SdA results."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("accuracy_before_finetuning", "before fine-tuning"),
               ("accuracy_after_finetuning", "after fine-tuning")]
    groups = [(setting, mode) for setting in settings for mode in ("faithful", "corrected")]
    figure, axes = plt.subplots(1, 3, figsize=(18, 5))
    for axis, (metric, title) in zip(axes, metrics):
        for position, (setting, mode) in enumerate(groups):
            runs, _, rows = settings[setting]
            values = metric_values(runs, "stacked", mode, metric, setting)
            row = next((r for r in rows if r["metric"] == metric and r["mode"] == mode), None)
            if row is None:
                continue
            color = "C0" if mode == "faithful" else "C1"
            if row["band"]:
                axis.fill_between([position - 0.3, position + 0.3], *[100 * b for b in row["band"]],
                                  color=color, alpha=0.2,
                                  label=f"{MODE_NAMES[mode]} band" if position < 2 else None)
            _scatter_runs(axis, position, values, color)
            if row["documented"] is not None:
                axis.hlines(100 * row["documented"], position - 0.45, position + 0.45,
                            color="k", linestyle="--",
                            label=f"documented {100 * row['documented']:.2f} %")
        axis.set_xticks(range(len(groups)),
                        [f"{mode}\n{setting} epochs" for setting, mode in groups])
        axis.set_xlim(-0.6, len(groups) - 0.4)
        axis.set_title(f"test accuracy {title}")
        axis.set_ylabel("%")
        axis.legend(fontsize=8)
    rows = side_by_side(settings, sda)
    axis = axes[2]
    for position, (_, short, values) in enumerate(rows):
        _scatter_runs(axis, position, values,
                      "C2" if short.startswith("SdA") else "C0" if "faithful" in short else "C1")
    for (name, error, _), style in zip(LITERATURE, ("--", ":")):
        axis.axhline(100 * (1 - error), color="k", linestyle=style,
                     label=f"{name.split(',')[0]}: {100 * (1 - error):.2f} %")
    axis.set_xticks(range(len(rows)), [short for _, short, _ in rows])
    axis.set_title("test accuracy after fine-tuning: the tutorial and the SdA")
    axis.set_ylabel("%")
    axis.legend(fontsize=8)
    figure.suptitle("legacy-sae stacked autoencoder: the complete listing's 20 epochs per stage "
                    "and the documented 50, beside a stacked denoising autoencoder")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def environment(packages=("tensorflow", "numpy", "matplotlib", "legacy-sae")):
    """The machine and the versions of `packages` that a result was measured with."""
    from importlib import metadata
    return dict(
        machine=dict(platform=platform.platform(), processor=platform.machine(),
                     cpus=os.cpu_count(), python=platform.python_version()),
        versions={name: metadata.version(name) for name in packages})


def load_baseline(paths=BASELINE_PATHS):
    """The runs of the baseline sweeps in `paths` (results.json files), together."""
    runs = []
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            runs += json.load(stream)["runs"]
    return runs


def main(args):
    for name in ("runs", "jobs"):
        positive_int(getattr(args, name), f"--{name}")
    if args.mode == "sda" and (args.epochs is not None or args.documented):
        raise LegacySAEError("--mode sda runs `legacy-sae sda --fast`, whose setting fixes its "
                             "epochs: leave out --epochs and --documented.")
    args.epochs = None if args.mode == "sda" else chosen_epochs(args)
    writable_dir(os.path.join(args.out, "runs"), "output folder")
    for path in args.baseline or ():
        if not os.path.exists(path):
            raise LegacySAEError(f"No baseline file at {path!r}: give the results.json of a "
                                 f"baseline sweep, or leave --baseline out.")
    lock = threading.Lock()

    def say(message):
        with lock:
            print(message, flush=True)

    specs = planned_runs(args.runs, args.mode, args.epochs, args.seed, dae=not args.no_dae)
    recorded = load_records(args.out)
    todo = [spec for spec in specs if spec["id"] not in recorded]
    if args.ray is None:
        sweep, how_many = run_locally, f"{args.jobs} at a time"
    else:
        from legacy_sae import ray_sweep  # Ray is imported only when asked for
        sweep, how_many = ray_sweep.run_on_ray, f"as Ray tasks of {args.ray_cpus} CPUs"
    say(f"{len(specs)} runs planned, {len(specs) - len(todo)} already recorded in {args.out}, "
        f"{len(todo)} to run, {how_many}")

    def keep(record):
        if record is not None:
            recorded[record["id"]] = record

    try:
        sweep(todo, args, say, keep)
    except (KeyboardInterrupt, Terminated) as stop:
        how = "interrupted" if isinstance(stop, KeyboardInterrupt) else "stopped"
        say(f"legacy-sae: sweep {how}; the {len(load_records(args.out))} runs recorded in "
            f"{args.out} are kept, and the same command resumes.")
        return 130 if isinstance(stop, KeyboardInterrupt) else 143
    unrecorded = [spec["id"] for spec in specs if spec["id"] not in recorded]
    if unrecorded:  # each stopped by a signal sent to it alone
        say(f"legacy-sae: {len(unrecorded)} runs were stopped before they ended and are not "
            f"recorded ({', '.join(unrecorded)}); the same command runs them again.")
        return 1
    records = [recorded[spec["id"]] for spec in specs]
    baseline = load_baseline(args.baseline or BASELINE_PATHS)
    rows = summarize(records, args.epochs, baseline)
    settings = settings_summary(records, args.epochs, baseline)
    sda = sda_records(records, baseline)
    report = render_markdown(rows, records, args.epochs, settings, sda)
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as stream:
        stream.write(report)
    render_plot(settings, sda, os.path.join(args.out, "report.png"))
    status = exit_status(rows, records)
    write_json(os.path.join(args.out, "results.json"), dict(
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        settings=dict(runs=args.runs, mode=args.mode, epochs=args.epochs, seed=args.seed,
                      dae=args.mode != "sda" and not args.no_dae, band_coverage=BAND_COVERAGE,
                      drift_false_alarm=DRIFT_FALSE_ALARM),
        **environment(), documented=DOCUMENTED, summary=rows, exit_status=status, runs=records),
        indent=1)
    print()
    print(report, end="")
    print(f"\nWritten: {os.path.join(args.out, 'report.md')}, results.json, report.png")
    gating = [row for row in rows if row["gates_exit"]]
    applied = sorted({gate for row in gating for gate in row["gates"]})
    reasons = sorted({reason for row in gating for reason in row["not_gated"]}) or [
        "no faithful rows: the corrected and SdA rows inform only"]
    print(f"Exit status {status}: " + (f"gates applied: {', '.join(applied)}" if applied
                                       else f"no gate applied ({'; '.join(reasons)})"))
    return status

"""Regression report: run the tutorial several times and compare with its documented accuracies.

One run proves little: the faithful accuracy before fine-tuning moves by a point or more from
run to run. `legacy-sae regress` runs the stacked tutorial (faithful, corrected or both) and the
DAE once per seed, each in its own process, and reports per metric the documented value, the
measured mean, standard deviation, min and max, the band, and whether the runs lie inside it.

A band is the 99.9 % prediction interval for one new run, from the baseline runs
(`legacy_sae/baseline.json`, the recorded baseline sweep) at the same epochs, or from the sweep's
own runs where the baseline has none: mean +- t * sd * sqrt(1 + 1/n), t the 0.9995 quantile of
Student's t with n - 1 degrees of freedom. Unlike a bare mean +- 3 sd it allows for estimating
mean and sd from a handful of runs; at 99.9 % a sweep of 20 runs checked on two metrics raises a
false alarm about 4 % of the time.
The exit status is non-zero when a faithful run falls outside its band, when a band at the
tutorial's 20 epochs excludes a documented accuracy, or when a run failed.

Output in --out: `report.md` (also printed), `results.json` (every run, statistics, machine and
versions), `report.png`, and `runs/` with one record and one log per run. Rerunning the same
command with the same --out skips the runs already recorded, failed ones included; delete a
run's record in `runs/` to run it again.
"""
import concurrent.futures
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

from legacy_sae.checks import LegacySAEError, positive_int, writable_dir

DOCUMENTED = {"accuracy_before_finetuning": 0.8697, "accuracy_after_finetuning": 0.9774}
TUTORIAL_EPOCHS = 20
BAND_COVERAGE = 0.999
BASELINE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baseline.json")

# (kind, mode, metric, label) of every reported row.
METRICS = [
    ("stacked", mode, metric, label)
    for metric, label in (("accuracy_before_finetuning", "accuracy before fine-tuning"),
                          ("accuracy_after_finetuning", "accuracy after fine-tuning"))
    for mode in ("faithful", "carry")
] + [("dae", "faithful", "gaussian_mse", "DAE test MSE, gaussian noise 0.3"),
     ("dae", "faithful", "salt_pepper_mse", "DAE test MSE, 15 % pixels inverted")]
MODE_NAMES = {"faithful": "faithful", "carry": "corrected (carry weights)"}

# Published MNIST test errors of stacked denoising autoencoders (reference rows, not re-run here).
LITERATURE = [
    ("LISA DeepLearningTutorials, SdA.py", 0.013),
    ("Vincent et al. 2010, JMLR, SdA-3", 0.0128),
]


def add_arguments(parser):
    parser.add_argument("--runs", type=int, default=10, help="seeds to run (default: 10)")
    parser.add_argument("--mode", choices=("faithful", "carry", "both"), default="both",
                        help="stacked mode(s) to run (default: both)")
    parser.add_argument("--epochs", type=int, default=TUTORIAL_EPOCHS,
                        help="epochs per stage (default: the tutorial's 20)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (default: 1)")
    parser.add_argument("--out", default="regression-runs", metavar="DIR",
                        help="folder for the report and run records (default: ./regression-runs)")
    parser.add_argument("--seed", type=int, default=1, help="first seed; run k uses SEED+k")
    parser.add_argument("--no-dae", action="store_true", help="skip the DAE runs")
    parser.add_argument("--baseline", default=BASELINE_PATH, metavar="FILE",
                        help="results.json of the baseline sweep that sets the bands")


def planned_runs(runs, mode, epochs, seed, dae=True):
    """The run specs of a sweep: a dict each with id, kind, mode, seed, epochs."""
    modes = ("faithful", "carry") if mode == "both" else (mode,)
    specs = []
    for k in range(runs):
        kinds = [("stacked", m) for m in modes] + ([("dae", "faithful")] if dae else [])
        for kind, run_mode in kinds:
            specs.append(dict(id=f"{kind}-{run_mode}-e{epochs}-s{seed + k}", kind=kind,
                              mode=run_mode, seed=seed + k, epochs=epochs))
    return specs


def _command(spec, out):
    run_dir = os.path.join(out, "runs")
    command = [sys.executable, "-m", "legacy_sae", spec["kind"], "--seed", str(spec["seed"]),
               "--epochs", str(spec["epochs"]),
               "--figures", os.path.join(out, "figures", spec["id"]),
               "--result-json", os.path.join(run_dir, spec["id"] + ".result.json")]
    if spec["kind"] == "stacked":
        command += ["--fresh", "--checkpoint-dir", os.path.join(out, "checkpoints", spec["id"])]
        if spec["mode"] == "carry":
            command.append("--carry-weights")
    return command


def _write_json(path, data):
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=1)
    os.replace(partial, path)


def execute(spec, out, say):
    """Run one spec in its own process, streaming its progress; return its record."""
    run_dir = os.path.join(out, "runs")
    result_path = os.path.join(run_dir, spec["id"] + ".result.json")
    log_path = os.path.join(run_dir, spec["id"] + ".log")
    started = time.monotonic()
    say(f"[{spec['id']}] started")
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(_command(spec, out), stdout=log, stderr=subprocess.PIPE,
                                   text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        last_lines = []
        for line in process.stderr:
            log.write(line)
            last_lines = (last_lines + [line.rstrip()])[-15:]
            if line.startswith("[legacy-sae]"):
                say(f"[{spec['id']}] {line[len('[legacy-sae] '):].rstrip()}")
        status = process.wait()
    record = dict(spec, seconds=round(time.monotonic() - started, 1))
    if status == 0 and os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as stream:
            record.update(status="ok", result=json.load(stream))
        os.remove(result_path)
    else:
        record.update(status="failed", error=f"exit status {status}\n" + "\n".join(last_lines))
    _write_json(os.path.join(run_dir, spec["id"] + ".json"), record)
    say(f"[{spec['id']}] {record['status']} after {record['seconds']} s")
    return record


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


def prediction_band(stats, coverage=BAND_COVERAGE):
    """Where one new run falls with probability `coverage`, from n runs' mean and sd."""
    n = stats["n"]
    half = t_quantile(1 - (1 - coverage) / 2, n - 1) * stats["sd"] * math.sqrt(1 + 1 / n)
    return [stats["mean"] - half, stats["mean"] + half]


def metric_values(records, kind, mode, metric, epochs):
    return [r["result"][metric] for r in records
            if r["status"] == "ok" and r["kind"] == kind and r["mode"] == mode
            and r["epochs"] == epochs]


def summarize(records, epochs, baseline_records=()):
    """One row per metric with runs: statistics, band, and pass/fail (see the module docstring)."""
    rows = []
    for kind, mode, metric, label in METRICS:
        values = metric_values(records, kind, mode, metric, epochs)
        if not values:
            continue
        reference = metric_values(baseline_records, kind, mode, metric, epochs)
        band_source = "baseline" if len(reference) >= 2 else "this sweep"
        stats = describe(reference if band_source == "baseline" else values)
        band = prediction_band(stats) if stats["n"] >= 2 else None  # one run: no spread known
        documented = DOCUMENTED.get(metric) if kind == "stacked" and mode == "faithful" else None
        outside = [v for v in values if band and not band[0] <= v <= band[1]]
        excludes_documented = (band is not None and documented is not None
                               and epochs == TUTORIAL_EPOCHS
                               and not band[0] <= documented <= band[1])
        rows.append(dict(kind=kind, mode=mode, metric=metric, label=label, documented=documented,
                         **describe(values), band=band, band_source=band_source,
                         outside=len(outside), band_excludes_documented=excludes_documented,
                         passed=not outside and not excludes_documented,
                         gates_exit=(mode == "faithful")))
    return rows


def exit_status(rows, records):
    failed_runs = [r for r in records if r["status"] != "ok"]
    gate_failed = [row for row in rows if row["gates_exit"] and not row["passed"]]
    return 1 if failed_runs or gate_failed else 0


def _pct(value, digits=2):
    return "-" if value is None else f"{100 * value:.{digits}f} %"


def failure_summary(error):
    """'exit status N: <last line of its stderr>', the line that names the exception."""
    status, *tail = error.splitlines()
    return f"{status}: {tail[-1]}" if tail else status


def band_text(band, fmt):
    return "none: 1 run" if band is None else f"{fmt(band[0])} - {fmt(band[1])}"


def render_markdown(rows, records, epochs):
    ok = [r for r in records if r["status"] == "ok"]
    lines = [f"# legacy-sae regression report ({epochs} epochs per stage)", "",
             f"{len(ok)} runs succeeded, {len(records) - len(ok)} failed. Bands: "
             f"{100 * BAND_COVERAGE:g} % prediction intervals for one run, from the baseline runs "
             f"(or from this sweep where the baseline has none at {epochs} epochs).", "",
             "| metric | mode | documented | mean | sd | min | max | band (source) | runs | result |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        accuracy = row["kind"] == "stacked"
        fmt = _pct if accuracy else (lambda v, digits=5: f"{v:.{digits}f}")
        sd = fmt(row["sd"], 3 if accuracy else 5)
        result = "PASS" if row["passed"] else "FAIL"
        if not row["gates_exit"]:
            result += " (info)"
        if row["outside"]:
            result += f", {row['outside']} outside band"
        if row["band_excludes_documented"]:
            result += ", band excludes documented"
        lines.append(f"| {row['label']} | {MODE_NAMES[row['mode']]} | "
                     f"{_pct(row['documented']) if row['documented'] else '-'} | "
                     f"{fmt(row['mean'])} | {sd} | {fmt(row['min'])} | {fmt(row['max'])} | "
                     f"{band_text(row['band'], fmt)} ({row['band_source']}) | "
                     f"{row['n']} | {result} |")
    lines += ["", "Reference results for properly pretrained stacked denoising autoencoders "
              "(not pass/fail):", "", "| reference | test error | accuracy |", "|---|---|---|"]
    lines += [f"| {name} | {_pct(error)} | {_pct(1 - error)} |" for name, error in LITERATURE]
    failed = [r for r in records if r["status"] != "ok"]
    if failed:
        lines += ["", "Failed runs (delete a run's record in runs/ to run it again):", ""]
        lines += [f"- `{r['id']}`: {failure_summary(r['error'])}" for r in failed]
    return "\n".join(lines) + "\n"


def render_plot(rows, records, epochs, path):
    """Each run a point, bands shaded, documented values dashed; faithful beside corrected."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("accuracy_before_finetuning", "before fine-tuning"),
               ("accuracy_after_finetuning", "after fine-tuning")]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for axis, (metric, title) in zip(axes, metrics):
        for position, mode in enumerate(("faithful", "carry")):
            values = metric_values(records, "stacked", mode, metric, epochs)
            row = next((r for r in rows if r["metric"] == metric and r["mode"] == mode), None)
            if row is None:
                continue
            if row["band"]:
                axis.fill_between([position - 0.3, position + 0.3], *[100 * b for b in row["band"]],
                                  color="C%d" % position, alpha=0.2,
                                  label=f"{MODE_NAMES[mode]} band")
            jitter = [position + 0.2 * ((k % 5) - 2) / 2 for k in range(len(values))]
            axis.scatter(jitter, [100 * v for v in values], color="C%d" % position, zorder=3)
        if metric in DOCUMENTED:
            axis.axhline(100 * DOCUMENTED[metric], color="k", linestyle="--",
                         label=f"documented {100 * DOCUMENTED[metric]:.2f} %")
        axis.set_xticks([0, 1], ["faithful", "corrected"])
        axis.set_xlim(-0.6, 1.6)
        axis.set_title(f"test accuracy {title}")
        axis.set_ylabel("%")
        axis.legend(fontsize=8)
    figure.suptitle(f"legacy-sae stacked autoencoder, {epochs} epochs per stage")
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


def load_baseline(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)["runs"]


def main(args):
    for name in ("runs", "epochs", "jobs"):
        positive_int(getattr(args, name), f"--{name}")
    writable_dir(os.path.join(args.out, "runs"), "output folder")
    if args.baseline and args.baseline != BASELINE_PATH and not os.path.exists(args.baseline):
        raise LegacySAEError(f"No baseline file at {args.baseline!r}: give the results.json of "
                             f"a baseline sweep, or leave --baseline out.")
    lock = threading.Lock()

    def say(message):
        with lock:
            print(message, flush=True)

    specs = planned_runs(args.runs, args.mode, args.epochs, args.seed, dae=not args.no_dae)
    recorded = load_records(args.out)
    todo = [spec for spec in specs if spec["id"] not in recorded]
    say(f"{len(specs)} runs planned, {len(specs) - len(todo)} already recorded in {args.out}, "
        f"{len(todo)} to run, {args.jobs} at a time")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for record in pool.map(lambda spec: execute(spec, args.out, say), todo):
            recorded[record["id"]] = record
    records = [recorded[spec["id"]] for spec in specs]
    rows = summarize(records, args.epochs, load_baseline(args.baseline))
    report = render_markdown(rows, records, args.epochs)
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as stream:
        stream.write(report)
    render_plot(rows, records, args.epochs, os.path.join(args.out, "report.png"))
    _write_json(os.path.join(args.out, "results.json"), dict(
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        settings=dict(runs=args.runs, mode=args.mode, epochs=args.epochs, seed=args.seed,
                      dae=not args.no_dae, band_coverage=BAND_COVERAGE),
        **environment(), documented=DOCUMENTED, summary=rows, runs=records))
    print()
    print(report, end="")
    print(f"\nWritten: {os.path.join(args.out, 'report.md')}, results.json, report.png")
    return exit_status(rows, records)

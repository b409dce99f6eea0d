"""Regression report: run the tutorial several times and compare with its documented accuracies.

One run proves little: the faithful accuracy before fine-tuning moves by a point or more from
run to run. `legacy-sae regress` runs the stacked tutorial (faithful, corrected or both) and the
DAE once per seed, each in its own process, and reports per metric the documented value, the
measured mean, standard deviation, min and max, the band, and whether the runs lie inside it.

A band is the 99.9 % prediction interval for one new run, from the baseline runs
(`legacy_sae/baselines/`, one recorded sweep per setting) at the same epochs, or from the sweep's
own runs where the baseline has none: mean +- t * sd * sqrt(1 + 1/n), t the 0.9995 quantile of
Student's t with n - 1 degrees of freedom. Unlike a bare mean +- 3 sd it allows for estimating
mean and sd from a handful of runs; at 99.9 % a sweep of 20 runs checked on two metrics raises a
false alarm about 4 % of the time.
The tutorial has two settings. Its complete listing (完整代码, `stacked_tutorial.py`) trains
20 epochs per stage; its step-by-step section sets 50 in its parameter block (2.定义网络参数), and
the run whose accuracies it documents follows that section. The documented figures are checked
against the 50-epoch runs only; the report shows both settings side by side.
`--mode sda` runs the stacked denoising autoencoder (`legacy-sae sda --fast`) instead, one run
per seed; the report sets every way of stacking side by side with the published SdA results,
taking from the baseline (`sda.json` holds recorded SdA runs) what the sweep did not run.
The exit status is non-zero when a faithful run falls outside its band, when a band at the
documented 50 epochs excludes a documented accuracy, or when a run failed; the corrected and SdA
rows inform but do not gate.

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

from legacy_sae.checks import LegacySAEError, Terminated, positive_int, writable_dir

DOCUMENTED = {"accuracy_before_finetuning": 0.8697, "accuracy_after_finetuning": 0.9774}
LISTING_EPOCHS = 20     # the complete listing, stacked_tutorial.py
DOCUMENTED_EPOCHS = 50  # the step-by-step section, whose run the documented figures report
SETTINGS = {LISTING_EPOCHS: "complete listing (20 epochs)",
            DOCUMENTED_EPOCHS: "step-by-step section (50 epochs, the documented run)"}
BAND_COVERAGE = 0.999
BASELINE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baselines")
TUTORIAL_BASELINES = tuple(os.path.join(BASELINE_DIR, f"e{epochs}.json") for epochs in SETTINGS)
SDA_BASELINE = os.path.join(BASELINE_DIR, "sda.json")
BASELINE_PATHS = TUTORIAL_BASELINES + (SDA_BASELINE,)

# (kind, mode, metric, label) of every reported row.
METRICS = [
    ("stacked", mode, metric, label)
    for metric, label in (("accuracy_before_finetuning", "accuracy before fine-tuning"),
                          ("accuracy_after_finetuning", "accuracy after fine-tuning"))
    for mode in ("faithful", "carry")
] + [("dae", "faithful", "gaussian_mse", "DAE test MSE, gaussian noise 0.3"),
     ("dae", "faithful", "salt_pepper_mse", "DAE test MSE, 15 % pixels inverted"),
     ("sda", "fast", "test_accuracy", "SdA test accuracy at the best validation epoch")]
MODE_NAMES = {"faithful": "faithful", "carry": "corrected (carry weights)",
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
    parser.add_argument("--mode", choices=("faithful", "carry", "both", "sda"), default="both",
                        help="stacked mode(s) to run (default: both); sda: the stacked denoising "
                             "autoencoder with `legacy-sae sda --fast` instead, resumed from its "
                             "checkpoints when interrupted, no DAE runs")
    add_epochs_arguments(parser)
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (default: 1)")
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
    modes = ("faithful", "carry") if mode == "both" else (mode,)
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
        if spec["mode"] == "carry":
            command.append("--carry-weights")
    return command


def _write_json(path, data):
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=1)
    os.replace(partial, path)


# Exit statuses of a run stopped by a signal rather than failed: Ctrl-C, SIGTERM (legacy-sae's own)
# and Python's negative "killed by signal N".
STOPPED = (130, 143)


def execute(spec, out, say, logdir=None, running=None):
    """Run one spec in its own process, streaming its progress; return its record, or None when
    the run was stopped by a signal (nothing is recorded, so that a resumed sweep runs it again).
    `running` (a set) holds the process while it runs, for the sweep to stop it."""
    run_dir = os.path.join(out, "runs")
    result_path = os.path.join(run_dir, spec["id"] + ".result.json")
    log_path = os.path.join(run_dir, spec["id"] + ".log")
    started = time.monotonic()
    say(f"[{spec['id']}] started")
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(_command(spec, out, logdir), stdout=log, stderr=subprocess.PIPE,
                                   text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        if running is not None:
            running.add(process)
        last_lines = []
        for line in process.stderr:
            log.write(line)
            last_lines = (last_lines + [line.rstrip()])[-15:]
            if line.startswith("[legacy-sae]"):
                say(f"[{spec['id']}] {line[len('[legacy-sae] '):].rstrip()}")
        status = process.wait()
        if running is not None:
            running.discard(process)
    if status in STOPPED or status < 0:
        say(f"[{spec['id']}] stopped; not recorded")
        return None
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
    """The values of `metric` in the successful runs of kind and mode at `epochs` per stage (any,
    for the SdA)."""
    return [r["result"][metric] for r in records
            if r["status"] == "ok" and r["kind"] == kind and r["mode"] == mode
            and (kind == "sda" or r["epochs"] == epochs)]


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
        documented = (DOCUMENTED.get(metric) if kind == "stacked" and mode == "faithful"
                      and epochs == DOCUMENTED_EPOCHS else None)
        outside = [v for v in values if band and not band[0] <= v <= band[1]]
        excludes_documented = (band is not None and documented is not None
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


def settings_summary(records, epochs, baseline_records):
    """The tutorial's two settings side by side: {setting: (runs, rows)}, with this sweep's runs
    at its own setting (the baseline's when it ran none there) and the baseline's at the other."""
    summary = {}
    for setting in SETTINGS:
        def stacked_at(runs):
            return [r for r in runs if r["kind"] == "stacked" and r["epochs"] == setting]
        runs = (stacked_at(records) if setting == epochs else []) or stacked_at(baseline_records)
        summary[setting] = runs, summarize(runs, setting, baseline_records)
    return summary


def sda_runs(records, baseline_records):
    """The SdA runs to show beside the tutorial: this sweep's, else the baseline's."""
    return ([r for r in records if r["kind"] == "sda"]
            or [r for r in baseline_records if r["kind"] == "sda"])


def side_by_side(settings, sda):
    """(name, short name, test accuracies) of each way of stacking: the tutorial after
    fine-tuning at both settings and in both modes, then the SdA."""
    rows = []
    for setting, (runs, _) in settings.items():
        for mode in ("faithful", "carry"):
            values = metric_values(runs, "stacked", mode, "accuracy_after_finetuning", setting)
            rows.append((f"tutorial, {MODE_NAMES[mode]}, {setting} epochs per stage",
                         f"{'faithful' if mode == 'faithful' else 'corrected'}\n{setting} epochs",
                         values))
    rows.append((MODE_NAMES["fast"], "SdA\n--fast",
                 metric_values(sda, "sda", "fast", "test_accuracy", None)))
    return rows


def _settings_table(settings):
    lines = ["| test accuracy | mode | documented | "
             + " | ".join(SETTINGS[setting] for setting in settings) + " |",
             "|---|---|---|" + "---|" * len(settings)]
    for kind, mode, metric, label in METRICS:
        if kind != "stacked":
            continue
        cells = []
        for setting, (_, rows) in settings.items():
            row = next((r for r in rows if r["metric"] == metric and r["mode"] == mode), None)
            if row is None:
                cells.append("not recorded")
                continue
            cell = f"{_pct(row['mean'])} ± {_pct(row['sd'])} ({row['n']} runs), band " \
                   f"{band_text(row['band'], _pct)}"
            if row["documented"] is not None and row["band"]:
                held = "no" if row["band_excludes_documented"] else "yes"
                cell += f", holds documented: {held}"
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
             f"{len(ok)} runs succeeded, {len(records) - len(ok)} failed. Bands: "
             f"{100 * BAND_COVERAGE:g} % prediction intervals for one run, from the baseline runs "
             f"(or from this sweep's where the baseline has none at its setting). The "
             f"documented accuracies are checked at {DOCUMENTED_EPOCHS} epochs per stage, the "
             f"setting they came from.", "",
             "| metric | mode | documented | mean | sd | min | max | band (source) | runs | result |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        accuracy = row["kind"] != "dae"
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
    lines += ["", "## The tutorial's two settings", "",
              f"Its complete listing trains {LISTING_EPOCHS} epochs per stage; its step-by-step "
              f"section, whose run gave the documented accuracies, {DOCUMENTED_EPOCHS}. "
              + (f"This sweep's runs at {epochs} epochs, the baseline's at the other setting:"
                 if epochs else "The baseline's runs:"), "",
              *_settings_table(settings)]
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
    groups = [(setting, mode) for setting in settings for mode in ("faithful", "carry")]
    figure, axes = plt.subplots(1, 3, figsize=(18, 5))
    for axis, (metric, title) in zip(axes, metrics):
        for position, (setting, mode) in enumerate(groups):
            runs, rows = settings[setting]
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
        axis.set_xticks(range(len(groups)), [f"{'faithful' if mode == 'faithful' else 'corrected'}"
                                             f"\n{setting} epochs" for setting, mode in groups])
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
    say(f"{len(specs)} runs planned, {len(specs) - len(todo)} already recorded in {args.out}, "
        f"{len(todo)} to run, {args.jobs} at a time")
    running = set()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = [pool.submit(execute, spec, args.out, say, args.logdir, running)
                   for spec in todo]
        for future in futures:
            record = future.result()
            if record is not None:
                recorded[record["id"]] = record
    except (KeyboardInterrupt, Terminated) as stop:
        pool.shutdown(wait=False, cancel_futures=True)
        _stop(running)
        pool.shutdown(wait=True)
        how = "interrupted" if isinstance(stop, KeyboardInterrupt) else "stopped"
        say(f"legacy-sae: sweep {how}; the {len(load_records(args.out))} runs recorded in "
            f"{args.out} are kept, and the same command resumes.")
        return 130 if isinstance(stop, KeyboardInterrupt) else 143
    pool.shutdown(wait=True)
    unrecorded = [spec["id"] for spec in specs if spec["id"] not in recorded]
    if unrecorded:  # each stopped by a signal sent to it alone
        say(f"legacy-sae: {len(unrecorded)} runs were stopped before they ended and are not "
            f"recorded ({', '.join(unrecorded)}); the same command runs them again.")
        return 1
    records = [recorded[spec["id"]] for spec in specs]
    baseline = load_baseline(args.baseline or BASELINE_PATHS)
    rows = summarize(records, args.epochs, baseline)
    settings = settings_summary(records, args.epochs, baseline)
    sda = sda_runs(records, baseline)
    report = render_markdown(rows, records, args.epochs, settings, sda)
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as stream:
        stream.write(report)
    render_plot(settings, sda, os.path.join(args.out, "report.png"))
    _write_json(os.path.join(args.out, "results.json"), dict(
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        settings=dict(runs=args.runs, mode=args.mode, epochs=args.epochs, seed=args.seed,
                      dae=not args.no_dae, band_coverage=BAND_COVERAGE),
        **environment(), documented=DOCUMENTED, summary=rows, runs=records))
    print()
    print(report, end="")
    print(f"\nWritten: {os.path.join(args.out, 'report.md')}, results.json, report.png")
    return exit_status(rows, records)

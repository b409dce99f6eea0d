"""`legacy-sae regress`: run the tutorial several times and compare with its documented accuracies.

One run proves little: the faithful accuracy before fine-tuning moves by a point or more from
run to run. `legacy-sae regress` runs the stacked tutorial (faithful, corrected or both) and the
DAE once per seed, each in its own process, and reports per metric the documented value, the
measured mean, standard deviation, min and max, and the verdict of each gate that applied
(`gates`: per-run bands and drift against the recorded baseline, never the sweep's own runs; the
documented figures against the sweep's runs at the documented 50 epochs). `--mode sda` runs the
stacked denoising autoencoder (`legacy-sae sda --fast`) instead, one run per seed; the report
sets every way of stacking side by side with the published SdA results, taking from the baseline
what the sweep did not run. The exit status is 1 when a run failed or a gate failed, EXIT_NOT_GATED
when no gate applied, else 0.

Output in --out: `report.md` (also printed), `results.json` (every run, statistics, machine and
versions), `report.png`, and `runs/` with one record and one log per run. Rerunning the same
command with the same --out skips the runs already recorded, failed ones included; delete a
run's record in `runs/` to run it again.

`--judge DIR` runs nothing: it judges the runs recorded in DIR/runs by another command, such as
the as-is runs of `legacy-sae reference stacked_tutorial.py --legacy-sae --out DIR`, or those of
a results.json file (a recorded sweep), against the baseline, with the report in --out.
"""
import datetime
import os
import threading

from legacy_sae.checks import LegacySAEError, Terminated, positive_int, writable_dir
from legacy_sae.files import write_json
from legacy_sae.documented import DOCUMENTED, DOCUMENTED_EPOCHS, LISTING_EPOCHS
from legacy_sae.regression import gates, local, plan, records, report


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
    parser.add_argument("--judge", default=None, metavar="DIR",
                        help="run nothing; judge the runs recorded in DIR/runs (as "
                             "`legacy-sae reference --out DIR` records them), or in a "
                             "results.json file")
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


def judged_runs(folder):
    """The runs recorded in `folder`/runs (or in the results.json file `folder`), and their
    epochs per stage."""
    runs = (records.load_baseline([folder]) if os.path.isfile(folder)
            else list(records.load_records(folder).values()))
    epochs = sorted({r["epochs"] for r in runs if r.get("kind") == "stacked"})
    if not runs or len(epochs) != 1:
        found = "no run records" if not runs else f"stacked runs at {epochs or 'no'} epochs"
        raise LegacySAEError(f"--judge {folder!r}: {found}; give a folder whose runs/ holds the "
                             f"records of stacked runs at one setting.")
    return runs, epochs[0]


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
    if args.judge is not None:
        runs, args.epochs = judged_runs(args.judge)
        return judge(runs, args)
    runs = sweep_runs(args)
    return runs if isinstance(runs, int) else judge(runs, args)


def sweep_runs(args):
    """The sweep's runs, planned, run where not yet recorded; or the exit status of a sweep that
    stopped before they all ended."""
    lock = threading.Lock()

    def say(message):
        with lock:
            print(message, flush=True)

    specs = plan.planned_runs(args.runs, args.mode, args.epochs, args.seed, dae=not args.no_dae)
    recorded = records.load_records(args.out)
    todo = [spec for spec in specs if spec["id"] not in recorded]
    if args.ray is None:
        sweep, how_many = local.run, f"{args.jobs} at a time"
    else:
        from legacy_sae.regression import ray  # Ray is imported only when asked for
        sweep, how_many = ray.run, f"as Ray tasks of {args.ray_cpus} CPUs"
    say(f"{len(specs)} runs planned, {len(specs) - len(todo)} already recorded in {args.out}, "
        f"{len(todo)} to run, {how_many}")

    def keep(record):
        if record is not None:
            recorded[record["id"]] = record

    try:
        sweep(todo, args, say, keep)
    except (KeyboardInterrupt, Terminated) as stop:
        how = "interrupted" if isinstance(stop, KeyboardInterrupt) else "stopped"
        say(f"legacy-sae: sweep {how}; the {len(records.load_records(args.out))} runs recorded "
            f"in {args.out} are kept, and the same command resumes.")
        return 130 if isinstance(stop, KeyboardInterrupt) else 143
    unrecorded = [spec["id"] for spec in specs if spec["id"] not in recorded]
    if unrecorded:  # each stopped by a signal sent to it alone
        say(f"legacy-sae: {len(unrecorded)} runs were stopped before they ended and are not "
            f"recorded ({', '.join(unrecorded)}); the same command runs them again.")
        return 1
    return [recorded[spec["id"]] for spec in specs]


def judge(runs, args):
    """Report on `runs` against the baseline, write it to --out, and return the exit status."""
    baseline = records.load_baseline(args.baseline or records.BASELINE_PATHS)
    rows = gates.summarize(runs, args.epochs, baseline)
    settings = report.settings_summary(runs, args.epochs, baseline)
    sda = report.sda_records(runs, baseline)
    markdown = report.render_markdown(rows, runs, args.epochs, settings, sda)
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as stream:
        stream.write(markdown)
    report.render_plot(settings, sda, os.path.join(args.out, "report.png"))
    status = gates.exit_status(rows, runs)
    write_json(os.path.join(args.out, "results.json"), dict(
        format=records.FORMAT,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        settings=dict(**(dict(judged=args.judge) if args.judge is not None else dict(
            runs=args.runs, mode=args.mode, epochs=args.epochs, seed=args.seed,
            dae=args.mode != "sda" and not args.no_dae)),
            band_coverage=gates.BAND_COVERAGE, drift_false_alarm=gates.DRIFT_FALSE_ALARM),
        **records.environment(), documented=DOCUMENTED, summary=rows, exit_status=status,
        runs=runs),
        indent=1)
    print()
    print(markdown, end="")
    print(f"\nWritten: {os.path.join(args.out, 'report.md')}, results.json, report.png")
    gating = [row for row in rows if row["gates_exit"]]
    applied = sorted({gate for row in gating for gate in row["gates"]})
    reasons = sorted({reason for row in gating for reason in row["not_gated"]}) or [
        "no faithful rows: the corrected and SdA rows inform only"]
    print(f"Exit status {status}: " + (f"gates applied: {', '.join(applied)}" if applied
                                       else f"no gate applied ({'; '.join(reasons)})"))
    return status

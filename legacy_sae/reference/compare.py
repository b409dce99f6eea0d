"""`legacy-sae compare SCRIPT`: the unmodified script (or notebook) run N times on real TensorFlow
1.x and N times through `legacy-sae run`, alternating, each run in a fresh folder, offline and
headless; then every number it prints paired by the text around it (in a notebook, by its cell
too) and judged figure by figure: agree, differ, too few runs to tell, or not comparable
(`comparison` states each rule). A notebook that stops at the same cell in every run on both
engines is reported as the same outcome on both, and compared up to that cell.

The runs are recorded in OUT as `legacy-sae reference` records them, and reused: a second call
with a larger --runs only adds runs, and runs made by `reference` in the same OUT count. Output
in OUT: compare.md (also printed), compare.png, results.json. Exit status: 0 every figure agrees,
1 a figure differs or is not comparable, a run failed, or no run printed a number; 3 nothing
differs but some figure needs more runs to tell; 2 a usage error.
"""
import math
import os

from legacy_sae.checks import LegacySAEError
from legacy_sae.reference import comparison, report, session


def add_arguments(parser):
    session.add_arguments(parser, "runs on each engine (default: 3; a figure needs 2 a side to "
                                  "be judged, more to tell small differences)", 3, "compare")
    parser.add_argument("--margin", type=float, default=comparison.DEFAULT_MARGIN, metavar="K",
                        help=f"how far the means may lie apart and agree, in standard deviations "
                             f"of TensorFlow's runs (default: {comparison.DEFAULT_MARGIN:g})")


def main(args, say=print):
    session.check_arguments(args)
    if not (args.margin > 0 and math.isfinite(args.margin)):
        raise LegacySAEError(f"--margin must be a positive number of standard deviations, got "
                             f"{args.margin!r}.")
    sides, about = session.open_folder(args, say, ["tensorflow", "legacy-sae"])
    ids = [session.run_ids(args.script, tag, args.runs) for tag, _, _ in sides]
    plan = [(side_ids[k], python, fields) for k in range(args.runs)
            for side_ids, (_, python, fields) in zip(ids, sides)]
    names = [fields["engine"] for _, _, fields in sides]
    say(f"{args.runs} runs of {about['name']} on each of {names[0]} and {names[1]}, "
        f"alternating, in {args.out}")
    kept, stopped = session.run_missing(plan, os.path.abspath(args.script), about, args.out, say)
    if stopped:
        return stopped
    session.write_results(args.out, about)
    reference_runs, runs = ([kept[i] for i in side_ids if i in kept] for side_ids in ids)
    stop = comparison.same_stop(reference_runs, runs)
    if stop is not None:  # the same outcome on both: compared up to that cell
        reference_runs, runs = ([dict(r, status="ok") for r in side]
                                for side in (reference_runs, runs))
    rows = comparison.compare(reference_runs, runs, args.margin)
    failed = comparison.failures(reference_runs, runs)
    if not rows and not any(failed.values()):
        stopped = f", up to {stop} where every run stopped" if stop else ""
        say(f"legacy-sae: compare pairs the numbers a script prints, and no run of "
            f"{about['name']} printed one{stopped}: print the figures to compare, then compare "
            f"the changed script with another --out.")
        return 1
    status = comparison.exit_status(rows, failed)
    text = report.render_markdown(about["name"], rows, reference_runs, runs, failed,
                                  args.margin, status, stop)
    with open(os.path.join(args.out, "compare.md"), "w", encoding="utf-8") as stream:
        stream.write(text)
    report.render_plot(rows, names, os.path.join(args.out, "compare.png"))
    say(text)
    say(f"Written: {os.path.join(args.out, 'compare.md')}, compare.png, results.json")
    return status

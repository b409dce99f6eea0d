"""`legacy-sae compare SCRIPT`: the unmodified script run N times on real TensorFlow 1.x and N
times through `legacy-sae run`, alternating, each run in a fresh folder, offline and headless;
then every number it prints paired by the text around it and judged figure by figure: agree,
differ, too few runs to tell, or not comparable (`comparison` states each rule).

The runs are recorded in OUT as `legacy-sae reference` records them, and reused: a second call
with a larger --runs only adds runs, and runs made by `reference` in the same OUT count. Output
in OUT: compare.md (also printed), compare.png, results.json. Exit status: 0 every figure agrees,
1 a figure differs or is not comparable or a run failed, 3 nothing differs but some figure needs
more runs to tell, 2 a usage error.
"""
import math
import os

from legacy_sae.checks import LegacySAEError, positive_int
from legacy_sae.reference import command, comparison, report


def add_arguments(parser):
    parser.add_argument("script", metavar="SCRIPT", help="the TF1-era Python file, unmodified")
    parser.add_argument("args", nargs="*", metavar="ARGS", help="arguments passed to the script")
    parser.add_argument("--tf", default=command.DEFAULT_TF, metavar="VERSION",
                        help=f"the TensorFlow release to compare with (default: "
                             f"{command.DEFAULT_TF}; 0.12.1 to 1.15.5)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs on each engine (default: 3; a figure needs 2 a side to be "
                             "judged, more to tell small differences)")
    parser.add_argument("--margin", type=float, default=comparison.DEFAULT_MARGIN, metavar="K",
                        help=f"how far the means may lie apart and agree, in standard deviations "
                             f"of TensorFlow's runs (default: {comparison.DEFAULT_MARGIN:g})")
    parser.add_argument("--loader-rules", default=None, metavar="RULES",
                        help="run legacy-sae's side with `legacy-sae run --loader-rules RULES` "
                             "(0.x for a script of TF 0.x or 1.0; default: legacy-sae's, TF "
                             "1.2-1.15's)")
    parser.add_argument("--out", default="compare", metavar="DIR",
                        help="the runs' records and the report (default: ./compare)")
    parser.add_argument("--python", default=None, metavar="PATH",
                        help="the Python 3.6 to build the TensorFlow environment with (default: "
                             "python3.6 on PATH, else pyenv's)")


def main(args, say=print):
    script = os.path.abspath(args.script)
    if not os.path.isfile(script):
        raise LegacySAEError(f"no script at {args.script!r}.")
    positive_int(args.runs, "--runs")
    if not (args.margin > 0 and math.isfinite(args.margin)):
        raise LegacySAEError(f"--margin must be a positive number of standard deviations, got "
                             f"{args.margin!r}.")
    if args.loader_rules is not None:
        from legacy_sae.input_data import check_rules  # imports TensorFlow: only when asked
        check_rules(args.loader_rules)
    command.check_out(args.out, script)
    theirs = command.tensorflow_engine(args.tf, args.python, say)
    run_options = ["--loader-rules", args.loader_rules] if args.loader_rules else []
    ours = command.legacy_sae_engine(run_options)
    # Runs made with other options of `legacy-sae run` are other runs: their ids say so.
    tag = "legacy-sae" + (f"-loader{args.loader_rules}" if args.loader_rules else "")
    sides = [(command.run_ids(script, f"tf{args.tf}", args.runs), *theirs),
             (command.run_ids(script, tag, args.runs), *ours)]
    plan = [(ids[k], python, fields) for k in range(args.runs) for ids, python, fields in sides]
    say(f"{args.runs} runs of {os.path.basename(script)} on each of {theirs[1]['engine']} and "
        f"{ours[1]['engine']}, alternating, in {args.out}")
    kept, stopped = command.run_missing(plan, script, args.args, args.out, say)
    if stopped:
        return stopped
    command.write_results(args.out, script, args.args)
    reference_runs, runs = ([kept[i] for i in ids if i in kept] for ids, _, _ in sides)
    rows = comparison.compare(reference_runs, runs, args.margin)
    failed = comparison.failures(reference_runs, runs)
    status = comparison.exit_status(rows, failed)
    text = report.render_markdown(os.path.basename(script), rows, reference_runs, runs, failed,
                                  args.margin, status)
    with open(os.path.join(args.out, "compare.md"), "w", encoding="utf-8") as stream:
        stream.write(text)
    report.render_plot(rows, [theirs[1]["engine"], ours[1]["engine"]],
                       os.path.join(args.out, "compare.png"))
    say(text)
    say(f"Written: {os.path.join(args.out, 'compare.md')}, compare.png, results.json")
    return status

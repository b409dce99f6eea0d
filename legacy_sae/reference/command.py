"""`legacy-sae reference SCRIPT`: the unmodified script run N times on real TensorFlow 1.x (a
Python 3.6 virtualenv made once), or with --legacy-sae through `legacy-sae run`, each run in a
fresh folder, offline and headless, every run recorded in OUT/runs/ and all of them in
OUT/results.json, whose runs `legacy-sae regress --baseline` reads.

Runs already recorded in OUT are kept and not run again, so a larger --runs only adds runs; a
run that failed or crashed is recorded as failed, and the next one runs. OUT holds the runs of
one script with one set of arguments (OUT/identity.json): another needs another --out.
"""
import os
import statistics

from legacy_sae.checks import LegacySAEError
from legacy_sae.reference import session
from legacy_sae.regression import records


def add_arguments(parser):
    session.add_arguments(parser, "how many runs in OUT (default: 1)", 1, "reference")
    parser.add_argument("--legacy-sae", action="store_true",
                        help="run it through `legacy-sae run` instead (the as-is runner, on this "
                             "TensorFlow), recorded the same way")


def summary_lines(kept):
    """Mean +- sd of the last value of each printed figure over the successful runs."""
    ok = [r for r in kept if r["status"] == "ok"]
    lines = [f"{len(ok)} of {len(kept)} runs ok"]
    for template in (ok[0]["result"]["printed"] if ok else {}):
        values = [r["result"]["printed"][template][-1][-1] for r in ok
                  if template in r["result"]["printed"]]
        spread = f" ± {statistics.stdev(values):.6g}" if len(values) > 1 else ""
        lines.append(f"  {template}: {statistics.fmean(values):.6g}{spread} (n = {len(values)})")
    return lines


def main(args, say=print):
    session.check_arguments(args)
    if args.loader_rules is not None and not args.legacy_sae:
        raise LegacySAEError("--loader-rules sets how legacy-sae's loader draws batches; a run "
                             "on real TensorFlow uses its release's own: add --legacy-sae, or "
                             "leave --loader-rules out.")
    [(tag, engine_python, fields)], about = session.open_folder(
        args, say, ["legacy-sae" if args.legacy_sae else "tensorflow"])
    plan = [(run_id, engine_python, fields)
            for run_id in session.run_ids(args.script, tag, args.runs)]
    done = sum(run_id in records.load_records(args.out) for run_id, _, _ in plan)
    say(f"{args.runs} runs of {about['name']} on {fields['engine']}: {done} already recorded "
        f"in {args.out}, {args.runs - done} to run")
    kept, stopped = session.run_missing(plan, os.path.abspath(args.script), about,
                                        args.out, say)
    if stopped:
        return stopped
    if done == args.runs:  # nothing ran: results.json as the runs in OUT are now
        session.write_results(args.out, about)
    for line in summary_lines([kept[i] for i in sorted(kept)]):
        say(line)
    return 0 if all(r["status"] == "ok" for r in kept.values()) else 1

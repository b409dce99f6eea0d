"""`legacy-sae reference SCRIPT`: the unmodified script run N times on real TensorFlow 1.x (a
Python 3.6 virtualenv made once), or with --legacy-sae through `legacy-sae run`, each run in a
fresh folder, offline and headless, every run recorded in OUT/runs/ and all of them in
OUT/results.json, whose runs `legacy-sae regress --baseline` reads.

Runs already recorded in OUT are kept and not run again, so a larger --runs only adds runs; a
failed run is recorded as failed. OUT holds the runs of one script (by content): another script
needs another --out.
"""
import datetime
import hashlib
import os
import statistics

from legacy_sae.checks import LegacySAEError, Terminated, positive_int, writable_dir
from legacy_sae.files import write_json
from legacy_sae.reference import environments, runs
from legacy_sae.regression import records

DEFAULT_TF = "1.8.0"  # the tutorial's own, 2018


def add_arguments(parser):
    parser.add_argument("script", metavar="SCRIPT", help="the TF1-era Python file, unmodified")
    parser.add_argument("args", nargs="*", metavar="ARGS", help="arguments passed to the script")
    parser.add_argument("--tf", default=DEFAULT_TF, metavar="VERSION",
                        help=f"the TensorFlow release to run it on (default: {DEFAULT_TF}; "
                             f"0.12.1 to 1.15.5 have Python 3.6 wheels)")
    parser.add_argument("--legacy-sae", action="store_true",
                        help="run it through `legacy-sae run` instead (the as-is runner, on this "
                             "TensorFlow), recorded the same way")
    parser.add_argument("--runs", type=int, default=1, help="how many runs in OUT (default: 1)")
    parser.add_argument("--out", default="reference", metavar="DIR",
                        help="the runs' records and results.json (default: ./reference)")
    parser.add_argument("--python", default=None, metavar="PATH",
                        help="the Python 3.6 to build the TensorFlow environment with (default: "
                             "python3.6 on PATH, else pyenv's)")


def script_digest(script):
    with open(script, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def check_out(out, script):
    """OUT is writable and holds no runs of another script (by content)."""
    writable_dir(out, "--out folder")
    results = os.path.join(out, "results.json")
    if os.path.exists(results):
        previous = records.load_baseline([results])
        others = {r["script"]["sha256"] for r in previous} - {script_digest(script)}
        if others:
            raise LegacySAEError(f"{out!r} holds runs of another version of "
                                 f"{os.path.basename(script)} (or another script); give this "
                                 f"one its own --out.")


def tensorflow_engine(tf_version, python, say):
    """(the Python of the TensorFlow `tf_version` environment, made once; its record fields)."""
    env_python = environments.ensure(tf_version, python, say)
    found = environments.recorded_versions(tf_version)
    return env_python, dict(mode=f"tensorflow-{found['tensorflow']}",
                            engine=f"tensorflow {found['tensorflow']}", versions=found,
                            machine=records.environment(())["machine"])


def legacy_sae_engine(run_options=()):
    """(None: `legacy-sae run [run_options]` in this environment; its record fields)."""
    found = records.environment()
    name = " ".join([f"legacy-sae {found['versions']['legacy-sae']}", *run_options])
    return None, dict(mode="as-is", engine=name, versions=found["versions"],
                      machine=found["machine"], run_options=list(run_options))


def run_ids(script, tag, count):
    """The ids of runs 1 to `count` of `script` on the engine tagged `tag`."""
    name = os.path.splitext(os.path.basename(script))[0]
    return [f"{name}-{tag}-r{k}" for k in range(1, count + 1)]


def missing_package_line(record, engine_python):
    """The one line for a run that stopped at an import of a package its engine lacks, else
    None. Such a run says nothing about the script, so it is not recorded."""
    found = runs.MISSING_MODULE.search(record.get("error", ""))
    if record["status"] != "failed" or not found or found.group(1).startswith("tensorflow"):
        return None
    pip = f"{engine_python} -m pip" if engine_python else "pip"
    return (f"the script imports {found.group(1)!r}, which the {record['engine']} environment "
            f"lacks: install the package that provides it (`{pip} install PACKAGE`) and run "
            f"the same command again.")


def run_missing(plan, script, script_args, out, say):
    """Run, in order, the runs of `plan` ([(run_id, engine_python, fields)]) not yet recorded in
    `out`, saving each record and rewriting results.json after each. Returns ({run_id: record}
    of the plan's runs, None), or (..., 130 / 143) when Ctrl-C or SIGTERM stopped a run (it is
    not recorded, so the same command resumes with it)."""
    recorded = records.load_records(out)
    kept = {run_id: recorded[run_id] for run_id, _, _ in plan if run_id in recorded}
    about_script = dict(name=os.path.basename(script), sha256=script_digest(script),
                        args=script_args)
    name = os.path.basename(script)
    for run_id, engine_python, fields in plan:
        if run_id in kept:
            continue
        spec = dict(id=run_id, kind="stacked" if name == "stacked_tutorial.py" else "script",
                    **fields, script=about_script)
        say(f"[{run_id}] started")
        try:
            record = runs.execute(spec, script, script_args, engine_python, out)
        except (KeyboardInterrupt, Terminated) as stop:
            record, status = None, 130 if isinstance(stop, KeyboardInterrupt) else 143
        else:
            status = 130
        if record is None:
            say(f"[{run_id}] stopped; not recorded. The runs recorded in {out} are kept, and "
                f"the same command resumes.")
            return kept, status
        missing = missing_package_line(record, engine_python)
        if missing:
            raise LegacySAEError(missing)
        records.save_record(out, record, say)
        kept[run_id] = record
        write_results(out, script, script_args)
    return kept, None


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


def write_results(out, script, script_args):
    """OUT/results.json: every run recorded in OUT, rewritten after each run so that a sweep
    stopped halfway leaves a baseline of the runs it made."""
    write_json(os.path.join(out, "results.json"),
               dict(created=datetime.datetime.now(datetime.timezone.utc).isoformat(),
                    settings=dict(script=os.path.basename(script), args=script_args),
                    runs=list(records.load_records(out).values())), indent=1)


def main(args, say=print):
    script = os.path.abspath(args.script)
    if not os.path.isfile(script):
        raise LegacySAEError(f"no script at {args.script!r}.")
    positive_int(args.runs, "--runs")
    check_out(args.out, script)
    if args.legacy_sae:
        (engine_python, fields), tag = legacy_sae_engine(), "legacy-sae"
    else:
        (engine_python, fields), tag = tensorflow_engine(args.tf, args.python, say), f"tf{args.tf}"
    plan = [(run_id, engine_python, fields) for run_id in run_ids(script, tag, args.runs)]
    done = sum(run_id in records.load_records(args.out) for run_id, _, _ in plan)
    say(f"{args.runs} runs of {os.path.basename(script)} on {fields['engine']}: "
        f"{done} already recorded in {args.out}, {args.runs - done} to run")
    kept, stopped = run_missing(plan, script, args.args, args.out, say)
    if stopped:
        return stopped
    if done == args.runs:  # nothing ran: results.json as the runs in OUT are now
        write_results(args.out, script, args.args)
    for line in summary_lines([kept[i] for i in sorted(kept)]):
        say(line)
    return 0 if all(r["status"] == "ok" for r in kept.values()) else 1

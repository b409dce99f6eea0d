"""The runs of one script in one --out folder, on one engine or two: what `reference` and
`compare` share. Here are the arguments both take, the engines (real TensorFlow 1.x, or
`legacy-sae run`), the runs' ids, the folder's identity, running the runs not yet recorded, and
OUT/results.json.

An --out folder holds the runs of one script, with one set of arguments, on engines of one
release each: OUT/identity.json says which (the script's name and digest, its arguments, and per
engine its name with the run options, and the TensorFlow release under it). It is written when the
folder is made, after every argument has been checked, and grows by an engine when `compare`
adds one to a folder `reference` made. A call that does not match is refused before anything
runs, naming what differs. A folder made before identity.json existed gets its identity from its
run records.
"""
import datetime
import hashlib
import json
import os

from legacy_sae.checks import LegacySAEError, Terminated, positive_int, writable_dir
from legacy_sae.files import write_json
from legacy_sae.reference import environments, runs
from legacy_sae.regression import records

DEFAULT_TF = "1.8.0"  # the tutorial's own, 2018
IDENTITY = "identity.json"


def add_arguments(parser, runs_help, runs_default, out_default):
    """The arguments of `reference` and `compare`. The script's own arguments follow it, or
    come after `--` when they look like options."""
    parser.add_argument("script", metavar="SCRIPT",
                        help="the TF1-era Python file or notebook (.ipynb), unmodified")
    parser.add_argument("args", nargs="*", metavar="ARGS",
                        help="arguments passed to the script (after -- when they start with -)")
    parser.add_argument("--tf", default=DEFAULT_TF, metavar="VERSION",
                        help=f"the TensorFlow release to run it on (default: {DEFAULT_TF}; "
                             f"0.12.1 to 1.15.5 have Python 3.6 wheels)")
    parser.add_argument("--runs", type=int, default=runs_default, help=runs_help)
    parser.add_argument("--loader-rules", default=None, metavar="RULES",
                        help="run legacy-sae's side with `legacy-sae run --loader-rules RULES` "
                             "(0.x for a script of TF 0.x or 1.0; default: legacy-sae's, TF "
                             "1.2-1.15's)")
    parser.add_argument("--out", default=out_default, metavar="DIR",
                        help=f"the runs' records and results.json (default: ./{out_default})")
    parser.add_argument("--python", default=None, metavar="PATH",
                        help="the Python 3.6 to build the TensorFlow environment with (default: "
                             "python3.6 on PATH, else pyenv's)")


def check_arguments(args):
    """The script and the arguments both commands take, checked before anything is made."""
    if not os.path.isfile(args.script):
        raise LegacySAEError(f"no script at {args.script!r}.")
    positive_int(args.runs, "--runs")
    environments.check_release(args.tf)
    if args.loader_rules is not None:
        from legacy_sae.input_data import check_rules  # imports TensorFlow: only when asked
        check_rules(args.loader_rules)


def script_about(script, script_args):
    with open(script, "rb") as stream:
        digest = hashlib.sha256(stream.read()).hexdigest()
    return dict(name=os.path.basename(script), sha256=digest, args=list(script_args))


def tensorflow_engine(tf_version, python, say, notebook=False):
    """(tag, the Python of the TensorFlow `tf_version` environment, made once, with the kernel
    packages for a notebook; record fields)."""
    env_python = environments.ensure(tf_version, python, say)
    found = environments.recorded_versions(tf_version)
    if notebook:
        found.update(environments.ensure_notebook_packages(tf_version, say))
    return f"tf{tf_version}", env_python, dict(
        mode=f"tensorflow-{found['tensorflow']}", engine=f"tensorflow {found['tensorflow']}",
        versions=found, machine=records.environment(())["machine"])


def legacy_sae_engine(loader_rules=None, notebook=False):
    """(tag, None: `legacy-sae run [--loader-rules RULES]` in this environment; record fields).
    Runs with other options of `legacy-sae run` are other runs: their tag says so."""
    run_options = ["--loader-rules", loader_rules] if loader_rules else []
    found = records.environment(records.PACKAGES
                                + (("nbclient", "ipykernel") if notebook else ()))
    return "legacy-sae" + (f"-loader{loader_rules}" if loader_rules else ""), None, dict(
        mode="as-is", engine=" ".join([f"legacy-sae {found['versions']['legacy-sae']}",
                                       *run_options]),
        versions=found["versions"], machine=found["machine"], run_options=run_options)


def run_ids(script, tag, count):
    """The ids of runs 1 to `count` of `script` on the engine tagged `tag`."""
    name = os.path.splitext(os.path.basename(script))[0]
    return [f"{name}-{tag}-r{k}" for k in range(1, count + 1)]


def _engine_identity(fields):
    return dict(engine=fields["engine"], tensorflow=fields["versions"]["tensorflow"])


def _recorded_identity(out, script_name):
    """The identity of a folder made before identity.json existed, from its run records."""
    found = list(records.load_records(out).values())
    if not found:
        return None
    stem = os.path.splitext(script_name)[0]
    engines = {r["id"][len(stem) + 1:r["id"].rindex("-r")]: _engine_identity(r) for r in found
               if r["id"].startswith(stem + "-")}
    return dict(format=records.FORMAT, script=found[0]["script"], engines=engines)


def read_identity(out, script_name):
    """OUT's identity, None for a folder that holds no runs yet."""
    path = os.path.join(out, IDENTITY)
    if not os.path.exists(path):
        return _recorded_identity(out, script_name) if os.path.isdir(out) else None
    with open(path, encoding="utf-8") as stream:
        return records.check_format(json.load(stream), path)


def check_identity(identity, about, engines, out):
    """Refuse, in one line, a call whose script, arguments or engines differ from OUT's."""
    if identity is None:
        return
    held = identity["script"]
    other = "give this call another --out."
    if held["sha256"] != about["sha256"]:
        raise LegacySAEError(f"{out!r} holds runs of another version of {held['name']} (or "
                             f"another script) than {about['name']}: {other}")
    if held["args"] != about["args"]:
        raise LegacySAEError(f"{out!r} holds runs of {held['name']} with the arguments "
                             f"{held['args']}, not {about['args']}: {other}")
    for tag, fields in engines.items():
        was = identity["engines"].get(tag)
        if was is not None and was != _engine_identity(fields):
            raise LegacySAEError(
                f"{out!r} holds runs on {was['engine']} with TensorFlow {was['tensorflow']}; "
                f"this call runs {fields['engine']} with TensorFlow "
                f"{fields['versions']['tensorflow']}: {other}")


def open_folder(args, say, sides):
    """Check OUT against this call, make the engines of `sides` (legacy_sae_engine or a
    TensorFlow release), then make OUT and write its identity. Returns [(tag, python, fields)]
    and the script's about (name, sha256, args)."""
    script = os.path.abspath(args.script)
    about = script_about(script, args.args)
    identity = read_identity(args.out, about["name"])
    check_identity(identity, about, {}, args.out)
    notebook = runs.is_notebook(script)
    if notebook:
        from legacy_sae.notebook import check_kernel_packages
        check_kernel_packages()
    engines = [tensorflow_engine(args.tf, args.python, say, notebook) if side == "tensorflow"
               else legacy_sae_engine(args.loader_rules, notebook) for side in sides]
    check_identity(identity, about, {tag: fields for tag, _, fields in engines}, args.out)
    writable_dir(os.path.join(args.out, "runs"), "--out folder")
    identity = identity or dict(format=records.FORMAT, script=about, engines={})
    identity["engines"].update({tag: _engine_identity(fields) for tag, _, fields in engines})
    write_json(os.path.join(args.out, IDENTITY), identity, indent=1)
    return engines, about


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


def run_missing(plan, script, about, out, say):
    """Run, in order, the runs of `plan` ([(run_id, engine_python, fields)]) not yet recorded in
    `out`, saving each record and rewriting results.json after each; a failed run is recorded
    and the next one runs. Returns ({run_id: record} of the plan's runs, None), or (..., 130 /
    143) when Ctrl-C or SIGTERM stopped legacy-sae during a run (that run is not recorded, so
    the same command resumes with it)."""
    recorded = records.load_records(out)
    kept = {run_id: recorded[run_id] for run_id, _, _ in plan if run_id in recorded}
    kind = ("stacked" if about["name"] == "stacked_tutorial.py"
            else "notebook" if runs.is_notebook(script) else "script")
    for run_id, engine_python, fields in plan:
        if run_id in kept:
            continue
        spec = dict(id=run_id, kind=kind, **fields, script=about)
        say(f"[{run_id}] started")
        try:
            record = runs.execute(spec, script, about["args"], engine_python, out)
        except (KeyboardInterrupt, Terminated) as stop:
            say(f"[{run_id}] stopped; not recorded. The runs recorded in {out} are kept, and "
                f"the same command resumes.")
            return kept, 130 if isinstance(stop, KeyboardInterrupt) else 143
        missing = missing_package_line(record, engine_python)
        if missing:
            raise LegacySAEError(missing)
        records.save_record(out, record, say)
        kept[run_id] = record
        write_results(out, about)
    return kept, None


def write_results(out, about):
    """OUT/results.json: every run recorded in OUT, rewritten after each run so that a sweep
    stopped halfway leaves a baseline of the runs it made."""
    write_json(os.path.join(out, "results.json"),
               dict(format=records.FORMAT,
                    created=datetime.datetime.now(datetime.timezone.utc).isoformat(),
                    settings=dict(script=about["name"], args=about["args"]),
                    runs=list(records.load_records(out).values())), indent=1)

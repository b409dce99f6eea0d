"""Run records: what one run leaves behind, made the same way by every executor, written one file
per run in OUT/runs and read back; the recorded baselines; the machine and versions a sweep ran on.

A record is the run's spec (id, kind, mode, seed, epochs) with its status ("ok" with the result
the run wrote through --result-json, or "failed" with how it ended and the tail of its stderr),
its seconds and where it ran (executor, and for Ray the node). A run that legacy-sae stopped
because the user stopped it gets no record, so that the same command runs it again: the
executors decide that (`legacy_sae.processes`), never the run's exit status.

Records and results.json files carry FORMAT; one of another format is refused in one line.
"""
import json
import os
import platform

from legacy_sae.checks import LegacySAEError
from legacy_sae.documented import SETTINGS
from legacy_sae.files import write_json
from legacy_sae.processes import how_it_ended

# The recorded sweeps ship inside the package, in legacy_sae/baselines/.
BASELINE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "baselines")
TUTORIAL_BASELINES = tuple(os.path.join(BASELINE_DIR, f"e{epochs}.json") for epochs in SETTINGS)
SDA_BASELINE = os.path.join(BASELINE_DIR, "sda.json")
BASELINE_PATHS = TUTORIAL_BASELINES + (SDA_BASELINE,)

# The layout of run records and results.json files. Those written before the number existed have
# this layout without the field, and are read as format 1.
FORMAT = 1
# The packages whose versions a record names (`environment`).
PACKAGES = ("tensorflow", "numpy", "matplotlib", "legacy-sae")


def check_format(data, where):
    """`data` (a record or a results.json's content) if legacy-sae reads its format."""
    found = data.get("format", 1) if isinstance(data, dict) else None
    if found != FORMAT:
        raise LegacySAEError(f"{where} is not a legacy-sae record of format {FORMAT} (it has "
                             f"format {found!r}): read it with the legacy-sae that wrote it, or "
                             f"record its runs again in a new folder.")
    return data


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
    """The record of a run that ended, built here for every executor so that a local run's and
    a Ray run's differ only in `where` (executor, node). Exit `status` 0 with a `result` is ok;
    any other end is failed, with how it ended and the tail of its log; `error` instead says why
    a run has no exit status (Ray gave up on it)."""
    record = dict(spec, format=FORMAT, seconds=round(seconds, 1), **where)
    if error is not None:
        record.update(status="failed", error=error)
    elif status == 0 and result is not None:
        record.update(status="ok", result=result)
    else:
        record.update(status="failed", error="\n".join([how_it_ended(status), *log_tail]))
    return record


def save_record(out, record, say):
    write_json(os.path.join(out, "runs", record["id"] + ".json"), record, indent=1)
    how = f": {record['error'].splitlines()[0]}" if record["status"] == "failed" else ""
    say(f"[{record['id']}] {record['status']} after {record['seconds']} s{how}")


def load_records(out):
    run_dir = os.path.join(out, "runs")
    if not os.path.isdir(run_dir):
        return {}
    records = {}
    for name in sorted(os.listdir(run_dir)):
        if name.endswith(".json") and not name.endswith(".result.json"):
            path = os.path.join(run_dir, name)
            with open(path, encoding="utf-8") as stream:
                record = check_format(json.load(stream), path)
            records[record["id"]] = record
    return records


def load_baseline(paths=BASELINE_PATHS):
    """The runs of the baseline sweeps in `paths` (results.json files), together."""
    runs = []
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            results = check_format(json.load(stream), path)
        runs += [check_format(run, f"a run in {path}") for run in results["runs"]]
    return runs


def metric_values(records, kind, mode, metric, epochs):
    """The values of `metric` in the successful runs of kind and mode at `epochs` per stage (any,
    for the SdA)."""
    return [r["result"][metric] for r in records
            if r["status"] == "ok" and r["kind"] == kind and r["mode"] == mode
            and (kind == "sda" or r["epochs"] == epochs)]


def reference_values(baseline_records, kind, mode, metric, epochs):
    """(values, engine) that a row of `mode` is judged against: the baseline's runs of the same
    kind and mode (engine None); else, for the rows of the tutorial's listing (faithful port,
    as-is runner), the baseline's runs on real TensorFlow 1.x (`legacy-sae reference`, modes
    "tensorflow-VERSION"), with that engine's name."""
    same = metric_values(baseline_records, kind, mode, metric, epochs)
    if same or mode not in ("faithful", "as-is"):
        return same, None
    engines = sorted({r["mode"] for r in baseline_records if r["mode"].startswith("tensorflow-")})
    if not engines:
        return [], None
    return metric_values(baseline_records, kind, engines[0], metric, epochs), engines[0]


def independent_of(baseline_records, records):
    """The baseline runs that are not among `records`: a sweep is never judged against itself
    (as when the sweep that recorded a baseline is rendered again)."""
    def identity(run):
        return run.get("id"), json.dumps(run.get("result"), sort_keys=True, default=repr)
    own = {identity(r) for r in records}
    return [r for r in baseline_records if identity(r) not in own]


def environment(packages=PACKAGES):
    """The machine and the versions of `packages` that a result was measured with."""
    from importlib import metadata
    return dict(
        machine=dict(platform=platform.platform(), processor=platform.machine(),
                     cpus=os.cpu_count(), python=platform.python_version()),
        versions={name: metadata.version(name) for name in packages})

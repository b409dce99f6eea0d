"""Runs recorded as they happened, by `reference`, `compare` and `regress` alike: a run that ends
by itself (an exit status, an abort, the out-of-memory killer's SIGKILL, an exit 130 of its own)
is recorded as failed and the next run goes on; only a stop the user makes to legacy-sae leaves a
run unrecorded, and the same command resumes it. An --out folder holds one script with one set
of arguments on engines of one release each; script arguments after `--` reach the script;
records of another format are refused in one line. The runs here are `legacy-sae run`'s (no
TensorFlow 1.x needed) but for the one test that compares."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import processes_mentioning, run_cli
from legacy_sae import cli, processes
from legacy_sae.checks import LegacySAEError
from legacy_sae.regression import local, plan, records
from test_reference import tf18_python

ENDINGS = {
    "aborts.py": ("import os, signal\nprint('loss 0.5', flush=True)\n"
                  "os.kill(os.getpid(), signal.SIGABRT)\n", "killed by SIGABRT"),
    "killed.py": ("import os, signal\nprint('loss 0.5', flush=True)\n"
                  "os.kill(os.getpid(), signal.SIGKILL)\n", "killed by SIGKILL — out of memory?"),
    "exits_130.py": ("print('loss 0.5')\nraise SystemExit(130)\n", "exit status 130"),
}
# Prints a figure, then sleeps SLEEP_SECONDS (0 unless the test sets it).
SLEEPS = ("import os, time\nprint('loss 1.5', flush=True)\n"
          "time.sleep(float(os.environ.get('SLEEP_SECONDS', '0')))\n")
ARGV = "import sys\nprint('first argument', sys.argv[1:])\nprint('value', float(sys.argv[1]))\n"


@pytest.mark.parametrize("name", sorted(ENDINGS))
def test_a_run_that_ends_by_itself_is_recorded_failed_and_the_next_run_goes_on(tmp_path, name):
    source, how = ENDINGS[name]
    (tmp_path / name).write_text(source)
    command = ["reference", name, "--legacy-sae", "--runs", 2, "--out", tmp_path / "out"]
    result = run_cli(*command, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count(f" s: {how}\n") == 2, result.stdout  # "[ID] failed after S s: ..."
    kept = records.load_records(tmp_path / "out")
    assert len(kept) == 2
    for record in kept.values():
        assert record["status"] == "failed" and record["error"].splitlines()[0] == how
        assert record["result"]["printed"] == {"loss {}": [[0.5]]}
    again = run_cli(*command, cwd=tmp_path)  # recorded: not run again
    assert again.returncode == 1 and "2 already recorded" in again.stdout
    assert "started" not in again.stdout


@pytest.mark.parametrize("sent, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_the_user_makes_leaves_the_run_unrecorded_and_the_same_command_resumes(
        tmp_path, sent, status):
    (tmp_path / "sleeps.py").write_text(SLEEPS)
    out = tmp_path / "out"
    command = ["reference", "sleeps.py", "--legacy-sae", "--runs", "2", "--out", str(out)]
    stopped = subprocess.Popen([sys.executable, "-m", "legacy_sae", *command], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, SLEEP_SECONDS="300"))
    printed = out / "runs" / "sleeps-legacy-sae-r1.out"
    deadline = time.monotonic() + 120
    while not (printed.exists() and "loss" in printed.read_text()):
        assert time.monotonic() < deadline and stopped.poll() is None, stopped.communicate()
        time.sleep(0.2)
    stopped.send_signal(sent)
    stdout, stderr = stopped.communicate(timeout=120)
    assert stopped.returncode == status, stdout + stderr
    assert "[sleeps-legacy-sae-r1] stopped; not recorded" in stdout
    assert records.load_records(out) == {}
    assert processes_mentioning(str(tmp_path)) == []  # the run was stopped too
    resumed = run_cli(*command, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "0 already recorded in" in resumed.stdout and resumed.stdout.count("started") == 2


def test_an_out_folder_holds_one_script_with_one_set_of_arguments(tmp_path):
    (tmp_path / "argv.py").write_text(ARGV)
    out = tmp_path / "r1"
    first = run_cli("reference", "argv.py", "10", "--legacy-sae", "--out", out, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    other_arguments = run_cli("reference", "argv.py", "20", "30", "--legacy-sae", "--runs", 2,
                              "--out", out, cwd=tmp_path)
    assert other_arguments.returncode == 2 and other_arguments.stderr.count("\n") == 1
    assert "with the arguments ['10'], not ['20', '30']" in other_arguments.stderr
    assert "another --out" in other_arguments.stderr and "started" not in other_arguments.stdout
    (tmp_path / "argv.py").write_text(ARGV + "# changed\n")
    other_script = run_cli("reference", "argv.py", "10", "--legacy-sae", "--runs", 2, "--out",
                           out, cwd=tmp_path)
    assert other_script.returncode == 2 and "another version of argv.py" in other_script.stderr
    (tmp_path / "argv.py").write_text(ARGV)
    identity = json.loads((out / "identity.json").read_text())
    assert identity["script"]["args"] == ["10"]
    identity["engines"]["legacy-sae"]["tensorflow"] = "2.0.0"  # as if recorded on another release
    (out / "identity.json").write_text(json.dumps(identity))
    other_release = run_cli("reference", "argv.py", "10", "--legacy-sae", "--runs", 2, "--out",
                            out, cwd=tmp_path)
    assert other_release.returncode == 2
    assert "with TensorFlow 2.0.0; this call runs legacy-sae" in other_release.stderr
    assert len(records.load_records(out)) == 1


def test_script_arguments_after_two_dashes_reach_the_script(tmp_path):
    (tmp_path / "flag.py").write_text("import sys\nprint('arguments', sys.argv[1:])\n")
    result = run_cli("reference", "flag.py", "--legacy-sae", "--runs", 1, "--out", "f1", "--",
                     "--foo", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "f1" / "runs" / "flag-legacy-sae-r1.out").read_text() == \
        "arguments ['--foo']\n"
    parsed = cli.parse_arguments(["compare", "s.py", "--tf", "1.8.0", "--", "--foo", "-x"])
    assert parsed.args == ["--foo", "-x"] and parsed.tf == "1.8.0"
    assert cli.parse_arguments(["run", "s.py", "--", "--foo"]).args == ["--foo"]


def test_a_bad_argument_makes_nothing_on_disk(tmp_path):
    (tmp_path / "script.py").write_text("print(1)\n")
    for command in (["compare", "script.py", "--tf", "1.9.9"],
                    ["reference", "script.py", "--tf", "2.15.0"],
                    ["reference", "script.py", "--loader-rules", "0.x"],
                    ["compare", "script.py", "--runs", "0"]):
        result = run_cli(*command, "--out", "made", cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert not (tmp_path / "made").exists(), command


def test_a_script_that_prints_no_number_gets_one_line(tmp_path):
    tf18_python()
    (tmp_path / "quiet.py").write_text("print('hello')\n")
    result = run_cli("compare", "quiet.py", "--runs", 1, "--out", "q", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("legacy-sae:")]
    assert "compare pairs the numbers a script prints" in line
    assert not (tmp_path / "q" / "compare.md").exists()


def test_a_record_of_another_format_gets_one_line(tmp_path):
    (tmp_path / "sleeps.py").write_text(SLEEPS)
    out = tmp_path / "out"
    assert run_cli("reference", "sleeps.py", "--legacy-sae", "--out", out,
                   cwd=tmp_path).returncode == 0
    (path,) = (out / "runs").glob("*.json")
    record = json.loads(path.read_text())
    assert record["format"] == records.FORMAT
    path.write_text(json.dumps(dict(record, format=records.FORMAT + 1)))
    for command in (["regress", "--judge", out, "--out", tmp_path / "report"],
                    ["reference", "sleeps.py", "--legacy-sae", "--runs", 2, "--out", out]):
        result = run_cli(*command, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert f"it has format {records.FORMAT + 1}" in result.stderr, result.stderr


def test_the_shipped_baselines_carry_the_format():
    for name in sorted(os.listdir(records.BASELINE_DIR)):
        with open(os.path.join(records.BASELINE_DIR, name), encoding="utf-8") as stream:
            baseline = json.load(stream)
        assert baseline["format"] == records.FORMAT, name
        assert {run["format"] for run in baseline["runs"]} == {records.FORMAT}, name
    assert records.load_baseline()  # and legacy-sae reads them


def test_a_sweep_run_killed_by_a_signal_is_recorded_not_left_to_rerun(tmp_path, monkeypatch):
    monkeypatch.setattr(local, "run_command", lambda spec, out, logdir: [
        sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"])
    (tmp_path / "runs").mkdir()
    spec = plan.planned_runs(1, "faithful", 1, seed=3, dae=False)[0]
    record = local.execute(spec, str(tmp_path), lambda message: None)
    assert record["status"] == "failed" and record["error"] == "killed by SIGSEGV"
    assert records.load_records(str(tmp_path))[spec["id"]] == record


def test_only_a_run_legacy_sae_stops_goes_unrecorded(tmp_path):
    """Stopped through Children.stop (the user stopped legacy-sae): None. Killed by another
    process with the same signal: an end to record."""
    children, ended = processes.Children(), {}
    sleep = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]

    def start(name):
        with open(tmp_path / f"{name}.log", "w") as log:
            ended[name] = processes.run(sleep, log, log, children=children)

    for name in ("stopped", "killed"):
        thread = threading.Thread(target=start, args=(name,))
        thread.start()
        deadline = time.monotonic() + 30
        log = tmp_path / f"{name}.log"
        while not (log.exists() and "up" in log.read_text()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        if name == "stopped":
            children.stop(grace=10)
        else:
            (pid,) = processes_mentioning("time.sleep(60)")
            os.kill(pid, signal.SIGTERM)
        thread.join(30)
    assert ended["stopped"] is None
    assert ended["killed"].status == -signal.SIGTERM
    assert processes_mentioning("time.sleep(60)") == []


@pytest.mark.parametrize("status, said", [
    (0, "exit status 0"), (3, "exit status 3"), (-signal.SIGABRT, "killed by SIGABRT"),
    (-signal.SIGKILL, "killed by SIGKILL — out of memory?"),
    (-signal.SIGILL, "killed by SIGILL — an instruction this processor lacks?"),
    (-99, "killed by signal 99")])
def test_how_a_run_ended_is_said_by_name(status, said):
    assert processes.how_it_ended(status) == said


def test_a_folder_made_before_identity_json_takes_its_identity_from_its_records(tmp_path):
    from legacy_sae.reference import session
    about = dict(name="argv.py", sha256="0" * 64, args=["10"])
    (tmp_path / "runs").mkdir()
    for tag, engine, tensorflow in (("tf1.8.0", "tensorflow 1.8.0", "1.8.0"),
                                    ("legacy-sae", "legacy-sae 0.1.0", "2.21.0")):
        record = dict(id=f"argv-{tag}-r1", engine=engine, versions=dict(tensorflow=tensorflow),
                      script=about, status="ok")  # no "format": written before it existed
        (tmp_path / "runs" / f"argv-{tag}-r1.json").write_text(json.dumps(record))
    identity = session.read_identity(str(tmp_path), "argv.py")
    assert identity["script"] == about
    assert identity["engines"] == {
        "tf1.8.0": dict(engine="tensorflow 1.8.0", tensorflow="1.8.0"),
        "legacy-sae": dict(engine="legacy-sae 0.1.0", tensorflow="2.21.0")}
    with pytest.raises(LegacySAEError, match=r"arguments \['10'\], not \['20'\]"):
        session.check_identity(identity, dict(about, args=["20"]), {}, str(tmp_path))

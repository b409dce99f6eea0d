"""legacy-sae regress --ray on a two-node Ray cluster started here (Ray's own cluster_utils, one
CPU a node): runs recorded with their node, resume, a killed worker retried and one given up on,
Ctrl-C leaving nothing running, a node without legacy_sae named in one line, Ray not installed.
Each sweep is of one-epoch faithful runs (about 25 s each on 2 cores).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
from ray.cluster_utils import Cluster

from legacy_sae.regression import gates, records

RUN_IDS = ("stacked-faithful-e1-s1", "stacked-faithful-e1-s2")


def sweep_arguments(out, address, runs=2):
    return ["regress", "--runs", str(runs), "--mode", "faithful", "--no-dae", "--epochs", "1",
            "--ray-cpus", "1", "--out", str(out), "--ray", address]


def environment(**extra):
    """This environment without RAY_ADDRESS, so that only --ray says where the cluster is."""
    env = {name: value for name, value in os.environ.items() if name != "RAY_ADDRESS"}
    return dict(env, **extra)


def start_sweep(arguments, cwd, prelude="", env=None):
    """`legacy-sae ARGUMENTS` in a child process, after `prelude` (Python) has run in it."""
    code = f"import sys\n{prelude}\nfrom legacy_sae.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *arguments], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env or environment())


def finish(sweep, timeout=300):
    stdout, stderr = sweep.communicate(timeout=timeout)
    return sweep.returncode, stdout, stderr


def processes():
    """{pid: (parent pid, command line)} of every process on this machine."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as stream:
                command = stream.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as stream:
                parent = int(stream.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        found[int(pid)] = (parent, command)
    return found


def runs_in_flight(run_ids=RUN_IDS):
    """{pid: parent pid} of the run processes a Ray task started for `run_ids` (their scratch
    folders are named after the run)."""
    return {pid: parent for pid, (parent, command) in processes().items()
            if "-m legacy_sae" in command and "legacy-sae-ray-" in command
            and any(f"-{run_id}-" in command for run_id in run_ids)}


def wait_until(condition, sweep, seconds=120):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert sweep.poll() is None, sweep.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return found


@pytest.fixture(scope="module")
def cluster(request):
    """A head and a second node on this machine, one CPU each, shut down after the module."""
    two_nodes = Cluster(initialize_head=True,
                        head_node_args=dict(num_cpus=1, include_dashboard=False))
    request.addfinalizer(two_nodes.shutdown)
    two_nodes.add_node(num_cpus=1)
    two_nodes.wait_for_nodes()
    return two_nodes


def test_a_two_node_sweep_records_each_run_with_its_node_and_resumes(cluster, tmp_path):
    out = tmp_path / "sweep"
    status, stdout, stderr = finish(start_sweep(sweep_arguments(out, cluster.address), tmp_path))
    runs = [records.load_records(out)[run_id] for run_id in RUN_IDS]
    assert [record["status"] for record in runs] == ["ok", "ok"], stdout[-3000:] + stderr
    # Judged as the same records judged locally are.
    assert status == gates.exit_status(gates.summarize(runs, 1, records.load_baseline()), runs)
    head_ip = cluster.head_node.node_ip_address
    assert {record["node"] for record in runs} == {f"{socket.gethostname()} ({head_ip})"}
    assert {record["ray_node"] for record in runs} == {
        node.node_id for node in cluster.list_all_nodes()}  # one run on each node
    for record in runs:
        assert record["executor"] == "ray" and record["seconds"] > 0
        assert set(record["result"]) >= {"accuracy_before_finetuning",
                                         "accuracy_after_finetuning"}
        assert "fine-tuning" in (out / "runs" / f"{record['id']}.log").read_text()
        assert list((out / "figures" / record["id"]).glob("*.png"))
    written = {path: path.read_bytes() for path in (out / "runs").iterdir()}

    status_again, stdout, stderr = finish(start_sweep(sweep_arguments(out, cluster.address),
                                                      tmp_path))
    assert "2 runs planned, 2 already recorded" in stdout and "started" not in stdout
    assert status_again == status
    assert {path: path.read_bytes() for path in (out / "runs").iterdir()} == written


def test_a_run_whose_worker_is_killed_is_retried(cluster, tmp_path):
    out = tmp_path / "sweep"
    sweep = start_sweep(sweep_arguments(out, cluster.address, runs=1), tmp_path)
    run, worker = next(iter(wait_until(runs_in_flight, sweep).items()))
    time.sleep(2)  # the run is loading TensorFlow and MNIST
    os.kill(worker, signal.SIGKILL)
    status, stdout, stderr = finish(sweep)
    record = records.load_records(out)[RUN_IDS[0]]
    assert record["status"] == "ok" and status != 1, stdout[-3000:] + stderr[-3000:]
    assert run not in processes()  # the killed worker's run went with it
    # and its scratch folder with the task that ran it again
    assert not [name for name in os.listdir(tempfile.gettempdir())
                if name.startswith(f"legacy-sae-ray-{worker}-")]


def test_a_run_whose_worker_dies_more_often_than_retried_is_recorded_failed(cluster, tmp_path):
    out = tmp_path / "sweep"
    sweep = start_sweep(sweep_arguments(out, cluster.address, runs=1), tmp_path,
                        prelude="from legacy_sae.regression import ray\nray.MAX_RETRIES = 0")
    os.kill(next(iter(wait_until(runs_in_flight, sweep).values())), signal.SIGKILL)
    status, stdout, stderr = finish(sweep)
    record = records.load_records(out)[RUN_IDS[0]]
    assert status == 1 and record["status"] == "failed", stdout[-3000:] + stderr[-3000:]
    assert record["error"].startswith("Ray: the worker or node running it died, 1 times")
    assert record["executor"] == "ray"


def test_ctrl_c_cancels_every_task_and_leaves_nothing_running(cluster, tmp_path):
    out = tmp_path / "sweep"
    sweep = start_sweep(sweep_arguments(out, cluster.address), tmp_path)
    wait_until(lambda: len(runs_in_flight()) == 2, sweep)
    sweep.send_signal(signal.SIGINT)
    status, stdout, stderr = finish(sweep, timeout=120)
    assert status == 130, stdout[-3000:] + stderr[-3000:]
    assert f"sweep interrupted; the 0 runs recorded in {out} are kept" in stdout
    deadline = time.monotonic() + 30  # the runs clean up after their SIGTERM
    while runs_in_flight() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert runs_in_flight() == {}
    assert [command for _, command in processes().values()
            if command.startswith("ray::run_on_node")] == []
    assert records.load_records(out) == {}


def test_a_node_that_cannot_import_legacy_sae_is_named_in_one_line(cluster, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'legacy_sae':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Hide())\n")
    # Ray's own way (as `ray job submit --runtime-env-json`) to start the job's workers with it.
    job = json.dumps({"runtime_env": {"env_vars": {"PYTHONPATH": str(blocker)}}})
    status, stdout, stderr = finish(start_sweep(
        sweep_arguments(tmp_path / "sweep", cluster.address, runs=1), tmp_path,
        env=environment(RAY_JOB_CONFIG_JSON_ENV_VAR=job)))
    errors = [line for line in stderr.splitlines() if line.startswith("legacy-sae: error:")]
    assert status == 2 and "Traceback" not in stderr, stdout[-3000:] + stderr[-3000:]
    assert errors == [f"legacy-sae: error: Ray node {socket.gethostname()} "
                      f"({cluster.head_node.node_ip_address}) cannot import legacy_sae (No module "
                      f"named 'legacy_sae'): install it on every node "
                      f"(pip install \"legacy-sae[ray]\"), or give --ray-pip with a requirement "
                      f"for it; see docs/cluster.md."]


def test_an_unusable_address_or_cpu_count_ends_in_one_line_before_any_run(cluster, tmp_path):
    out = tmp_path / "sweep"
    for address, cpus, message in [
            ("127.0.0.1:1", "1", "No Ray cluster answers at 127.0.0.1:1"),
            ("head-without-port", "1", "--ray head-without-port: give the HOST:PORT"),
            (cluster.address, "2", "No node of the Ray cluster has 2 CPUs for a run")]:
        arguments = sweep_arguments(out, address, runs=1)
        arguments[arguments.index("--ray-cpus") + 1] = cpus
        status, stdout, stderr = finish(start_sweep(arguments, tmp_path))
        errors = [line for line in stderr.splitlines() if line.startswith("legacy-sae:")]
        assert status == 2 and len(errors) == 1 and message in errors[0], stderr
    assert records.load_records(out) == {}


def test_without_ray_the_flag_says_how_to_install_it(tmp_path):
    status, stdout, stderr = finish(start_sweep(
        sweep_arguments(tmp_path / "sweep", "", runs=1), tmp_path,
        prelude="sys.modules['ray'] = None  # as if Ray were not installed"))
    assert status == 2
    assert stderr.strip() == ('legacy-sae: error: --ray needs Ray, which is not installed here: '
                              'pip install "legacy-sae[ray]"')

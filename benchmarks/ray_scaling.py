"""Wall time of one small regression sweep run four ways on this machine: local processes with
--jobs 1 and --jobs 2, and Ray tasks on a local Ray instance with one and two workers.

    python benchmarks/ray_scaling.py [--runs 4] [--epochs 1]

Each way runs `legacy-sae regress --runs R --mode faithful --no-dae --epochs E` into its own
empty folder. "Ray with W workers" is `--ray local --ray-cpus CPUS/W`: the local instance has as
many CPUs as the machine, so W runs fit at a time. It prints each way's wall time, the mean time
of its runs as recorded (the run's own process), and its speed-up over --jobs 1; then what Ray
adds: the time to start and stop a local instance, and the overhead per task. With one run at a
time, a run's record is written when it ends, so the time between two records less the later
run's own seconds is what the executor spent around that run; Ray's overhead per task is that
gap with Ray at one worker less the gap with --jobs 1. Runs of one sweep run back to back, so
this holds when the machine's load changes between sweeps. The rest of Ray's extra wall time is
paid once per sweep: starting or joining the instance, and its first worker.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

from legacy_sae.regression import records

START_RAY = "import ray; ray.init(address='local'); ray.shutdown()"


def clean_environment():
    """No RAY_ADDRESS: every Ray sweep here starts its own local instance."""
    return {name: value for name, value in os.environ.items() if name != "RAY_ADDRESS"}


def timed(command):
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=clean_environment())
    seconds = time.monotonic() - started
    # 0, or the status of a sweep at a setting without baseline runs: every run ended.
    if result.returncode not in (0, 3):
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-3000:]}\n"
                 f"{result.stderr[-3000:]}")
    return seconds


def recorded_runs(out):
    """[(when its record was written, its seconds)] of every run of the sweep in `out`."""
    recorded = []
    for run_id, record in records.load_records(out).items():
        assert record["status"] == "ok", record
        recorded.append((os.path.getmtime(os.path.join(out, "runs", run_id + ".json")),
                         record["seconds"]))
    return sorted(recorded)


def mean_gap(recorded):
    """Mean time between two records of a one-at-a-time sweep, less the later run's seconds."""
    gaps = [later - earlier - seconds
            for (earlier, _), (later, seconds) in zip(recorded, recorded[1:])]
    return sum(gaps) / len(gaps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4, help="runs in the sweep (default: 4)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per stage (default: 1)")
    args = parser.parse_args()
    cpus = os.cpu_count()
    sweep = [sys.executable, "-m", "legacy_sae", "regress", "--runs", str(args.runs), "--mode",
             "faithful", "--no-dae", "--epochs", str(args.epochs)]
    ways = [("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
            ("Ray, 1 worker", ["--ray", "local", "--ray-cpus", str(cpus)]),
            ("Ray, 2 workers", ["--ray", "local", "--ray-cpus", str(max(1, cpus // 2))])]
    measured = {}
    with tempfile.TemporaryDirectory(prefix="ray-scaling-") as scratch:
        for index, (name, options) in enumerate(ways):
            out = os.path.join(scratch, str(index))
            wall = timed(sweep + options + ["--out", out])
            measured[name] = (wall, recorded_runs(out))
            print(f"{name}: {wall:.1f} s", file=sys.stderr, flush=True)
        starts = [timed([sys.executable, "-c", START_RAY]) for _ in range(3)]
    ray_start = sorted(starts)[1]
    local_wall, local_runs = measured["--jobs 1"]
    ray_wall, ray_runs = measured["Ray, 1 worker"]
    print(f"{args.runs} runs of `legacy-sae stacked --epochs {args.epochs}` on {cpus} CPUs\n")
    print("| way | wall time | mean run | speed-up over --jobs 1 |")
    print("|---|---|---|---|")
    for name, (wall, runs) in measured.items():
        print(f"| {name} | {wall:.1f} s | {sum(s for _, s in runs) / len(runs):.1f} s | "
              f"{local_wall / wall:.2f} |")
    per_task = mean_gap(ray_runs) - mean_gap(local_runs)
    print(f"\nRay local instance start and stop: {ray_start:.1f} s (median of 3)")
    print(f"Ray overhead per task: {per_task:.2f} s")
    print(f"Ray's fixed cost per sweep (wall time at 1 worker beyond --jobs 1's, less the "
          f"overhead of its {args.runs} tasks): {ray_wall - local_wall - args.runs * per_task:.1f} s")
    for faster, slower in (("--jobs 2", "--jobs 1"), ("Ray, 2 workers", "Ray, 1 worker")):
        print(f"{faster} over {slower}: {measured[slower][0] / measured[faster][0]:.2f}")


if __name__ == "__main__":
    main()

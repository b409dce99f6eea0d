"""What does pretraining add to the SdA? The same network and fine-tuning without it, three seeds.

    python benchmarks/sda_ablation.py [--seeds 1 2 3] [--out regression/sda-no-pretraining]

Runs `legacy-sae sda --fast --pretraining-epochs 0 --seed S` once per seed, each in its own
process and checkpoint folder (an interrupted run resumes from its last epoch when the same
command is given again), and writes OUT/results.json (every run's result, the machine and the
versions) and OUT/report.md: per seed the best validation epoch and the test accuracy there,
beside the recorded SdA runs with pretraining (legacy_sae/baselines/sda.json).
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

from legacy_sae.regression import gates, records
from legacy_sae.files import write_json


def run(seed, out):
    """One ablation run; its result (legacy-sae sda --result-json), or None if it failed."""
    result_path = os.path.join(out, "runs", f"sda-no-pretraining-s{seed}.json")
    if not os.path.exists(result_path):
        status = subprocess.run([
            sys.executable, "-m", "legacy_sae", "sda", "--fast", "--pretraining-epochs", "0",
            "--seed", str(seed), "--checkpoint-dir", os.path.join(out, "checkpoints", f"s{seed}"),
            "--figures", os.path.join(out, "figures", f"s{seed}"),
            "--result-json", result_path]).returncode
        if status != 0:
            print(f"seed {seed}: legacy-sae sda ended with exit status {status}")
            return None
    with open(result_path, encoding="utf-8") as stream:
        return json.load(stream)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", default=os.path.join("regression", "sda-no-pretraining"))
    args = parser.parse_args()
    os.makedirs(os.path.join(args.out, "runs"), exist_ok=True)
    results = {seed: run(seed, args.out) for seed in args.seeds}
    done = {seed: result for seed, result in results.items() if result is not None}
    with open(records.SDA_BASELINE, encoding="utf-8") as stream:
        pretrained = [r["result"]["test_accuracy"] for r in json.load(stream)["runs"]]
    lines = ["# The SdA without pretraining (`legacy-sae sda --fast --pretraining-epochs 0`)", "",
             "| seed | best validation epoch | validation | test |", "|---|---|---|---|"]
    for seed, result in done.items():
        lines.append(f"| {seed} | {result['best_epoch']} of {len(result['validation_accuracy'])}"
                     f" | {100 * result['best_validation_accuracy']:.2f} % | "
                     f"{100 * result['test_accuracy']:.2f} % |")
    if done:
        without = gates.describe([r["test_accuracy"] for r in done.values()])
        with_ = gates.describe(pretrained)
        lines += ["", f"Without pretraining: {100 * without['mean']:.2f} ± "
                      f"{100 * without['sd']:.2f} % over {without['n']} seeds; with it "
                      f"(recorded, legacy_sae/baselines/sda.json): {100 * with_['mean']:.2f} ± "
                      f"{100 * with_['sd']:.2f} % over {with_['n']}; difference "
                      f"{100 * (with_['mean'] - without['mean']):.2f} points."]
    write_json(os.path.join(args.out, "results.json"), dict(
        format=records.FORMAT,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        command="legacy-sae sda --fast --pretraining-epochs 0 --seed S", **records.environment(),
        runs=[dict(seed=seed, result=result) for seed, result in done.items()]), indent=1)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as stream:
        stream.write(text)
    print(text, end="")
    return 0 if len(done) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""What a regression sweep runs: the metrics each kind of run reports (the tutorial's documented
figures and settings are `legacy_sae.documented`'s), and the plan: one run spec per seed, kind and
mode, each with an id and the `legacy-sae` command that runs it, whichever executor runs it.
"""
import os
import sys

# (kind, mode, metric, label) of every reported row.
METRICS = [
    ("stacked", mode, metric, label)
    for metric, label in (("accuracy_before_finetuning", "accuracy before fine-tuning"),
                          ("accuracy_after_finetuning", "accuracy after fine-tuning"))
    for mode in ("faithful", "corrected", "as-is")
] + [("dae", "faithful", "gaussian_mse", "DAE test MSE, gaussian noise 0.3"),
     ("dae", "faithful", "salt_pepper_mse", "DAE test MSE, 15 % pixels inverted"),
     ("sda", "fast", "test_accuracy", "SdA test accuracy at the best validation epoch")]
MODE_NAMES = {"faithful": "faithful", "corrected": "corrected (carry weights)",
              "as-is": "as-is (`legacy-sae run` on the listing)",
              "fast": "SdA (`legacy-sae sda --fast`)"}


def planned_runs(runs, mode, epochs, seed, dae=True):
    """The run specs of a sweep: a dict each with id, kind, mode, seed, epochs (None for the
    SdA, whose epochs its settings set)."""
    if mode == "sda":
        return [dict(id=f"sda-fast-s{seed + k}", kind="sda", mode="fast", seed=seed + k,
                     epochs=None) for k in range(runs)]
    modes = ("faithful", "corrected") if mode == "both" else (mode,)
    specs = []
    for k in range(runs):
        kinds = [("stacked", m) for m in modes] + ([("dae", "faithful")] if dae else [])
        for kind, run_mode in kinds:
            specs.append(dict(id=f"{kind}-{run_mode}-e{epochs}-s{seed + k}", kind=kind,
                              mode=run_mode, seed=seed + k, epochs=epochs))
    return specs


def run_command(spec, out, logdir=None):
    """The `legacy-sae` command that runs `spec` with its outputs in `out` (and --logdir's
    events in LOGDIR/RUN-ID): the same for every executor."""
    run_dir = os.path.join(out, "runs")
    command = [sys.executable, "-m", "legacy_sae", spec["kind"], "--seed", str(spec["seed"]),
               "--figures", os.path.join(out, "figures", spec["id"]),
               "--result-json", os.path.join(run_dir, spec["id"] + ".result.json")]
    if logdir:
        command += ["--logdir", os.path.join(logdir, spec["id"])]
    if spec["kind"] == "sda":  # not --fresh: a stopped SdA run resumes from its last epoch
        return command + ["--fast", "--checkpoint-dir",
                          os.path.join(out, "checkpoints", spec["id"])]
    command += ["--epochs", str(spec["epochs"])]
    if spec["kind"] == "stacked":
        command += ["--fresh", "--checkpoint-dir", os.path.join(out, "checkpoints", spec["id"])]
        if spec["mode"] == "corrected":
            command.append("--carry-weights")
    return command

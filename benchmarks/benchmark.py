"""Speed of the tutorial's two runs against the compute floor, a plain port, Keras 3 and real
TensorFlow 1.8.

    python benchmarks/benchmark.py [--epochs 20] [--repeats 1] [--variants ...] [--kinds ...]
                                   [--out benchmark-results]

In one invocation, each in its own process so that none sees another's TensorFlow state:

  floor  TensorFlow's matmul rate at the tutorial's shapes on this machine; each run's floor is
         its FLOPs (from the layer sizes, as the tutorial computes them) at that rate
  (a)    plain: the tutorial on tf.compat.v1 by hand, no tuning (plain_port.py), with a
         per-part breakdown of its steps (batching, noise, sess.run, saving)
  (b)    legacy-sae faithful: legacy_sae.dae and legacy_sae.stacked as shipped
  (c)    keras: the same networks, batch size, epochs and optimizer with Keras 3 model.fit
  (d)    as-is: the unmodified listings run by `legacy-sae run` (only training_epochs replaced)
  (e)    tf1.8: the same listings on real TensorFlow 1.8 (Python 3.6, `legacy-sae reference`'s
         environment); left out, with the reason, where no Python 3.6 is found

Each variant's seconds exclude its TensorFlow import; its peak memory is the whole process's.
With --repeats N the variants alternate N times and each cell is the median run. It prints a
Markdown table (also written with the JSON to --out). Its last lines read
`faithful stacked speedup over plain port: N.NN`, `as-is runner over faithful port: N.NN`, and
where (e) ran, `as-is over TF 1.8: N.NN` and `faithful over TF 1.8: N.NN` (stacked, seconds).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from legacy_sae.checks import LegacySAEError
from legacy_sae.files import write_json
from legacy_sae.reference import environments, runs
from legacy_sae.regression import records

LISTINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "examples",
                        "tutorial")
BATCH = 256
STEPS_PER_EPOCH = 215  # ceil(55000 / 256)
DAE_LAYERS = [(784, 256), (256, 256), (256, 784)]
# Per stage of the stacked tutorial: layers it trains, and layers it only runs forward per batch.
STACKED_STAGES = {
    "stage 1": (DAE_LAYERS, []),
    "stage 2": ([(256, 128), (128, 128), (128, 256)], [(784, 256)]),
    "stage 3": ([(128, 10)], [(784, 256), (256, 128)]),
    "stage 4": ([(784, 256), (256, 128), (128, 10)], []),
}


def step_flops(trained, forward_only):
    """A dense layer costs 2*B*in*out FLOPs forward. Training adds as much again for the weight
    gradient, and as much again for the input gradient except in the first trained layer, whose
    input is fed data."""
    return (sum((4 if k == 0 else 6) * BATCH * i * o for k, (i, o) in enumerate(trained))
            + sum(2 * BATCH * i * o for i, o in forward_only))


def run_flops(epochs):
    steps = epochs * STEPS_PER_EPOCH
    stacked = {stage: steps * step_flops(*layers) for stage, layers in STACKED_STAGES.items()}
    return dict(dae=steps * step_flops(DAE_LAYERS, []), stacked=stacked)


def measure_matmul_rate():
    """GFLOP/s of TF1-graph matmuls at the tutorial's shapes, best of three passes."""
    import numpy as np
    from legacy_sae import compat
    tf = compat.tf1()
    shapes = [(BATCH, 784, 256), (BATCH, 256, 256), (BATCH, 256, 784), (BATCH, 256, 128)]
    best = 0.0
    with tf.Session() as sess:
        ops = []
        for m, k, n in shapes:
            a = tf.Variable(np.random.rand(m, k).astype(np.float32))
            b = tf.Variable(np.random.rand(k, n).astype(np.float32))
            ops.append(tf.reduce_sum(tf.matmul(a, b)))
        sess.run(tf.global_variables_initializer())
        flops = sum(2 * m * k * n for m, k, n in shapes)
        for _ in range(3):
            start, repeats = time.perf_counter(), 300
            for _ in range(repeats):
                sess.run(ops)
            best = max(best, flops * repeats / (time.perf_counter() - start) / 1e9)
    return dict(gflops=best)


def time_legacy_sae(kind, epochs):
    import tempfile
    from legacy_sae import compat, dae, stacked
    compat.tf1()  # TensorFlow's import, outside the timing as in the other variants
    marks = {}  # stage -> when its last epoch ended

    def progress(stage, epoch, total):
        # "stage 2/4 second-layer autoencoder" -> "stage 2"
        marks["stage " + stage.split()[1].split("/")[0] if stage.startswith("stage") else kind] = \
            time.perf_counter()

    start = time.perf_counter()
    if kind == "dae":
        dae.denoising_auto_encoder(epochs=epochs, seed=1, figures_dir=tempfile.mkdtemp(),
                                   progress=progress)
        return dict(total=time.perf_counter() - start)
    result = stacked.stacked_auto_encoder(epochs=epochs, seed=1, checkpoint_dir=tempfile.mkdtemp(),
                                          figures_dir=tempfile.mkdtemp(), progress=progress)
    stages, previous = {}, start
    for stage in sorted(marks):
        stages[stage], previous = marks[stage] - previous, marks[stage]
    return dict(total=time.perf_counter() - start, stages=stages,
                accuracies=[result.accuracy_before_finetuning, result.accuracy_after_finetuning])


def listing_folder(kind, epochs):
    """A fresh folder with the unmodified listing (only training_epochs replaced) and MNIST
    where it reads it; (the folder, the listing's name)."""
    listing = f"{'dae' if kind == 'dae' else 'stacked'}_tutorial.py"
    with open(os.path.join(LISTINGS, listing), encoding="utf-8") as stream:
        source = stream.read()
    assert source.count("training_epochs = 20") == 1
    top = os.path.realpath(tempfile.mkdtemp())
    edited = os.path.join(top, "edited", listing)
    os.makedirs(os.path.dirname(edited))
    with open(edited, "w", encoding="utf-8") as stream:
        stream.write(source.replace("training_epochs = 20", f"training_epochs = {epochs}"))
    return runs.prepare_folder(edited, top), listing


def time_as_is(kind, epochs):
    import contextlib
    from legacy_sae import compat, runner
    compat.tf1()
    work, listing = listing_folder(kind, epochs)
    os.chdir(work)
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries this step's JSON only
        status = runner.run_script(listing, figures_dir="figures")
    assert status == 0, f"{listing} exited with {status}"
    return dict(total=time.perf_counter() - start, stages={})


# Run inside TensorFlow 1.8's Python 3.6: the listing timed after TensorFlow's import, as in (d).
TF1_TIMER = """import contextlib, json, runpy, sys, time
import tensorflow
start = time.perf_counter()
with contextlib.redirect_stdout(sys.stderr):
    runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps(dict(total=time.perf_counter() - start, stages={})))
"""


def tf18_python():
    """The TensorFlow 1.8 environment's Python (made once), or the reason there is none."""
    try:
        return environments.ensure("1.8.0", say=lambda line: print(line, file=sys.stderr)), None
    except LegacySAEError as error:
        return None, str(error)


def tf18_command(kind, epochs):
    """(e) runs in TensorFlow 1.8's own interpreter, from the listing's folder."""
    work, listing = listing_folder(kind, epochs)
    return [tf18_python()[0], "-c", TF1_TIMER, listing], work


def time_plain(kind, epochs):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import plain_port
    timers = plain_port.Timers()
    start = time.perf_counter()
    accuracies = (plain_port.run_dae if kind == "dae" else plain_port.run_stacked)(epochs, timers)
    total = time.perf_counter() - start
    stages = {}
    for key, seconds in timers.seconds.items():
        stages[key.split("/")[0]] = stages.get(key.split("/")[0], 0.0) + seconds
    return dict(total=total, parts=dict(timers.seconds), stages=stages if kind != "dae" else {},
                accuracies=accuracies)


def time_keras(kind, epochs):
    import keras
    import numpy as np
    from keras import layers
    from legacy_sae import input_data
    start = time.perf_counter()  # like (a) and (b): data loading included, imports not
    data = input_data.read_data_sets(input_data.BUNDLED_DIR, one_hot=True)
    x, y = data.train.images, data.train.labels

    def fit(model, inputs, targets, loss):
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
        began = time.perf_counter()
        model.fit(inputs, targets, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0)
        return time.perf_counter() - began

    def autoencoder(width, hidden, noise, dropout):
        inputs = keras.Input((width,))
        h = layers.GaussianNoise(noise)(inputs) if noise else inputs
        h1 = layers.Dense(hidden, activation="sigmoid")(h)
        h = layers.Dropout(dropout)(h1) if dropout else h1
        h = layers.Dense(hidden, activation="sigmoid")(h)
        h = layers.Dropout(dropout)(h) if dropout else h
        outputs = layers.Dense(width, activation="sigmoid")(h)
        return keras.Model(inputs, outputs), keras.Model(inputs, h1)

    if kind == "dae":
        model, _ = autoencoder(784, 256, 0.3, 0.0)
        fit(model, x, x, "mse")
        return dict(total=time.perf_counter() - start)
    stages = {}
    net1, encoder1 = autoencoder(784, 256, 0.3, 0.5)
    stages["stage 1"] = fit(net1, x, x, "mse")
    features1 = encoder1.predict(x, batch_size=4096, verbose=0)
    net2, encoder2 = autoencoder(256, 128, 0.0, 0.0)
    stages["stage 2"] = fit(net2, features1, features1, "mse")
    features2 = encoder2.predict(features1, batch_size=4096, verbose=0)
    softmax = keras.Sequential([keras.Input((128,)), layers.Dense(10)])
    stages["stage 3"] = fit(softmax, features2, y,
                            keras.losses.CategoricalCrossentropy(from_logits=True))
    cascade = keras.Sequential([keras.Input((784,)), layers.Dense(256, activation="sigmoid"),
                                layers.Dense(128, activation="sigmoid"), layers.Dense(10)])
    stages["stage 4"] = fit(cascade, x, y, keras.losses.CategoricalCrossentropy(from_logits=True))
    predicted = cascade.predict(data.test.images, batch_size=4096, verbose=0)
    accuracy = float(np.mean(predicted.argmax(1) == data.test.labels.argmax(1)))
    return dict(total=time.perf_counter() - start, stages=stages, accuracies=[accuracy])


VARIANTS = {"plain": time_plain, "legacy-sae": time_legacy_sae, "keras": time_keras,
            "as-is": time_as_is, "tf1.8": None}  # (e) runs in another Python: tf18_command
LABELS = {"plain": "(a) plain tf.compat.v1 port", "legacy-sae": "(b) legacy-sae faithful",
          "keras": "(c) Keras 3 model.fit", "as-is": "(d) as-is: legacy-sae run on the listing",
          "tf1.8": "(e) the listing on real TF 1.8"}


STAGED = ("plain", "legacy-sae", "keras")  # the variants timed per stage


def in_subprocess(variant, kind, epochs):
    """One variant's run in a process of its own: its JSON result plus the process's peak
    memory (MiB)."""
    if variant == "tf1.8":
        command, cwd = tf18_command(kind, epochs)
    else:
        command, cwd = [sys.executable, os.path.abspath(__file__), "--variant", variant,
                        *(["--kind", kind, "--epochs", str(epochs)] if kind else [])], None
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, cwd=cwd, stdout=stdout, stderr=stderr,
                                   env=dict(os.environ, MPLBACKEND="Agg"))
        _, status, usage = os.wait4(process.pid, 0)
        stdout.seek(0)
        stderr.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"benchmark step {variant} {kind} failed:\n{stderr.read()[-3000:]}")
        result = json.loads(stdout.read().strip().splitlines()[-1])
    return dict(result, peak_mib=usage.ru_maxrss / 1024)


def median_run(repeats):
    """The repeat with the median total (the lower middle one of an even number), with every
    repeat's total and peak memory beside it."""
    ordered = sorted(repeats, key=lambda run: run["total"])
    return dict(ordered[(len(ordered) - 1) // 2], totals=[run["total"] for run in repeats],
                peak_mib=statistics.median(run["peak_mib"] for run in repeats))


def ratio(results, variant, over, kind="stacked"):
    """seconds of `variant` over those of `over`, None when either did not run."""
    if kind not in results.get(variant, {}) or kind not in results.get(over, {}):
        return None
    return results[variant][kind]["total"] / results[over][kind]["total"]


def _cell(value):
    return "" if value is None else f"{value:.2f}"


def report(results, epochs, rate, kinds, repeats, skipped):
    flops = run_flops(epochs)
    floors = {"dae": flops["dae"] / (rate * 1e9),
              "stacked": sum(flops["stacked"].values()) / (rate * 1e9)}
    env = records.environment(("tensorflow", "keras", "numpy", "legacy-sae"))
    machine = env["machine"]
    lines = [f"# legacy-sae benchmark, {epochs} epochs per stage"
             + (f", median of {repeats} alternating repeats" if repeats > 1 else ""),
             "", f"{machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
             + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
             f"matmul at the tutorial's shapes: {rate:.1f} GFLOP/s; FLOPs: DAE "
             f"{flops['dae'] / 1e12:.2f} T, stacked {sum(flops['stacked'].values()) / 1e12:.2f} T",
             "", "| run | variant | seconds | peak MiB | / floor | / (a) | / (c) |",
             "|---|---|---|---|---|---|---|"]
    for kind in kinds:
        lines.append(f"| {kind} | compute floor | {floors[kind]:.1f} | | 1.00 | | |")
        for variant in results:
            run = results[variant][kind]
            spread = (f" ({min(run['totals']):.1f}-{max(run['totals']):.1f})"
                      if len(run["totals"]) > 1 else "")
            lines.append(f"| {kind} | {LABELS[variant]} | {run['total']:.1f}{spread} | "
                         f"{run['peak_mib']:.0f} | {run['total'] / floors[kind]:.2f} | "
                         f"{_cell(ratio(results, variant, 'plain', kind))} | "
                         f"{_cell(ratio(results, variant, 'keras', kind))} |")
    if skipped:
        lines.append(f"- {LABELS['tf1.8']}: not run: {skipped}")
    staged = [v for v in STAGED if v in results and "stacked" in results[v]]
    steps = epochs * STEPS_PER_EPOCH
    if staged:
        lines += ["", "Stacked run per stage, seconds (ms per step):", "",
                  "| stage | floor | " + " | ".join(LABELS[v] for v in staged) + " |",
                  "|---|---|" + "---|" * len(staged)]
        for stage, stage_flops in flops["stacked"].items():
            seconds = [results[v]["stacked"]["stages"].get(stage, float("nan")) for v in staged]
            cells = [f"{value:.1f} ({1000 * value / steps:.2f})" for value in seconds]
            lines.append(f"| {stage} | {stage_flops / (rate * 1e9):.1f} | " + " | ".join(cells)
                         + " |")
    if "plain" in results:
        lines += ["", "Where (a)'s time goes, seconds (ms per step):", "", "| part | seconds |",
                  "|---|---|"]
        for kind in kinds:
            for part, seconds in sorted(results["plain"][kind]["parts"].items()):
                lines.append(f"| {kind} {part} | {seconds:.1f} ({1000 * seconds / steps:.2f}) |")
    if staged:
        lines += ["", "Accuracies (stacked, before / after fine-tuning; Keras: after): "
                  + "; ".join(f"{v}: {results[v]['stacked'].get('accuracies')}" for v in staged)]
    ratios = {"faithful stacked speedup over plain port": ratio(results, "plain", "legacy-sae"),
              "as-is runner over faithful port": ratio(results, "as-is", "legacy-sae"),
              "as-is over TF 1.8": ratio(results, "as-is", "tf1.8"),
              "faithful over TF 1.8": ratio(results, "legacy-sae", "tf1.8")}
    lines += [""] + [f"{name}: {value:.2f}" for name, value in ratios.items() if value]
    data = dict(epochs=epochs, repeats=repeats, matmul_gflops=rate, flops=flops, floors=floors,
                environment=env, results=results, ratios=ratios, tf18_skipped=skipped)
    return "\n".join(lines), data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs per stage (default: 20)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="times the variants alternate; each cell is the median (default: 1)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                        help="the variants to time (default: all)")
    parser.add_argument("--kinds", nargs="+", choices=["dae", "stacked"],
                        default=["dae", "stacked"], help="the runs to time (default: both)")
    parser.add_argument("--out", default="benchmark-results", help="folder for the table and JSON")
    parser.add_argument("--variant", choices=[v for v in VARIANTS if VARIANTS[v]] + ["matmul"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=["dae", "stacked"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.epochs < 1 or args.repeats < 1:
        parser.error("--epochs and --repeats must be at least 1")
    if args.variant == "matmul":
        print(json.dumps(measure_matmul_rate()))
        return
    if args.variant:
        print(json.dumps(VARIANTS[args.variant](args.kind, args.epochs)))
        return
    variants, skipped = list(dict.fromkeys(args.variants)), None
    if "tf1.8" in variants:
        _, skipped = tf18_python()
        if skipped:
            variants.remove("tf1.8")
            print(f"{LABELS['tf1.8']}: not run: {skipped}", file=sys.stderr)
    rate = in_subprocess("matmul", None, args.epochs)["gflops"]
    timed = {}
    # The variants of one run back to back, and the whole round repeated, so that the virtual
    # machine's drifting speed moves them alike.
    for repeat in range(args.repeats):
        for kind in args.kinds:
            for variant in variants:
                print(f"timing {LABELS[variant]}, {kind}, repeat {repeat + 1} ...",
                      file=sys.stderr, flush=True)
                timed.setdefault(variant, {}).setdefault(kind, []).append(
                    in_subprocess(variant, kind, args.epochs))
    results = {variant: {kind: median_run(runs_of_kind) for kind, runs_of_kind in by_kind.items()}
               for variant, by_kind in timed.items()}
    table, data = report(results, args.epochs, rate, args.kinds, args.repeats, skipped)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "benchmark.md"), "w", encoding="utf-8") as stream:
        stream.write(table + "\n")
    write_json(os.path.join(args.out, "benchmark.json"), data, indent=1)
    print(table)


if __name__ == "__main__":
    main()

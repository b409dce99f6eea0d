"""Speed of the tutorial's two runs against the compute floor, a plain port and Keras 3.

    python benchmarks/benchmark.py [--epochs 20] [--out benchmark-results]

In one invocation, each in its own process so that none sees another's TensorFlow state:

  floor  TensorFlow's matmul rate at the tutorial's shapes on this machine; each run's floor is
         its FLOPs (from the layer sizes, as the tutorial computes them) at that rate
  (a)    plain: the tutorial on tf.compat.v1 by hand, no tuning (plain_port.py), with a
         per-part breakdown of its steps (batching, noise, sess.run, saving)
  (b)    legacy-sae faithful: legacy_sae.dae and legacy_sae.stacked as shipped
  (c)    keras: the same networks, batch size, epochs and optimizer with Keras 3 model.fit
  (d)    as-is: the unmodified listings run by `legacy-sae run` (only training_epochs replaced)

It prints a Markdown table (also written with the JSON to --out). The last lines read
`faithful stacked speedup over plain port: N.NN` and `as-is runner over faithful port: N.NN`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from legacy_sae.files import write_json
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


def time_as_is(kind, epochs):
    import contextlib
    import tempfile
    from legacy_sae import compat, runner
    compat.tf1()
    listing = f"{'dae' if kind == 'dae' else 'stacked'}_tutorial.py"
    with open(os.path.join(LISTINGS, listing), encoding="utf-8") as stream:
        source = stream.read()
    assert source.count("training_epochs = 20") == 1
    work = os.path.join(tempfile.mkdtemp(), "run")  # the stacked listing reads ../MNIST-data
    os.makedirs(work)
    with open(os.path.join(work, listing), "w", encoding="utf-8") as stream:
        stream.write(source.replace("training_epochs = 20", f"training_epochs = {epochs}"))
    os.chdir(work)
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries this step's JSON only
        status = runner.run_script(listing, figures_dir="figures")
    assert status == 0, f"{listing} exited with {status}"
    return dict(total=time.perf_counter() - start, stages={})


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
            "as-is": time_as_is}
LABELS = {"plain": "(a) plain tf.compat.v1 port", "legacy-sae": "(b) legacy-sae faithful",
          "keras": "(c) Keras 3 model.fit", "as-is": "(d) as-is: legacy-sae run on the listing"}


STAGED = ("plain", "legacy-sae", "keras")  # the variants timed per stage


def in_subprocess(argv):
    result = subprocess.run([sys.executable, os.path.abspath(__file__), *argv],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark step {argv} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(results, epochs, rate):
    flops = run_flops(epochs)
    floors = {"dae": flops["dae"] / (rate * 1e9),
              "stacked": sum(flops["stacked"].values()) / (rate * 1e9)}
    env = records.environment(("tensorflow", "keras", "numpy", "legacy-sae"))
    machine = env["machine"]
    lines = [f"# legacy-sae benchmark, {epochs} epochs per stage",
             "", f"{machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
             + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
             f"matmul at the tutorial's shapes: {rate:.1f} GFLOP/s; FLOPs: DAE "
             f"{flops['dae'] / 1e12:.2f} T, stacked {sum(flops['stacked'].values()) / 1e12:.2f} T",
             "", "| run | variant | seconds | / floor | / (a) | / (c) |", "|---|---|---|---|---|---|"]
    for kind in ("dae", "stacked"):
        lines.append(f"| {kind} | compute floor | {floors[kind]:.1f} | 1.00 | | |")
        for variant in VARIANTS:
            seconds = results[variant][kind]["total"]
            lines.append(f"| {kind} | {LABELS[variant]} | {seconds:.1f} | "
                         f"{seconds / floors[kind]:.2f} | "
                         f"{seconds / results['plain'][kind]['total']:.2f} | "
                         f"{seconds / results['keras'][kind]['total']:.2f} |")
    lines += ["", "Stacked run per stage, seconds (ms per step):", "",
              "| stage | floor | " + " | ".join(LABELS[v] for v in STAGED) + " |",
              "|---|---|" + "---|" * len(STAGED)]
    steps = epochs * STEPS_PER_EPOCH
    for stage, stage_flops in flops["stacked"].items():
        cells = [f"{results[v]['stacked']['stages'].get(stage, float('nan')):.1f} "
                 f"({1000 * results[v]['stacked']['stages'].get(stage, float('nan')) / steps:.2f})"
                 for v in STAGED]
        lines.append(f"| {stage} | {stage_flops / (rate * 1e9):.1f} | " + " | ".join(cells) + " |")
    lines += ["", "Where (a)'s time goes, seconds (ms per step):", "", "| part | seconds |",
              "|---|---|"]
    for kind in ("dae", "stacked"):
        for part, seconds in sorted(results["plain"][kind]["parts"].items()):
            lines.append(f"| {kind} {part} | {seconds:.1f} ({1000 * seconds / steps:.2f}) |")
    speedup = results["plain"]["stacked"]["total"] / results["legacy-sae"]["stacked"]["total"]
    as_is = results["as-is"]["stacked"]["total"] / results["legacy-sae"]["stacked"]["total"]
    lines += ["", "Accuracies (stacked, before / after fine-tuning; Keras: after): "
              + "; ".join(f"{v}: {results[v]['stacked'].get('accuracies')}" for v in STAGED),
              "", f"faithful stacked speedup over plain port: {speedup:.2f}",
              f"as-is runner over faithful port: {as_is:.2f}"]
    return "\n".join(lines), dict(epochs=epochs, matmul_gflops=rate, flops=flops, floors=floors,
                                  environment=env, results=results, speedup=speedup,
                                  as_is_over_faithful=as_is)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs per stage (default: 20)")
    parser.add_argument("--out", default="benchmark-results", help="folder for the table and JSON")
    parser.add_argument("--variant", choices=[*VARIANTS, "matmul"], help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=["dae", "stacked"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if args.variant == "matmul":
        print(json.dumps(measure_matmul_rate()))
        return
    if args.variant:
        print(json.dumps(VARIANTS[args.variant](args.kind, args.epochs)))
        return
    rate = in_subprocess(["--variant", "matmul"])["gflops"]
    results = {}
    # Variants of one run back to back, so that the virtual machine's drifting speed moves
    # (a) and (b) alike.
    for kind in ("dae", "stacked"):
        for variant in VARIANTS:
            print(f"timing {LABELS[variant]}, {kind} ...", file=sys.stderr, flush=True)
            results.setdefault(variant, {})[kind] = in_subprocess(
                ["--variant", variant, "--kind", kind, "--epochs", str(args.epochs)])
    table, data = report(results, args.epochs, rate)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "benchmark.md"), "w", encoding="utf-8") as stream:
        stream.write(table + "\n")
    write_json(os.path.join(args.out, "benchmark.json"), data, indent=1)
    print(table)


if __name__ == "__main__":
    main()

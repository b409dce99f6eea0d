"""The ports compute what the listings compute: with one seed, the faithful ports print the same
costs and accuracies, digit for digit, as the unmodified listings with that seed.

The listings set no seed, so each is copied with the few lines a seed needs (and fewer epochs)
put in by exact text replacement; everything else is the tutorial's code, run by `legacy-sae run`.
This guards every speed-up of the ports: none may change a printed digit.
"""
import os

import numpy as np

from legacy_sae import compat
from conftest import TUTORIAL_DIR, run_cli

SEED = 7


def seeded_listing(name, folder, replacements):
    """Copy listing `name` into `folder` with `replacements` (old -> new, each found exactly once)."""
    with open(os.path.join(TUTORIAL_DIR, name), encoding="utf-8") as stream:
        source = stream.read()
    for old, new in replacements.items():
        assert source.count(old) == 1, f"{old!r} is not in {name} exactly once"
        source = source.replace(old, new)
    (folder / name).write_text(source, encoding="utf-8")


def printed_results(stdout):
    """The lines that carry numbers: per-epoch average costs and test accuracies."""
    lines = [line for line in stdout.splitlines()
             if line.startswith("Epoch ") or line.startswith("Accuracy:")]
    assert lines, stdout[-2000:]
    return lines


def run_both(tmp_path, listing, replacements, port_args):
    listing_dir, port_dir = tmp_path / "listing", tmp_path / "port"
    listing_dir.mkdir()
    port_dir.mkdir()
    seeded_listing(listing, listing_dir, replacements)
    ran_listing = run_cli("run", listing, cwd=listing_dir)
    ran_port = run_cli(*port_args, "--seed", SEED, cwd=port_dir)
    for ran in (ran_listing, ran_port):
        assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    return printed_results(ran_listing.stdout), printed_results(ran_port.stdout)


SEED_AFTER_IMPORTS = {"import numpy as np\n": f"import numpy as np\ntf.set_random_seed({SEED})\n"}


def test_dae_port_prints_what_the_listing_prints(tmp_path):
    listing, port = run_both(
        tmp_path, "dae_tutorial.py",
        {**SEED_AFTER_IMPORTS, "training_epochs = 20": "training_epochs = 3"},
        ["dae", "--epochs", 3])
    assert len(listing) == 2  # epochs 0 and 2
    assert port == listing
    # What `legacy-sae run` leaves in the listing's empty folder: the MNIST it reads from
    # MNIST-data/ (placed, not downloaded) and its two figures.
    folder = tmp_path / "listing"
    assert sorted(os.listdir(folder / "MNIST-data")) == sorted(
        ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
    assert sorted(os.listdir(folder / "figures")) == ["dae_tutorial-01.png", "dae_tutorial-02.png"]


def test_stacked_port_prints_what_the_listing_prints(tmp_path):
    listing, port = run_both(
        tmp_path, "stacked_tutorial.py",
        {**SEED_AFTER_IMPORTS, "training_epochs = 20": "training_epochs = 2",
         # The function resets the graph, which drops the graph seed: set it again.
         "    tf.reset_default_graph()\n":
             f"    tf.reset_default_graph()\n    tf.set_random_seed({SEED})\n"},
        ["stacked", "--epochs", 2, "--checkpoint-dir", tmp_path / "port" / "checkpoints"])
    assert len(listing) == 6  # epoch 0 of four stages, two accuracies
    assert port == listing


def test_square_is_the_listings_power_of_two_bit_for_bit():
    """The ports write the listings' `(a - b) ** 2` as `tf.square(a - b)` (Pow's general kernel is
    slow); values, means and gradients must not move by a bit, tiny and huge magnitudes included."""
    tf = compat.tf1()
    rng = np.random.RandomState(SEED)
    with tf.Graph().as_default(), tf.Session() as sess:
        a, b, upstream = (tf.placeholder(tf.float32, [None, 784]) for _ in range(3))
        power, square = (a - b) ** 2, tf.square(a - b)
        fetches = [[value, tf.reduce_mean(value), tf.gradients(value, a, grad_ys=upstream)[0]]
                   for value in (power, square)]
        scales = np.array([1e-30, 1e-3, 1.0, 1e3, 1e18], dtype=np.float32)
        for _ in range(10):
            feed = {a: rng.rand(256, 784).astype(np.float32),
                    b: (rng.rand(256, 784) * rng.choice(scales, (256, 784))).astype(np.float32),
                    upstream: rng.randn(256, 784).astype(np.float32)}
            with_power, with_square = sess.run(fetches, feed)
            for got, expected in zip(with_square, with_power):
                assert np.array_equal(np.asarray(got).view(np.int32),
                                      np.asarray(expected).view(np.int32))

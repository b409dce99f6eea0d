"""legacy_sae.dae: the tutorial's denoising autoencoder, short runs."""
import numpy as np
import pytest

from legacy_sae import compat, dae
from legacy_sae.checks import LegacySAEError
from conftest import read_events, run_cli


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    figures = tmp_path_factory.mktemp("dae-figures")
    events = tmp_path_factory.mktemp("dae-events")
    result = dae.denoising_auto_encoder(epochs=2, keep_prob=0.5, seed=4, figures_dir=str(figures),
                                        logdir=str(events))
    tf = compat.tf1()
    shapes = [v.shape.as_list() for v in tf.global_variables() if "Adam" not in v.name
              and "power" not in v.name]
    return result, figures, shapes, events


def test_graph_is_784_256_256_784(two_epochs):
    _, _, shapes, _ = two_epochs
    assert shapes == [[784, 256], [256, 256], [256, 784], [256], [256], [784]]


def test_training_lowers_the_cost_and_denoises(two_epochs):
    result, _, _, _ = two_epochs
    assert len(result.costs) == 2 and result.costs[1] < result.costs[0]
    # The noisy inputs are 0.09 (gaussian, 0.3^2) and about 0.1 (15 % of pixels inverted) away
    # from the clean images in MSE; the reconstructions must be far closer.
    assert 0 < result.gaussian_mse < 0.03
    assert 0 < result.salt_pepper_mse < 0.05
    assert result.keep_prob == 0.5 and result.seed == 4


def test_both_figures_are_saved(two_epochs):
    _, figures, _, _ = two_epochs
    assert sorted(p.name for p in figures.iterdir()) == ["dae-01.png", "dae-02.png"]


def test_salt_and_pepper_flips_pixels_drawn_an_odd_number_of_times():
    images = np.zeros((200, 784), dtype=np.float32)
    noisy = dae.salt_and_pepper(images, 0.15, np.random.RandomState(0))
    assert set(np.unique(noisy)) == {0.0, 1.0}
    flipped = noisy.sum(axis=1)
    # 117 draws with replacement from 784 pixels: a few land twice and cancel out.
    assert flipped.max() <= 117 and 100 < flipped.mean() < 117


def test_seed_makes_a_run_repeatable(tmp_path):
    first = run_cli("dae", "--epochs", "1", "--seed", "9", cwd=tmp_path)
    second = run_cli("dae", "--epochs", "1", "--seed", "9", cwd=tmp_path)
    assert first.returncode == 0, first.stderr

    def log(result):
        return [line for line in result.stdout.splitlines()
                if line.startswith(("Epoch", "Label is", "Test reconstruction"))]

    assert len(log(first)) == 3 and log(first) == log(second)


@pytest.mark.parametrize("options, message", [
    (dict(epochs=0), "epochs must be a whole number of at least 1"),
    (dict(epochs=2.5), "epochs must be a whole number of at least 1"),
    (dict(keep_prob=0.0), r"keep_prob must lie in \(0, 1\]"),
    (dict(keep_prob=1.5), r"keep_prob must lie in \(0, 1\]"),
])
def test_bad_arguments_fail_before_training(options, message):
    with pytest.raises(LegacySAEError, match=message):
        dae.denoising_auto_encoder(**options)


def test_cli_reports_bad_input_without_traceback(tmp_path):
    result = run_cli("dae", "--keep-prob", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert "keep_prob must lie in (0, 1]" in result.stderr and "Traceback" not in result.stderr


def test_tensorboard_reads_back_costs_errors_and_graph(two_epochs):
    result, _, _, events = two_epochs
    scalars, graph = read_events(events)
    steps, costs = scalars["denoising_autoencoder/cost"]
    assert steps == [1, 2] and costs == pytest.approx(result.costs, rel=1e-6)
    for metric in ("gaussian_mse", "salt_pepper_mse"):
        steps, values = scalars[f"test/{metric}"]
        assert steps == [2] and values == pytest.approx([getattr(result, metric)], rel=1e-6)
    assert {"ApplyAdam", "Sigmoid"} <= {node.op for node in graph.node}

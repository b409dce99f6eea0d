"""legacy_sae.sda, the stacked denoising autoencoder done as published: on a slice of MNIST."""
import dataclasses
import json
import os

import numpy as np
import pytest

from legacy_sae import cli, compat, sda
from legacy_sae.checks import LegacySAEError
from conftest import run_cli

SMALL = sda.SdASettings(hidden_layers=(64, 32), corruption=(0.1, 0.2), pretraining_epochs=3,
                        pretrain_lr=0.1, max_finetune_epochs=4, batch_size=20)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sda")
    result = sda.stacked_denoising_autoencoder(SMALL, seed=5, subset=2000,
                                               checkpoint_dir=str(folder / "ckpt"),
                                               figures_dir=str(folder / "figures"))
    return result, folder


def test_graph_shapes_and_tied_weights():
    tf = compat.tf1()
    with tf.Graph().as_default():
        sda.StackedDenoisingAutoencoder(SMALL, tf)
        shapes = {v.op.name: v.shape.as_list() for v in tf.trainable_variables()}
    # One weight matrix per layer: each decoder is its encoder's transpose, with a bias of its own.
    assert shapes == {"layer1/W": [784, 64], "layer1/b": [64], "layer1/b_prime": [784],
                      "layer2/W": [64, 32], "layer2/b": [32], "layer2/b_prime": [64],
                      "softmax/W": [32, 10], "softmax/b": [10]}


def test_masking_noise_zeroes_the_fraction_asked():
    tf = compat.tf1()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(1)
        values = np.random.RandomState(0).uniform(0.5, 1.0, (1000, 784)).astype(np.float32)
        for corruption in (0.1, 0.3):
            noisy = sess.run(sda.masking_noise(tf.constant(values), corruption, tf))
            zeroed = noisy == 0
            assert abs(zeroed.mean() - corruption) < 0.003
            assert (noisy[~zeroed] == values[~zeroed]).all()  # the rest passes unchanged


def test_pretraining_lowers_each_layers_reconstruction_cost(small_run):
    result, _ = small_run
    assert len(result.pretraining_costs) == 2
    for costs in result.pretraining_costs:
        assert len(costs) == 3 and costs[-1] < costs[0]


def test_the_best_validation_checkpoint_is_kept_and_scores_the_result(small_run):
    result, folder = small_run
    assert len(result.validation_accuracy) == 4
    assert result.best_validation_accuracy == max(result.validation_accuracy)
    assert result.best_epoch == 1 + result.validation_accuracy.index(
        result.best_validation_accuracy)
    best = folder / "ckpt" / "best"
    assert f"sda.ckpt-{result.best_epoch}.index" in os.listdir(best)
    tf = compat.tf1()
    with tf.Graph().as_default(), tf.Session() as sess:
        model = sda.StackedDenoisingAutoencoder(SMALL, tf)
        tf.train.Saver().restore(sess, str(best / f"sda.ckpt-{result.best_epoch}"))
        from legacy_sae import input_data
        data = input_data.read_data_sets(input_data.BUNDLED_DIR)
        test = sda._subset(data.test, 2000, tf)
        assert sda._accuracy(sess, model, test) == pytest.approx(result.test_accuracy)
    assert len(os.listdir(folder / "figures")) == 2  # the filters and the learning curves


def test_early_stopping_rule():
    settings = sda.SdASettings(patience=3)
    patience, best = 3, 0.0
    for epoch, accuracy in enumerate([0.90, 0.95, 0.9502, 0.94], start=1):
        patience = sda.patience_after(patience, epoch, accuracy, best, settings)
        best = max(best, accuracy)
        # A large improvement at epoch 2 extends the patience to 4; 0.9502 is too small a step.
        assert patience == {1: 3, 2: 4, 3: 4, 4: 4}[epoch]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    folder = tmp_path / "ckpt"

    def stop_after_first_epoch(phase, epoch, epochs):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sda.stacked_denoising_autoencoder(SMALL, seed=5, subset=1000, checkpoint_dir=str(folder),
                                          progress=stop_after_first_epoch)
    with open(folder / "state.json") as stream:
        state = json.load(stream)
    assert (state["phase"], state["layer"], state["epoch"]) == ("pretrain", 0, 1)
    result = sda.stacked_denoising_autoencoder(SMALL, seed=5, subset=1000,
                                               checkpoint_dir=str(folder))
    assert [len(costs) for costs in result.pretraining_costs] == [3, 3]
    assert result.pretraining_costs[0][0] == state["pretraining_costs"][0][0]
    assert len(result.validation_accuracy) == 4

    other = sda.SdASettings(**{**vars(SMALL), "batch_size": 50})
    with pytest.raises(LegacySAEError, match="used other settings"):
        sda.stacked_denoising_autoencoder(other, subset=1000, checkpoint_dir=str(folder))


@pytest.mark.parametrize("options, message", [
    (["--layers", "100,50", "--corruption", "0.1"], "one corruption level per hidden layer"),
    (["--corruption", "0.1,1.5,0.3"], "Corruption levels lie in [0, 1)"),
    (["--batch-size", "0"], "batch-size must be a whole number"),
    (["--finetune-lr", "-1"], "finetune-lr must be positive"),
    (["--pretraining-epochs", "-1"], "pretraining-epochs must be a whole number of at least 0 (0 "
                                     "fine-tunes the random initial weights), got -1."),
])
def test_bad_options_are_refused_before_training(tmp_path, options, message):
    result = run_cli("sda", *options, "--checkpoint-dir", tmp_path / "ckpt", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("options, expected", [
    ([], sda.SdASettings()),
    (["--fast"], sda.FAST_SETTINGS),
    (["--fast", "--batch-size", "50", "--optimizer", "sgd"],
     dataclasses.replace(sda.FAST_SETTINGS, batch_size=50, optimizer="sgd")),
    (["--layers", "500,500", "--corruption", "0.2,0.2"],
     dataclasses.replace(sda.SdASettings(), hidden_layers=(500, 500), corruption=(0.2, 0.2))),
])
def test_fast_starts_from_the_faster_setting_and_explicit_options_apply(options, expected):
    assert cli.sda_settings(cli.build_parser().parse_args(["sda", *options])) == expected


def test_no_pretraining_fine_tunes_the_random_weights(tmp_path):
    """--pretraining-epochs 0, the ablation: the same network fine-tuned from its initial weights."""
    settings = dataclasses.replace(SMALL, pretraining_epochs=0, max_finetune_epochs=2)
    result = sda.stacked_denoising_autoencoder(settings, seed=5, subset=1000,
                                               checkpoint_dir=str(tmp_path / "ckpt"),
                                               figures_dir=str(tmp_path / "figures"))
    assert result.pretraining_costs == [[], []] and result.seconds_pretraining == 0
    assert len(result.validation_accuracy) == 2 and 0.1 < result.test_accuracy <= 1

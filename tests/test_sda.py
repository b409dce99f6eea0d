"""legacy_sae.sda, the stacked denoising autoencoder done as published: on a slice of MNIST."""
import dataclasses
import json
import os

import numpy as np
import pytest

from legacy_sae import cli, compat, input_data, sda
from legacy_sae.checks import LegacySAEError
from conftest import REPO, run_cli

SMALL = sda.SdASettings(hidden_layers=(64, 32), corruption=(0.1, 0.2), pretraining_epochs=3,
                        pretrain_lr=0.1, max_finetune_epochs=4, batch_size=20)

# The published setting, as LISA DeepLearningTutorials code/SdA.py runs it: the defaults of
# test_SdA (finetune_lr=0.1, pretraining_epochs=15, pretrain_lr=0.001, training_epochs=1000,
# batch_size=1), the network it builds there (hidden_layers_sizes=[1000, 1000, 1000]) with
# corruption_levels = [.1, .2, .3], fine-tuning by plain SGD (build_finetune_functions), and its
# early stopping: patience = 10 * n_train_batches (10 epochs), patience_increase = 2.,
# improvement_threshold = 0.995, validated once an epoch (validation_frequency =
# min(n_train_batches, patience // 2) = n_train_batches).
PUBLISHED = dict(hidden_layers=(1000, 1000, 1000), corruption=(0.1, 0.2, 0.3),
                 pretraining_epochs=15, pretrain_lr=0.001, finetune_lr=0.1,
                 max_finetune_epochs=1000, batch_size=1, optimizer="sgd", patience=10,
                 patience_increase=2.0, improvement_threshold=0.995)
# `legacy-sae sda --fast`, as docs/sda.md states it (the README's SdA chapter, section "The
# published setting and the faster one"): minibatches of 20, pretraining at 0.1 (still 15 epochs
# a layer), fine-tuning with momentum 0.9 at 0.2, at most 20 fine-tuning epochs; the rest as
# published.
FAST = {**PUBLISHED, "batch_size": 20, "pretrain_lr": 0.1, "optimizer": "momentum",
        "finetune_lr": 0.2, "max_finetune_epochs": 20}


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
    """By hand from LISA's rule with 10 minibatches an epoch (see the comment below): an
    improvement at epoch e allows floor((2 (10 e - 1) + 1) / 10) = 2 e - 1 epochs."""
    settings = sda.SdASettings(patience=2)
    patience, best = 2, 0.0
    for epoch, accuracy in enumerate([0.90, 0.95, 0.9502, 0.97], start=1):
        patience = sda.patience_after(patience, epoch, accuracy, best, settings, 10)
        best = max(best, accuracy)
        # Epoch 1 allows 1 (the initial 2 stay); epoch 2's large step 3; 0.9502 is too small a
        # step to count; epoch 4's step 7.
        assert patience == {1: 2, 2: 3, 3: 3, 4: 7}[epoch]


def run_with_validation_accuracies(accuracies, patience, folder, monkeypatch):
    """A fine-tuning run on a slice of 200 examples (10 minibatches of 20 an epoch) whose
    validation accuracies are `accuracies`, one an epoch, in place of the measured ones; the
    training, test scores and stopping are the run's own."""
    settings = dataclasses.replace(SMALL, pretraining_epochs=0, max_finetune_epochs=12,
                                   patience=patience)
    measure = sda._accuracy
    scripted = iter(accuracies)
    validation_slices = set()
    cut = sda._subset

    def cut_and_note_validation(split, size, tf):
        part = cut(split, size, tf)
        if split.num_examples == 5000:  # the validation split (train 55,000, test 10,000)
            validation_slices.add(id(part))
        return part

    def accuracy(sess, model, dataset, **kwargs):
        if id(dataset) in validation_slices:
            return next(scripted)
        return measure(sess, model, dataset, **kwargs)

    monkeypatch.setattr(sda, "_subset", cut_and_note_validation)
    monkeypatch.setattr(sda, "_accuracy", accuracy)
    return sda.stacked_denoising_autoencoder(settings, seed=5, subset=200,
                                             checkpoint_dir=str(folder / "ckpt"))


# LISA's rule, in minibatches (n = 10 an epoch; `iter` counts from 0, so an epoch e ends at
# iter = 10 e - 1, where the validation runs): patience starts at 10 * P; a validation error
# below 0.995 times the best so far sets patience = max(patience, 2 * iter); training stops at
# the first iter with patience <= iter, checked after that iter's validation.
def test_patience_runs_out_before_the_epoch_limit(tmp_path, monkeypatch):
    # P = 4, so patience = 40. Epoch 1 (iter 9): an improvement, patience max(40, 18) = 40.
    # Epoch 2 (iter 19): error 0.48 < 0.995 * 0.50, patience max(40, 38) = 40. Epochs 3 and 4
    # bring nothing better. Epoch 4's validation runs at iter 39 < 40; training stops at iter 40,
    # the first minibatch of epoch 5, which is never validated: 4 validated epochs of the 12
    # allowed, the best at epoch 2.
    accuracies = [0.50, 0.52, 0.51, 0.52] + [0.60] * 8
    result = run_with_validation_accuracies(accuracies, 4, tmp_path, monkeypatch)
    assert result.validation_accuracy == accuracies[:4]
    assert (result.best_epoch, result.best_validation_accuracy) == (2, 0.52)


def test_an_improvement_extends_the_patience_as_lisa_does(tmp_path, monkeypatch):
    # P = 2, so patience = 20. Epoch 1 (iter 9): patience max(20, 18) = 20. Epoch 2 (iter 19):
    # error 0.40 < 0.995 * 0.50, patience max(20, 38) = 38. Epoch 3 (iter 29): error 0.30 <
    # 0.995 * 0.40, patience max(38, 58) = 58. Epochs 4 and 5 bring nothing better; epoch 5's
    # validation runs at iter 49 < 58, and training stops at iter 58, two minibatches before
    # the end of epoch 6, which is never validated: 5 validated epochs.
    accuracies = [0.50, 0.60, 0.70, 0.69, 0.70] + [0.65] * 7
    result = run_with_validation_accuracies(accuracies, 2, tmp_path, monkeypatch)
    assert result.validation_accuracy == accuracies[:5]
    assert result.best_epoch == 3


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path, monkeypatch):
    folder = tmp_path / "ckpt"
    tf = compat.tf1()

    def stop_after_first_epoch(phase, epoch, epochs):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sda.stacked_denoising_autoencoder(SMALL, seed=5, subset=1000, checkpoint_dir=str(folder),
                                          progress=stop_after_first_epoch)
    with open(folder / "state.json") as stream:
        state = json.load(stream)
    assert (state["phase"], state["layer"], state["epoch"]) == ("pretrain", 0, 1)
    # What the interrupted run saved, read from its checkpoint files by TensorFlow's own reader.
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(folder / "latest")))
    saved = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}

    # The values the resumed run trains from: every variable, read in its session just before it
    # takes its first minibatch.
    first_batch = input_data.DataSet.next_batch
    resumed_from = {}

    def read_variables_then_next_batch(dataset, *args, **kwargs):
        if not resumed_from:
            session = tf.get_default_session()
            resumed_from.update((v.op.name, session.run(v)) for v in tf.global_variables())
        return first_batch(dataset, *args, **kwargs)

    monkeypatch.setattr(input_data.DataSet, "next_batch", read_variables_then_next_batch)
    result = sda.stacked_denoising_autoencoder(SMALL, seed=5, subset=1000,
                                               checkpoint_dir=str(folder))
    assert sorted(resumed_from) == sorted(saved)
    for name, value in saved.items():
        assert np.array_equal(resumed_from[name], value), name
    assert [len(costs) for costs in result.pretraining_costs] == [3, 3]
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
    ([], PUBLISHED),
    (["--fast"], FAST),
    (["--fast", "--batch-size", "50", "--optimizer", "sgd"],
     {**FAST, "batch_size": 50, "optimizer": "sgd"}),
    (["--layers", "500,500", "--corruption", "0.2,0.2"],
     {**PUBLISHED, "hidden_layers": (500, 500), "corruption": (0.2, 0.2)}),
])
def test_fast_starts_from_the_faster_setting_and_explicit_options_apply(options, expected):
    settings = cli.sda_settings(cli.build_parser().parse_args(["sda", *options]))
    assert dataclasses.asdict(settings) == expected


def test_the_fast_setting_fine_tunes_with_momentum_0_9():
    tf = compat.tf1()
    one_small_layer = {**FAST, "hidden_layers": (8,), "corruption": (0.1,)}  # the same optimizer
    with tf.Graph().as_default(), tf.Session() as sess:
        sda.StackedDenoisingAutoencoder(sda.SdASettings(**one_small_layer), tf)
        updates = [op for op in tf.get_default_graph().get_operations()
                   if op.type in ("ApplyMomentum", "ResourceApplyMomentum")]
        # ApplyMomentum(var, accum, lr, grad, momentum), in float32
        assert len(updates) == 4  # layer1/W, layer1/b, softmax/W, softmax/b
        assert {sess.run(op.inputs[4]) for op in updates} == {np.float32(0.9)}
        assert {sess.run(op.inputs[2]) for op in updates} == {np.float32(FAST["finetune_lr"])}


def test_the_recorded_sda_baseline_was_made_with_the_fast_setting():
    with open(os.path.join(REPO, "legacy_sae", "baselines", "sda.json"), encoding="utf-8") as f:
        runs = json.load(f)["runs"]
    as_recorded = json.loads(json.dumps(FAST))  # tuples as JSON lists
    assert runs and all(run["result"]["settings"] == as_recorded for run in runs)


def test_no_pretraining_fine_tunes_the_random_weights(tmp_path):
    """--pretraining-epochs 0, the ablation: the same network fine-tuned from its initial weights."""
    settings = dataclasses.replace(SMALL, pretraining_epochs=0, max_finetune_epochs=2)
    result = sda.stacked_denoising_autoencoder(settings, seed=5, subset=1000,
                                               checkpoint_dir=str(tmp_path / "ckpt"),
                                               figures_dir=str(tmp_path / "figures"))
    assert result.pretraining_costs == [[], []] and result.seconds_pretraining == 0
    assert len(result.validation_accuracy) == 2 and 0.1 < result.test_accuracy <= 1


def test_a_stopped_sda_run_says_how_far_its_saved_state_got(tmp_path):
    """What `legacy-sae sda` prints on Ctrl-C or SIGTERM, for each point state.json can be at
    (phase, layer counted from 0, epochs done in that phase or layer), worked out by hand."""
    folder = tmp_path / "ckpt"
    folder.mkdir()
    assert sda.interrupted_message("interrupted (Ctrl-C)", str(folder)) == (
        f"legacy-sae: interrupted (Ctrl-C) before the first epoch was saved in '{folder}'; there "
        f"is nothing to resume.")
    for (phase, layer, epoch), saved in {("pretrain", 0, 3): "epoch 3 of pretraining layer 1",
                                         ("pretrain", 1, 0): "pretraining layer 1",
                                         ("finetune", 3, 0): "pretraining",
                                         ("finetune", 3, 7): "fine-tuning epoch 7"}.items():
        (folder / "state.json").write_text(json.dumps(dict(phase=phase, layer=layer, epoch=epoch)))
        assert sda.interrupted_message("stopped (SIGTERM)", str(folder)) == (
            f"legacy-sae: stopped (SIGTERM). The SdA run in '{folder}' is saved after {saved}: "
            f"`legacy-sae sda` with the same options, without --fresh, resumes it.")
    (folder / "state.json").write_text(json.dumps(dict(phase="done", layer=3, epoch=20)))
    assert sda.interrupted_message("stopped (SIGTERM)", str(folder)) == (
        f"legacy-sae: stopped (SIGTERM). The SdA run in '{folder}' had finished.")

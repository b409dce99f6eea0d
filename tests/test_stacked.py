"""legacy_sae.stacked: the tutorial's stacked autoencoder, faithful and corrected."""
import os
import signal
import subprocess
import sys
import time

import pytest

from legacy_sae import cli, compat, stacked
from legacy_sae.checks import LegacySAEError
from legacy_sae.checkpoints import CheckpointError
from conftest import read_events, run_cli

LAYER_SHAPES = [[784, 256], [256, 256], [256, 784], [256, 128], [128, 128], [128, 256],
                [128, 10], [256], [256], [784], [128], [128], [256], [10]]


@pytest.fixture(scope="module")
def short_runs(tmp_path_factory):
    """Two-epoch runs with one seed: faithful, the same again, and corrected."""
    root = tmp_path_factory.mktemp("stacked")

    def run(name, **options):
        return stacked.stacked_auto_encoder(epochs=2, seed=21, checkpoint_dir=str(root / name),
                                            figures_dir=str(root / "figures"), **options)

    faithful = run("faithful", logdir=str(root / "events"))
    tf = compat.tf1()
    shapes = [v.shape.as_list() for v in tf.global_variables()
              if "Adam" not in v.name and "power" not in v.name]
    return dict(faithful=faithful, again=run("again"), corrected=run("corrected", carry_weights=True),
                shapes=shapes, root=root)


def test_graph_has_the_tutorials_four_networks(short_runs):
    assert short_runs["shapes"] == LAYER_SHAPES


def test_every_stage_lowers_its_cost(short_runs):
    for mode in ("faithful", "corrected"):
        costs = short_runs[mode].costs
        assert list(costs) == list(stacked.STAGES)
        for stage, values in costs.items():
            assert len(values) == 2 and values[1] < values[0], (mode, stage, values)


def test_seed_repeats_costs_and_accuracies_exactly(short_runs):
    assert short_runs["again"] == short_runs["faithful"]


def test_the_corrected_mode_really_stacks(short_runs):
    faithful, corrected = short_runs["faithful"], short_runs["corrected"]
    # Stage 1 is the same in both modes; from stage 2 on the corrected run starts from trained
    # layers, so stage 2 sees other features and the softmax sits on learned ones.
    assert corrected.costs["denoising autoencoder"] == faithful.costs["denoising autoencoder"]
    assert corrected.costs["second-layer autoencoder"] != faithful.costs["second-layer autoencoder"]
    assert corrected.accuracy_before_finetuning > faithful.accuracy_before_finetuning + 0.05
    assert corrected.carry_weights and not faithful.carry_weights


def test_checkpoints_and_figures_are_written(short_runs):
    folder = short_runs["root"] / "faithful"
    assert "mnist_model.cpkt-1.index" in os.listdir(folder)  # max_to_keep=1: only the last
    assert not any(name.startswith("mnist_model.cpkt-0") for name in os.listdir(folder))
    assert len(list((short_runs["root"] / "figures").iterdir())) == 6  # 2 per run


def test_tensorboard_reads_back_every_stage_and_both_accuracies(short_runs):
    result = short_runs["faithful"]
    scalars, graph = read_events(short_runs["root"] / "events")
    for stage, name in enumerate(stacked.STAGES, start=1):
        steps, costs = scalars[f"stage{stage}_{name.replace(' ', '_')}/cost"]
        assert steps == [1, 2] and costs == pytest.approx(result.costs[name], rel=1e-6)
    for metric in ("accuracy_before_finetuning", "accuracy_after_finetuning"):
        steps, values = scalars[f"test/{metric}"]
        assert steps == [2] and values == pytest.approx([getattr(result, metric)], rel=1e-6)
    assert {"ArgMax", "ApplyAdam"} <= {node.op for node in graph.node}  # the complete graph


def test_a_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    folder = tmp_path / "ckpt"
    command = [sys.executable, "-m", "legacy_sae", "stacked", "--epochs", "20",
               "--checkpoint-dir", str(folder)]
    child = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (folder / "checkpoint").exists():
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(3)  # well into the next epochs and saves
    child.send_signal(signal.SIGKILL)
    child.wait()
    result = run_cli("stacked", "--epochs", "1", "--checkpoint-dir", folder, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"kpt: {folder}/mnist_model.cpkt-" in result.stdout
    assert result.stdout.count("Accuracy:") == 2


def _foreign_checkpoint(folder):
    tf = compat.tf1()
    with tf.Graph().as_default():
        tf.Variable(tf.zeros([3]))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver().save(sess, str(folder / "other.ckpt"))


def test_a_checkpoint_that_does_not_fit_is_refused_and_kept(tmp_path):
    folder = tmp_path / "other"
    _foreign_checkpoint(folder)
    before = sorted(os.listdir(folder))
    with pytest.raises(CheckpointError) as caught:
        stacked.stacked_auto_encoder(epochs=1, checkpoint_dir=str(folder))
    assert str(folder) in str(caught.value) and "--fresh" in str(caught.value)
    assert sorted(os.listdir(folder)) == before

    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "checkpoint").write_text("this is not a checkpoint index {")
    result = run_cli("stacked", "--epochs", "1", "--checkpoint-dir", garbage, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--fresh" in result.stderr and str(garbage) in result.stderr
    assert (garbage / "checkpoint").read_text() == "this is not a checkpoint index {"

    result = run_cli("stacked", "--epochs", "1", "--fresh", "--checkpoint-dir", folder,
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "kpt: None" in result.stdout and "mnist_model.cpkt-0.index" in os.listdir(folder)


def test_last_line_compares_with_the_documented_figures_only_at_their_setting(tmp_path):
    def line(epochs, carry_weights=False):
        return cli.accuracy_line(stacked.StackedResult(
            epochs=epochs, seed=1, carry_weights=carry_weights, accuracy_before_finetuning=0.8712,
            accuracy_after_finetuning=0.9771, costs={}, restored_from=None))

    assert line(50) == ("Test accuracy: 0.8712 before fine-tuning (tutorial 0.8697), 0.9771 after "
                        "(tutorial 0.9774), at the setting of the tutorial's documented run "
                        "(50 epochs per stage)")
    for other in (line(20), line(50, carry_weights=True)):
        assert "(tutorial" not in other and "legacy-sae stacked --documented" in other
    assert "(50 epochs per stage, corrected mode)" in line(50, carry_weights=True)

    result = run_cli("stacked", "--documented", "--epochs", "3", cwd=tmp_path)
    assert result.returncode == 2 and "cannot be combined with --epochs 3" in result.stderr


@pytest.mark.parametrize("options, message", [
    (dict(epochs=0), "epochs must be a whole number"),
    (dict(epochs=-3), "epochs must be a whole number"),
    (dict(checkpoint_dir="/proc/legacy-sae"), "checkpoint folder '/proc/legacy-sae' cannot be"),
    (dict(figures_dir="/proc/legacy-sae"), "figures folder '/proc/legacy-sae' cannot be"),
])
def test_bad_arguments_fail_before_training(tmp_path, options, message):
    options.setdefault("checkpoint_dir", str(tmp_path / "ckpt"))
    with pytest.raises(LegacySAEError, match=message):
        stacked.stacked_auto_encoder(**options)

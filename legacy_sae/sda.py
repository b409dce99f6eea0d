"""Stacked denoising autoencoder (SdA) on MNIST, done as published, in the tutorial's TF1 style.

What the tutorial's stacking leaves out, this model does (Vincent, Larochelle, Lajoie, Bengio and
Manzagol, JMLR 2010; the SdA of the LISA lab's DeepLearningTutorials):

1. Greedy layer-wise pretraining. Layer k is a denoising autoencoder trained on the *clean*
   features of the layers below, which are fixed while it trains: inputs are corrupted by masking
   noise (each value set to 0 with probability `corruption[k]`), encoded, decoded with the
   transposed weights (tied weights), and scored by cross-entropy against the clean inputs.
2. The pretrained weights are kept: the classifier is the stack of encoders with a softmax layer
   on top, fine-tuned end to end by minibatch SGD on the labels.
3. Early stopping on the 5,000 validation images: the result is the test accuracy of the epoch
   with the best validation accuracy, whose weights are the checkpoint kept.

Defaults follow the published setting: three layers of 1000 sigmoid units, corruption 0.1, 0.2,
0.3, 15 pretraining epochs per layer at learning rate 0.001, fine-tuning at 0.1 for up to 1000
epochs, minibatches of 1 example, and LISA's patience rule (stop when the epochs run reach the
patience, which starts at 10 and grows to 2e - 1 after a validation improvement of more than
0.5 % at epoch e; `patience_after`). Each option can be changed; with 0 pretraining epochs the same network is fine-tuned
from its random initial weights, the ablation that shows what pretraining adds.

Checkpoints (`Saver(max_to_keep=1)` per kind, relative index entries, one run per folder):
`latest` after every epoch, so that an interrupted run resumes where it stopped, and `best` at
each validation improvement; `state.json` beside them says which phase, layer and epoch `latest`
belongs to and the best validation accuracy so far.
"""
import dataclasses
import json
import math
import os
import time

import numpy as np

from legacy_sae import checkpoints, compat, events, figures
from legacy_sae.checks import LegacySAEError, positive_int, whole_number, writable_dir
from legacy_sae.files import write_json

DEFAULT_CHECKPOINT_DIR = os.path.join("checkpoints", "sda")
STATE_FILE = "state.json"


@dataclasses.dataclass
class SdASettings:
    hidden_layers: tuple = (1000, 1000, 1000)
    corruption: tuple = (0.1, 0.2, 0.3)
    pretraining_epochs: int = 15
    pretrain_lr: float = 0.001
    finetune_lr: float = 0.1
    max_finetune_epochs: int = 1000
    batch_size: int = 1
    optimizer: str = "sgd"          # or "momentum" (0.9) for the fine-tuning
    patience: int = 10              # epochs; grows to patience_increase * epoch on improvement
    patience_increase: float = 2.0
    improvement_threshold: float = 0.995  # an improvement: new error < threshold * best error

    def check(self):
        if not self.hidden_layers or len(self.corruption) != len(self.hidden_layers):
            raise LegacySAEError(
                f"Give one corruption level per hidden layer: {len(self.hidden_layers)} layers "
                f"({list(self.hidden_layers)}), {len(self.corruption)} levels "
                f"({list(self.corruption)}).")
        for size in self.hidden_layers:
            positive_int(size, "a layer size")
        for level in self.corruption:
            if isinstance(level, bool) or not isinstance(level, (int, float)) \
                    or not 0 <= level < 1:
                raise LegacySAEError(f"Corruption levels lie in [0, 1), got {level!r}.")
        for name in ("max_finetune_epochs", "batch_size", "patience"):
            positive_int(getattr(self, name), name.replace("_", "-"))
        whole_number(self.pretraining_epochs, "pretraining-epochs", minimum=0,
                     note=" (0 fine-tunes the random initial weights)")
        for name in ("pretrain_lr", "finetune_lr"):
            if not getattr(self, name) > 0:
                raise LegacySAEError(f"{name.replace('_', '-')} must be positive, got "
                                     f"{getattr(self, name)!r}.")
        if self.optimizer not in ("sgd", "momentum"):
            raise LegacySAEError(f"optimizer is 'sgd' or 'momentum', got {self.optimizer!r}.")
        return self


# `legacy-sae sda --fast`: 12-14 minutes a run on 2 cores, against the published 17 hours on
# one. Minibatches of 20 instead of 1. Pretraining as LISA's dA.py trains its denoising
# autoencoder at that batch size (learning rate 0.1), for the published 15 epochs a layer.
# Fine-tuning with momentum 0.9 at 0.2: an effective step of 2.0 on the minibatch mean, which is
# the published per-example step of 0.1 summed over 20 examples; at most 20 epochs. What it
# measured: README, "A stacked denoising autoencoder done as published".
FAST_SETTINGS = SdASettings(batch_size=20, pretrain_lr=0.1, optimizer="momentum",
                            finetune_lr=0.2, max_finetune_epochs=20)


@dataclasses.dataclass
class SdAResult:
    settings: dict
    seed: int | None
    pretraining_costs: list   # per layer, the mean reconstruction cross-entropy of every epoch
    validation_accuracy: list  # of every fine-tuning epoch
    best_epoch: int           # 1-based fine-tuning epoch with the best validation accuracy
    best_validation_accuracy: float
    test_accuracy: float      # of the best validation epoch: the result
    seconds_pretraining: float
    seconds_finetuning: float


def masking_noise(inputs, corruption, tf):
    """x~ = x * m, m_i ~ Bernoulli(1 - corruption): a fraction `corruption` of the inputs is
    zeroed, each independently, the rest passed unchanged."""
    keep = tf.cast(tf.random_uniform(tf.shape(inputs)) >= corruption, inputs.dtype)
    return inputs * keep


class StackedDenoisingAutoencoder:
    """The graph: encoders, one tied-weight denoising autoencoder per layer, and the classifier."""

    def __init__(self, settings, tf, n_inputs=784, n_classes=10):
        self.x = tf.placeholder(tf.float32, [None, n_inputs], name="x")
        self.y = tf.placeholder(tf.int64, [None], name="y")
        self.weights, self.hidden_biases, self.visible_biases = [], [], []
        self.pretrain_costs, self.pretrain_ops = [], []
        features, width = self.x, n_inputs
        for k, (units, corruption) in enumerate(zip(settings.hidden_layers, settings.corruption)):
            with tf.variable_scope(f"layer{k + 1}"):
                # W ~ U(-4 r, 4 r), r = sqrt(6 / (fan_in + fan_out)): Glorot's range, times 4 for
                # sigmoid units, as the published code initialises them.
                bound = 4 * np.sqrt(6.0 / (width + units))
                weights = tf.get_variable("W", [width, units],
                                          initializer=tf.random_uniform_initializer(-bound, bound))
                hidden_bias = tf.get_variable("b", [units], initializer=tf.zeros_initializer())
                visible_bias = tf.get_variable("b_prime", [width],
                                               initializer=tf.zeros_initializer())
                # The denoising autoencoder of this layer, on the clean features below:
                # y = s(x~ W + b), z = s(y W^T + b'); cost = mean over examples of
                # -sum_i [x_i log z_i + (1 - x_i) log(1 - z_i)], computed from the logits.
                clean = tf.stop_gradient(features)
                code = tf.nn.sigmoid(tf.matmul(masking_noise(clean, corruption, tf), weights)
                                     + hidden_bias)
                logits = tf.matmul(code, weights, transpose_b=True) + visible_bias
                cost = tf.reduce_mean(tf.reduce_sum(
                    tf.nn.sigmoid_cross_entropy_with_logits(labels=clean, logits=logits), axis=1))
                self.pretrain_costs.append(cost)
                self.pretrain_ops.append(tf.train.GradientDescentOptimizer(settings.pretrain_lr)
                                         .minimize(cost, var_list=[weights, hidden_bias,
                                                                   visible_bias]))
            self.weights.append(weights)
            self.hidden_biases.append(hidden_bias)
            self.visible_biases.append(visible_bias)
            features, width = tf.nn.sigmoid(tf.matmul(features, weights) + hidden_bias), units
        with tf.variable_scope("softmax"):
            out_weights = tf.get_variable("W", [width, n_classes],
                                          initializer=tf.zeros_initializer())
            out_bias = tf.get_variable("b", [n_classes], initializer=tf.zeros_initializer())
        # Fine-tuning: softmax(h_L W_out + b_out), mean cross-entropy on the labels, over every
        # encoder and the softmax layer (the decoders' biases b' are not part of the classifier).
        logits = tf.matmul(features, out_weights) + out_bias
        self.finetune_cost = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=self.y, logits=logits))
        optimizer = (tf.train.GradientDescentOptimizer(settings.finetune_lr)
                     if settings.optimizer == "sgd"
                     else tf.train.MomentumOptimizer(settings.finetune_lr, momentum=0.9))
        self.finetune_op = optimizer.minimize(
            self.finetune_cost, var_list=self.weights + self.hidden_biases + [out_weights, out_bias])
        self.accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), self.y),
                                               tf.float32))


def patience_after(patience, epoch, accuracy, best_accuracy, settings, batches_per_epoch):
    """LISA's early-stopping rule, counted in the epochs it lets run. LISA counts its patience in
    minibatches, n an epoch, from `iter` = 0: it starts at `patience` * n; a validation error
    below `improvement_threshold` times the best so far, found at the end of epoch e
    (iter = e * n - 1), raises it to `patience_increase` * iter; and training stops at the first
    minibatch with patience <= iter, checked after that minibatch's validation. So epoch k is
    validated while k * n - 1 <= patience: up to floor((patience + 1) / n) epochs, 2e - 1 after
    an improvement at epoch e with the published increase of 2."""
    if 1 - accuracy < (1 - best_accuracy) * settings.improvement_threshold:
        in_minibatches = settings.patience_increase * (epoch * batches_per_epoch - 1)
        return max(patience, math.floor((in_minibatches + 1) / batches_per_epoch))
    return patience


def _write_state(checkpoint_dir, state, owner):
    """state.json, written whole (files.write_json); a write that fails ends in a
    CheckpointError saying why, like a checkpoint that cannot be written."""
    try:
        write_json(os.path.join(checkpoint_dir, STATE_FILE), state)
    except OSError as error:
        cause, when = checkpoints.write_cause(str(error))
        raise checkpoints.CheckpointError(
            f"Could not write {STATE_FILE} into {checkpoint_dir!r}: {cause or error.strerror} "
            f"({error}). The run's previous state is intact there; {when}, `{owner.command}` "
            f"without --fresh on the same --checkpoint-dir ({owner.function}(fresh=False)) "
            f"resumes from it, repeating at most the last epoch. No partial file was left."
        ) from None


def interrupted_message(how, checkpoint_dir):
    """What `legacy-sae sda` says when Ctrl-C or SIGTERM (`how`) stops it: how far the run saved
    in `checkpoint_dir` got, and the command that resumes it."""
    command = checkpoints.MODELS["sda"].command
    try:
        with open(os.path.join(checkpoint_dir, STATE_FILE), encoding="utf-8") as stream:
            state = json.load(stream)
    except FileNotFoundError:
        return (f"legacy-sae: {how} before the first epoch was saved in {checkpoint_dir!r}; "
                f"there is nothing to resume.")
    phase, layer, epoch = state["phase"], state["layer"], state["epoch"]
    if phase == "done":
        return f"legacy-sae: {how}. The SdA run in {checkpoint_dir!r} had finished."
    if phase == "pretrain":  # epoch 0 of a layer: the layer below is done
        saved = f"epoch {epoch} of pretraining layer {layer + 1}" if epoch else \
            f"pretraining layer {layer}"
    else:
        saved = f"fine-tuning epoch {epoch}" if epoch else "pretraining"
    return (f"legacy-sae: {how}. The SdA run in {checkpoint_dir!r} is saved after {saved}: "
            f"`{command}` with the same options, without --fresh, resumes it.")


def _accuracy(sess, model, dataset, batch=5000):
    correct = 0.0
    for start in range(0, dataset.num_examples, batch):
        images = dataset.images[start:start + batch]
        correct += len(images) * sess.run(model.accuracy, {
            model.x: images, model.y: dataset.labels[start:start + batch]})
    return float(correct / dataset.num_examples)


def _subset(dataset, size, tf):
    """The first `size` examples of `dataset` (all when None), as a DataSet of their own."""
    from legacy_sae import input_data
    if size is None or size >= dataset.num_examples:
        return dataset
    # uint8: the stored images are already scaled floats, so DataSet must leave them as they are.
    return input_data.DataSet(dataset.stored_images[:size], dataset.stored_labels[:size],
                              dtype=tf.uint8, reshape=False)


def _show_filters_and_curves(session_weights, result_so_far):
    """The first layer's filters as 28 x 28 images (up to 100), and the learning curves."""
    import matplotlib.pyplot as plt
    filters = session_weights.T[:100]
    side = int(np.ceil(np.sqrt(len(filters))))
    figure, axes = plt.subplots(side, side, figsize=(side, side))
    for axis, index in zip(np.ravel(axes), range(side * side)):
        axis.axis("off")
        if index < len(filters):
            axis.imshow(filters[index].reshape(28, 28), cmap="gray")
    figure.suptitle("first-layer filters")
    plt.show()
    plt.close(figure)
    figure, (pretraining, finetuning) = plt.subplots(1, 2, figsize=(10, 4))
    for k, costs in enumerate(result_so_far["pretraining_costs"]):
        pretraining.plot(range(1, len(costs) + 1), costs, label=f"layer {k + 1}")
    pretraining.set(title="pretraining", xlabel="epoch", ylabel="reconstruction cross-entropy")
    pretraining.legend()
    accuracy = result_so_far["validation_accuracy"]
    finetuning.plot(range(1, len(accuracy) + 1), [100 * a for a in accuracy])
    finetuning.set(title="fine-tuning", xlabel="epoch", ylabel="validation accuracy, %")
    plt.show()
    plt.close(figure)


def stacked_denoising_autoencoder(settings=None, seed=None, data_dir=None,
                                  checkpoint_dir=DEFAULT_CHECKPOINT_DIR, fresh=False,
                                  figures_dir=None, progress=None, logdir=None, subset=None):
    """Pretrain, fine-tune with early stopping, and return an SdAResult (module docstring).

    settings: SdASettings (default: the published setting). seed: numpy and TF graph seed.
    data_dir: MNIST folder (None: the bundled copy). checkpoint_dir: folder of the `latest` and
    `best` checkpoints and state.json; a run resumes from them unless fresh=True. figures_dir:
    save the figures there. progress: called as progress(phase, epoch, epochs). logdir:
    TensorBoard events. subset: use only the first `subset` examples of each split (for tests).
    """
    # Imported here, not above, so that the CLI reads SdASettings without starting TensorFlow.
    from legacy_sae import input_data
    settings = (settings or SdASettings()).check()
    writable_dir(checkpoint_dir, "checkpoint folder")
    tf = compat.tf1()
    owner = checkpoints.MODELS["sda"]  # how checkpoint fault messages name this model
    with checkpoints.FolderLock(checkpoint_dir, owner), figures.saved_to(figures_dir, "sda"), \
            events.event_log(logdir, tf) as log:
        tf.reset_default_graph()
        if seed is not None:
            np.random.seed(seed)
            tf.set_random_seed(seed)
        mnist = input_data.read_data_sets(data_dir or input_data.BUNDLED_DIR)
        train, validation, test = (_subset(split, subset, tf) for split in mnist)
        model = StackedDenoisingAutoencoder(settings, tf)
        folders = {kind: os.path.join(checkpoint_dir, kind) for kind in ("latest", "best")}
        savers = {kind: tf.train.Saver(max_to_keep=1, save_relative_paths=True)
                  for kind in folders}
        state_path = os.path.join(checkpoint_dir, STATE_FILE)
        as_saved = json.loads(json.dumps(dataclasses.asdict(settings)))  # tuples as lists
        state = dict(settings=as_saved,
                     phase="pretrain" if settings.pretraining_epochs else "finetune", layer=0,
                     epoch=0,
                     pretraining_costs=[[] for _ in settings.hidden_layers],
                     validation_accuracy=[], best_epoch=0, best_validation_accuracy=0.0,
                     test_accuracy=None, patience=settings.patience,
                     seconds_pretraining=0.0, seconds_finetuning=0.0)
        resume = not fresh and os.path.exists(state_path)
        if resume:
            with open(state_path, encoding="utf-8") as stream:
                saved_state = json.load(stream)
            if saved_state["settings"] != state["settings"]:
                raise checkpoints.CheckpointError(
                    f"The SdA run saved in {checkpoint_dir!r} used other settings "
                    f"({saved_state['settings']}). It was left as it is. Run `{owner.command}` "
                    f"with those settings to resume it ({owner.function}(settings=...)), with "
                    f"--fresh (fresh=True) to replace it, or choose another --checkpoint-dir.")
            state = saved_state
        batches_per_epoch = int(np.ceil(train.num_examples / settings.batch_size))

        def save(sess, kind, step):
            os.makedirs(folders[kind], exist_ok=True)
            checkpoints.save(savers[kind], sess, os.path.join(folders[kind], "sda.ckpt"), step,
                             folders[kind], tf, owner)

        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if resume:
                checkpoints.restore(savers["latest"], sess,
                                    checkpoints.latest(folders["latest"], tf, owner),
                                    folders["latest"], tf, owner)
                print(f"Resuming from {checkpoint_dir}: {state['phase']}, layer "
                      f"{state['layer'] + 1}, after epoch {state['epoch']}")
            started = time.perf_counter()
            while state["phase"] == "pretrain":
                k = state["layer"]
                epoch = state["epoch"]
                total = 0.0
                for _ in range(batches_per_epoch):
                    images, _ = train.next_batch(settings.batch_size)
                    total += sess.run([model.pretrain_ops[k], model.pretrain_costs[k]],
                                      {model.x: images})[1]
                cost = float(total / batches_per_epoch)
                state["pretraining_costs"][k].append(cost)
                print(f"Pretraining layer {k + 1}, epoch {epoch + 1}: cost {cost:.4f}")
                log.scalar(f"pretraining_layer{k + 1}/cost", cost, epoch + 1)
                state["epoch"] = epoch + 1
                if state["epoch"] == settings.pretraining_epochs:
                    state["layer"], state["epoch"] = k + 1, 0
                    if state["layer"] == len(settings.hidden_layers):
                        state["phase"] = "finetune"
                state["seconds_pretraining"] += time.perf_counter() - started
                started = time.perf_counter()
                save(sess, "latest", state["layer"] * 1000 + state["epoch"])
                _write_state(checkpoint_dir, state, owner)
                if progress:
                    progress(f"pretraining layer {k + 1}", epoch + 1, settings.pretraining_epochs)
            while state["phase"] == "finetune":
                epoch = state["epoch"]
                for _ in range(batches_per_epoch):
                    images, labels = train.next_batch(settings.batch_size)
                    sess.run(model.finetune_op, {model.x: images, model.y: labels})
                accuracy = _accuracy(sess, model, validation)
                state["validation_accuracy"].append(accuracy)
                log.scalar("finetuning/validation_accuracy", accuracy, epoch + 1)
                state["patience"] = patience_after(state["patience"], epoch + 1, accuracy,
                                                   state["best_validation_accuracy"], settings,
                                                   batches_per_epoch)
                if accuracy > state["best_validation_accuracy"]:
                    state["best_epoch"], state["best_validation_accuracy"] = epoch + 1, accuracy
                    state["test_accuracy"] = _accuracy(sess, model, test)
                    save(sess, "best", epoch + 1)
                print(f"Fine-tuning epoch {epoch + 1}: validation accuracy {100 * accuracy:.2f} %"
                      f" (best {100 * state['best_validation_accuracy']:.2f} % at epoch "
                      f"{state['best_epoch']}, test {100 * state['test_accuracy']:.2f} %)")
                state["epoch"] = epoch + 1
                if state["epoch"] >= min(state["patience"], settings.max_finetune_epochs):
                    state["phase"] = "done"
                state["seconds_finetuning"] += time.perf_counter() - started
                started = time.perf_counter()
                save(sess, "latest", 10**6 + epoch + 1)
                _write_state(checkpoint_dir, state, owner)
                if progress:
                    progress("fine-tuning", epoch + 1, int(min(state["patience"],
                                                               settings.max_finetune_epochs)))
            log.scalar("test/accuracy", state["test_accuracy"], state["best_epoch"])
            _show_filters_and_curves(sess.run(model.weights[0]), state)
    return SdAResult(settings=state["settings"], seed=seed,
                     pretraining_costs=state["pretraining_costs"],
                     validation_accuracy=state["validation_accuracy"],
                     best_epoch=state["best_epoch"],
                     best_validation_accuracy=state["best_validation_accuracy"],
                     test_accuracy=state["test_accuracy"],
                     seconds_pretraining=round(state["seconds_pretraining"], 1),
                     seconds_finetuning=round(state["seconds_finetuning"], 1))

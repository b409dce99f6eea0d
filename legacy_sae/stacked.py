"""Stacked autoencoder on MNIST: the tutorial's `stacked_tutorial.py`, ported line for line.

A stacked autoencoder is trained one layer at a time, each layer an autoencoder on the features
of the layer below, with a softmax classifier on top; the stack is then fine-tuned end to end.
The tutorial trains four networks in one graph:

  1. a denoising autoencoder 784-256-256-784 on MNIST (noise 0.3, dropout keep_prob 0.5);
  2. an autoencoder 256-128-128-256 on network 1's first hidden layer;
  3. a softmax classifier 128-10 on network 2's first hidden layer;
  4. the cascade 784-256-128-10 of those three layers, fine-tuned on the labels.

It reports test accuracy after stage 3 (documented 86.97 %) and after fine-tuning (97.74 %),
and saves a checkpoint every epoch with `Saver(max_to_keep=1)`, restoring the latest one
before stage 1.

Faithful mode (the default) keeps the tutorial's quirk: every stage opens a new Session and
runs `global_variables_initializer()`, so stages 2-4 start from fresh random weights. Stage 3
is then a softmax on random sigmoid features and stage 4 an MLP trained from scratch. That is
what reproduces the documented numbers.
Corrected mode (`carry_weights=True`) starts stages 2-4 from the latest checkpoint, i.e. from
the weights the previous stage trained: real greedy layer-wise pretraining. Nothing else changes.
"""
import dataclasses
import os

import numpy as np

from legacy_sae import checkpoints, compat, events, figures, input_data
from legacy_sae.checks import positive_int, writable_dir

DEFAULT_CHECKPOINT_DIR = os.path.join("checkpoints", "stacked_encoder")
STAGES = ("denoising autoencoder", "second-layer autoencoder", "softmax", "fine-tuning")


@dataclasses.dataclass
class StackedResult:
    epochs: int
    seed: int | None
    carry_weights: bool
    accuracy_before_finetuning: float  # tutorial: 0.8697
    accuracy_after_finetuning: float   # tutorial: 0.9774
    costs: dict             # stage name -> average training cost of every epoch
    restored_from: str | None  # checkpoint restored before stage 1, if any


def stacked_auto_encoder(epochs=20, seed=None, carry_weights=False, data_dir=None,
                         checkpoint_dir=DEFAULT_CHECKPOINT_DIR, fresh=False, figures_dir=None,
                         progress=None, logdir=None):
    """Run the tutorial's four stages and return both accuracies and every stage's costs.

    epochs: training_epochs of each stage (tutorial: 20). seed: numpy and TF graph seed for a
        repeatable run; None, as the tutorial. carry_weights: corrected mode (module docstring).
    data_dir: MNIST folder (None: the bundled copy). checkpoint_dir: the Saver's folder; its latest
        checkpoint is restored before stage 1 unless fresh=True. figures_dir: save figures there as
        PNG instead of showing them. progress: called as progress(stage, epoch, epochs).
    logdir: write TensorBoard events there (the graph, each stage's costs, both accuracies).
    """
    positive_int(epochs, "epochs")
    writable_dir(checkpoint_dir, "checkpoint folder")
    tf = compat.tf1()
    owner = checkpoints.MODELS["stacked"]  # how checkpoint fault messages name this model
    with checkpoints.FolderLock(checkpoint_dir, owner), figures.saved_to(figures_dir, "stacked"), \
            events.event_log(logdir, tf) as log:
        tf.reset_default_graph()
        if seed is not None:
            np.random.seed(seed)
            tf.set_random_seed(seed)
        mnist = input_data.tutorial_data_sets(data_dir)

        tf.reset_default_graph()
        if seed is not None:
            tf.set_random_seed(seed)

        n_input = 784
        n_hidden_1 = 256
        n_hidden_2 = 128
        n_classes = 10

        learning_rate = 0.01
        training_epochs = epochs
        batch_size = 256
        display_epoch = 10
        show_num = 10

        savedir = checkpoint_dir
        savefile = 'mnist_model.cpkt'

        # Inputs of network 1 (noisy image, clean image), network 2 (layer-1 features) and
        # network 3 (layer-2 features, labels); network 4 reuses x and l3y.
        x = tf.placeholder(dtype=tf.float32, shape=[None, n_input])
        y = tf.placeholder(dtype=tf.float32, shape=[None, n_input])
        keep_prob = tf.placeholder(dtype=tf.float32)
        l2x = tf.placeholder(dtype=tf.float32, shape=[None, n_hidden_1])
        l2y = tf.placeholder(dtype=tf.float32, shape=[None, n_hidden_1])
        l3x = tf.placeholder(dtype=tf.float32, shape=[None, n_hidden_2])
        l3y = tf.placeholder(dtype=tf.float32, shape=[None, n_classes])

        def weight(*shape):
            return tf.Variable(tf.truncated_normal(shape=list(shape), stddev=0.1))

        def bias(size):
            return tf.Variable(tf.zeros(shape=[size]))

        # Created in the tutorial's order, so a seed gives the tutorial's initial values.
        # "cascade" marks the layers network 4 reuses.
        weights = {
            'l1_h1': weight(n_input, n_hidden_1),      # cascade
            'l1_h2': weight(n_hidden_1, n_hidden_1),
            'l1_out': weight(n_hidden_1, n_input),
            'l2_h1': weight(n_hidden_1, n_hidden_2),   # cascade
            'l2_h2': weight(n_hidden_2, n_hidden_2),
            'l2_out': weight(n_hidden_2, n_hidden_1),
            'out': weight(n_hidden_2, n_classes),      # cascade
        }
        biases = {
            'l1_b1': bias(n_hidden_1),                 # cascade
            'l1_b2': bias(n_hidden_1),
            'l1_out': bias(n_input),
            'l2_b1': bias(n_hidden_2),                 # cascade
            'l2_b2': bias(n_hidden_2),
            'l2_out': bias(n_hidden_1),
            'out': bias(n_classes),                    # cascade
        }

        # Network 1, denoising 784-256-256-784: sigmoid layers, dropout after each hidden one;
        # cost = mean (reconstruction - clean image)^2. tf.square is the tutorial's `** 2`, bit
        # for bit with its gradient, without Pow's general x^y kernel (1.3 ms of a 9 ms step).
        l1_h1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights['l1_h1']), biases['l1_b1']))
        l1_h1_dropout = tf.nn.dropout(l1_h1, keep_prob)
        l1_h2 = tf.nn.sigmoid(tf.add(tf.matmul(l1_h1_dropout, weights['l1_h2']), biases['l1_b2']))
        l1_h2_dropout = tf.nn.dropout(l1_h2, keep_prob)
        l1_reconstruction = tf.nn.sigmoid(
            tf.add(tf.matmul(l1_h2_dropout, weights['l1_out']), biases['l1_out']))
        l1_cost = tf.reduce_mean(tf.square(l1_reconstruction - y))
        l1_optm = tf.train.AdamOptimizer(learning_rate).minimize(l1_cost)

        # Network 2, 256-128-128-256 on layer-1 features h1 (fed in as l2x, also the target).
        l2_h1 = tf.nn.sigmoid(tf.add(tf.matmul(l2x, weights['l2_h1']), biases['l2_b1']))
        l2_h2 = tf.nn.sigmoid(tf.add(tf.matmul(l2_h1, weights['l2_h2']), biases['l2_b2']))
        l2_reconstruction = tf.nn.sigmoid(
            tf.add(tf.matmul(l2_h2, weights['l2_out']), biases['l2_out']))
        l2_cost = tf.reduce_mean(tf.square(l2_reconstruction - l2y))
        l2_optm = tf.train.AdamOptimizer(learning_rate).minimize(l2_cost)

        # Network 3, softmax 128-10 on layer-2 features: cost = cross-entropy of softmax(logits).
        l3_logits = tf.add(tf.matmul(l3x, weights['out']), biases['out'])
        l3_cost = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(logits=l3_logits, labels=l3y))
        l3_optm = tf.train.AdamOptimizer(learning_rate).minimize(l3_cost)

        # Network 4, the cascade: x -> l1_h1 (no dropout) -> sigmoid(. W_l2_h1 + b) -> logits.
        l1_l2_out = tf.nn.sigmoid(tf.add(tf.matmul(l1_h1, weights['l2_h1']), biases['l2_b1']))
        logits = tf.add(tf.matmul(l1_l2_out, weights['out']), biases['out'])
        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=l3y))
        optm = tf.train.AdamOptimizer(learning_rate).minimize(cost)

        num_batch = int(np.ceil(mnist.train.num_examples / batch_size))

        # max_to_keep=1: each save replaces the previous checkpoint. Index entries relative to
        # the folder, so that a copied or moved folder restores its own files.
        saver = tf.train.Saver(max_to_keep=1, save_relative_paths=True)
        if fresh:
            kpt = None
            print(f"--fresh: not restoring; checkpoints in {savedir} will be replaced")
            try:
                replaced = checkpoints.latest(savedir, tf, owner)
            except checkpoints.CheckpointError:  # an index TensorFlow cannot use: left alone
                replaced = None
            if replaced:
                checkpoints.adopt(saver, replaced)
        else:
            kpt = checkpoints.latest(savedir, tf, owner)
        print("kpt:", kpt)

        costs = {}

        def train_stage(sess, stage, make_batch, train_op, stage_cost, feeds):
            """The tutorial's epoch loop, shared by the four stages. make_batch() returns the
            values of `feeds` for the next batch and runs one batch ahead in a background thread
            (input_data.prefetch). Each step is the tutorial's
            sess.run([train_op, stage_cost], feed_dict=...), as a callable made once per stage so
            that fetches and feeds are not parsed again at every step. Saves after every epoch."""
            step = sess.make_callable([train_op, stage_cost], feeds)
            name = STAGES[stage - 1]
            costs[name] = []
            batches = input_data.prefetch(make_batch, training_epochs * num_batch)
            for epoch in range(training_epochs):
                total_cost = 0.0
                for i in range(num_batch):
                    total_cost += step(*next(batches))[1]
                costs[name].append(total_cost / num_batch)
                log.scalar(f"stage{stage}_{name.replace(' ', '_')}/cost", costs[name][-1],
                           epoch + 1)
                if epoch % display_epoch == 0:
                    print('Epoch {0}/{1}  average cost {2}'.format(
                        epoch, training_epochs, total_cost / num_batch))
                checkpoints.save(saver, sess, os.path.join(savedir, savefile), epoch, savedir, tf,
                                 owner)
                if progress:
                    progress(f"stage {stage}/4 {name}", epoch + 1, training_epochs)
            print('训练完成')  # "training done"

        def start_stage(sess, stage):
            sess.run(tf.global_variables_initializer())
            if carry_weights and stage > 1:
                checkpoints.restore(saver, sess, checkpoints.latest(savedir, tf, owner), savedir,
                                    tf, owner)

        # Stage 1: the denoising autoencoder, from the latest checkpoint if there is one.
        with tf.Session() as sess:
            start_stage(sess, 1)
            if kpt is not None:
                checkpoints.restore(saver, sess, kpt, savedir, tf, owner)
                checkpoints.adopt(saver, kpt)  # the first save replaces it (max_to_keep=1)
            print('网络第一层 开始训练')  # "layer 1: training starts"

            def noisy_batch():
                batch_x, batch_y = mnist.train.next_batch(batch_size)
                # x~ = x + 0.3 * N(0, 1): the tutorial's noise, same stream, same values.
                return input_data.add_noise(batch_x, 0.3), batch_x, 0.5

            train_stage(sess, 1, noisy_batch, l1_optm, l1_cost, [x, y, keep_prob])
            test_noisy = mnist.test.images[:show_num] + 0.3 * np.random.randn(show_num, 784)
            reconstruction = sess.run(l1_reconstruction, feed_dict={x: test_noisy, keep_prob: 1.0})
            figures.show_image_rows((mnist.test.images, test_noisy, reconstruction),
                                    [(28, 28)] * 3, show_num)

        # Stage 2: the autoencoder on layer-1 features. Layer 1 is not trained here (l2_optm
        # trains network 2 only), so the tutorial's per-batch sess.run(l1_h1) gives the same rows
        # as computing h1 once for the whole training set and looking each batch up in it.
        with tf.Session() as sess:
            start_stage(sess, 2)
            print('网络第二层 开始训练')  # "layer 2: training starts"
            train_l1_out = sess.run(l1_h1, feed_dict={x: mnist.train.stored_images,
                                                      keep_prob: 1.0})

            def feature_batch():
                l1_out = train_l1_out[mnist.train.next_batch_indices(batch_size)]
                return l1_out, l1_out

            train_stage(sess, 2, feature_batch, l2_optm, l2_cost, [l2x, l2y])
            testvec = mnist.test.images[:show_num]
            l1_out = sess.run(l1_h1, feed_dict={x: testvec, keep_prob: 1.0})
            reconstruction = sess.run(l2_reconstruction, feed_dict={l2x: l1_out})
            figures.show_image_rows((testvec, l1_out, reconstruction),
                                    [(28, 28), (16, 16), (16, 16)], show_num)

        # Stage 3: the softmax on layer-2 features, then the stacked network's test accuracy.
        # Layers 1 and 2 are fixed here, so their features are computed once, as in stage 2.
        with tf.Session() as sess:
            start_stage(sess, 3)
            print('网络第三层 开始训练')  # "layer 3: training starts"
            train_l1_out = sess.run(l1_h1, feed_dict={x: mnist.train.stored_images,
                                                      keep_prob: 1.0})
            train_l2_out = sess.run(l2_h1, feed_dict={l2x: train_l1_out})

            def softmax_batch():
                picked = mnist.train.next_batch_indices(batch_size)
                return train_l2_out[picked], mnist.train.stored_labels[picked]

            train_stage(sess, 3, softmax_batch, l3_optm, l3_cost, [l3x, l3y])
            correct_prediction = tf.equal(tf.argmax(logits, 1), tf.argmax(l3y, 1))
            accuracy = tf.reduce_mean(tf.cast(correct_prediction, dtype=tf.float32))
            before = accuracy.eval({x: mnist.test.images, l3y: mnist.test.labels})
            print('Accuracy:', before)
            log.scalar('test/accuracy_before_finetuning', before, training_epochs)

        # Stage 4: fine-tune the cascade end to end on the labels.
        with tf.Session() as sess:
            start_stage(sess, 4)
            print('级联微调 开始训练')  # "cascade fine-tuning: training starts"

            train_stage(sess, 4, lambda: mnist.train.next_batch(batch_size), optm, cost, [x, l3y])
            after = accuracy.eval({x: mnist.test.images, l3y: mnist.test.labels})
            print('Accuracy:', after)
            log.scalar('test/accuracy_after_finetuning', after, training_epochs)

    return StackedResult(epochs=epochs, seed=seed, carry_weights=carry_weights,
                         accuracy_before_finetuning=float(before),
                         accuracy_after_finetuning=float(after), costs=costs, restored_from=kpt)

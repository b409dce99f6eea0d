"""Variant (a) of the benchmark: the tutorial ported by hand with no tuning, as a user would do it.

`import tensorflow.compat.v1 as tf` with `tf.disable_v2_behavior()`, and a minimal MNIST
`DataSet` with TF 1.x's semantics that reshuffles by copying the training arrays, as TF 1.x
did. The training loops are the tutorial's, with timers around each part of a step: batching,
noise, `sess.run`, checkpoint saving and the figures. Run by `benchmark.py`, one variant per
process.
"""
import collections
import os
import tempfile
import time

import matplotlib
import numpy as np
import tensorflow.compat.v1 as tf

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend

from legacy_sae import input_data

tf.disable_v2_behavior()


class CopyingDataSet:
    """TF 1.x's DataSet reduced to what the tutorial uses, reshuffling by copying."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.num_examples = len(images)
        self._index, self._epochs = 0, 0

    def _shuffle(self):
        perm = np.arange(self.num_examples)
        np.random.shuffle(perm)
        self.images, self.labels = self.images[perm], self.labels[perm]

    def next_batch(self, batch_size):
        start = self._index
        if self._epochs == 0 and start == 0:
            self._shuffle()
        if start + batch_size > self.num_examples:
            self._epochs += 1
            rest = self.images[start:], self.labels[start:]
            self._shuffle()
            self._index = batch_size - len(rest[0])
            return (np.concatenate((rest[0], self.images[:self._index])),
                    np.concatenate((rest[1], self.labels[:self._index])))
        self._index += batch_size
        return self.images[start:self._index], self.labels[start:self._index]


def load_mnist():
    folder = input_data.BUNDLED_DIR
    images = input_data.extract_images(os.path.join(folder, input_data.TRAIN_IMAGES))
    labels = input_data.extract_labels(os.path.join(folder, input_data.TRAIN_LABELS), one_hot=True)
    test = input_data.extract_images(os.path.join(folder, input_data.TEST_IMAGES))
    test_labels = input_data.extract_labels(os.path.join(folder, input_data.TEST_LABELS),
                                            one_hot=True)

    def scale(x):
        return x.reshape(len(x), 784).astype(np.float32) * (1.0 / 255.0)

    return CopyingDataSet(scale(images[5000:]), labels[5000:]), scale(test), test_labels


class Timers:
    """Seconds spent per (stage, part)."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)

    def timed(self, stage, part, function, *args):
        start = time.perf_counter()
        value = function(*args)
        self.seconds[f"{stage}/{part}"] += time.perf_counter() - start
        return value


def dense(x, w, b):
    return tf.nn.sigmoid(tf.add(tf.matmul(x, w), b))


def run_dae(epochs, timers):
    train, test_images, _ = load_mnist()
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 784])
    keep_prob = tf.placeholder(tf.float32)
    w = [tf.Variable(tf.random_normal(s, stddev=0.1)) for s in ([784, 256], [256, 256], [256, 784])]
    b = [tf.Variable(tf.zeros([n])) for n in (256, 256, 784)]
    h1 = tf.nn.dropout(dense(x, w[0], b[0]), keep_prob)
    h2 = tf.nn.dropout(dense(h1, w[1], b[1]), keep_prob)
    pred = dense(h2, w[2], b[2])
    cost = tf.reduce_mean((pred - y) ** 2)
    train_op = tf.train.AdamOptimizer(0.01).minimize(cost)
    num_batch = int(np.ceil(train.num_examples / 256))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(epochs * num_batch):
            batch_x, _ = timers.timed("dae", "batching", train.next_batch, 256)
            noisy = timers.timed("dae", "noise",
                                 lambda: batch_x + 0.3 * np.random.randn(256, 784))
            timers.timed("dae", "sess.run", sess.run, [train_op, cost],
                         {x: noisy, y: batch_x, keep_prob: 1.0})


def run_stacked(epochs, timers):
    train, test_images, test_labels = load_mnist()
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 784])
    keep_prob = tf.placeholder(tf.float32)
    l2x = tf.placeholder(tf.float32, [None, 256])
    l3x = tf.placeholder(tf.float32, [None, 128])
    l3y = tf.placeholder(tf.float32, [None, 10])

    def variable(*shape):
        return tf.Variable(tf.truncated_normal(list(shape), stddev=0.1))

    def zeros(n):
        return tf.Variable(tf.zeros([n]))

    w1, w2, w3 = variable(784, 256), variable(256, 256), variable(256, 784)
    v1, v2, v3 = variable(256, 128), variable(128, 128), variable(128, 256)
    wout = variable(128, 10)
    b1, b2, b3, c1, c2, c3, bout = (zeros(256), zeros(256), zeros(784), zeros(128), zeros(128),
                                    zeros(256), zeros(10))
    l1_h1 = dense(x, w1, b1)
    l1_rec = dense(tf.nn.dropout(dense(tf.nn.dropout(l1_h1, keep_prob), w2, b2), keep_prob), w3, b3)
    l1_cost = tf.reduce_mean((l1_rec - y) ** 2)
    l2_h1 = dense(l2x, v1, c1)
    l2_rec = dense(dense(l2_h1, v2, c2), v3, c3)
    l2_cost = tf.reduce_mean((l2_rec - l2x) ** 2)
    l3_cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
        logits=tf.add(tf.matmul(l3x, wout), bout), labels=l3y))
    logits = tf.add(tf.matmul(dense(l1_h1, v1, c1), wout), bout)
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=l3y))
    optimizers = [tf.train.AdamOptimizer(0.01).minimize(c) for c in (l1_cost, l2_cost, l3_cost, cost)]
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(l3y, 1)), tf.float32))
    saver = tf.train.Saver(max_to_keep=1)
    savedir = tempfile.mkdtemp(prefix="plain-port-")
    num_batch = int(np.ceil(train.num_examples / 256))

    def stage1(sess, batch_x, batch_y):
        noisy = timers.timed("stage 1", "noise", lambda: batch_x + 0.3 * np.random.randn(256, 784))
        timers.timed("stage 1", "sess.run", sess.run, [optimizers[0], l1_cost],
                     {x: noisy, y: batch_x, keep_prob: 0.5})

    def stage2(sess, batch_x, batch_y):
        out = timers.timed("stage 2", "sess.run", sess.run, l1_h1, {x: batch_x})
        timers.timed("stage 2", "sess.run", sess.run, [optimizers[1], l2_cost], {l2x: out})

    def stage3(sess, batch_x, batch_y):
        out = timers.timed("stage 3", "sess.run", sess.run, l1_h1, {x: batch_x})
        out = timers.timed("stage 3", "sess.run", sess.run, l2_h1, {l2x: out})
        timers.timed("stage 3", "sess.run", sess.run, [optimizers[2], l3_cost],
                     {l3x: out, l3y: batch_y})

    def stage4(sess, batch_x, batch_y):
        timers.timed("stage 4", "sess.run", sess.run, [optimizers[3], cost],
                     {x: batch_x, l3y: batch_y})

    def show_figure(sess, number, images):
        """The tutorial's 3 x 10 figure after stages 1 and 2, saved as a PNG."""
        images = images[:10]
        if number == 1:
            noisy = images + 0.3 * np.random.randn(10, 784)
            rows = [images, noisy, sess.run(l1_rec, {x: noisy, keep_prob: 1.0})]
        else:
            features = sess.run(l1_h1, {x: images})
            rows = [images, features, sess.run(l2_rec, {l2x: features})]
        plt.figure(figsize=(10, 2))
        for i in range(10):
            for row, values in enumerate(rows):
                plt.subplot(3, 10, i + 10 * row + 1)
                side = int(np.sqrt(values.shape[1]))
                plt.imshow(np.reshape(values[i], (side, side)), cmap='gray')
                plt.axis('off')
        plt.savefig(os.path.join(savedir, f"figure-{number}.png"))
        plt.close()

    accuracies = []
    for number, step in enumerate((stage1, stage2, stage3, stage4), start=1):
        stage = f"stage {number}"
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(epochs):
                for _ in range(num_batch):
                    step(sess, *timers.timed(stage, "batching", train.next_batch, 256))
                timers.timed(stage, "saving", saver.save, sess,
                             os.path.join(savedir, "model.cpkt"), epoch)
            if number <= 2:
                timers.timed(stage, "figure", show_figure, sess, number, test_images)
            if number >= 3:
                accuracies.append(float(sess.run(accuracy, {x: test_images, l3y: test_labels})))
    return accuracies

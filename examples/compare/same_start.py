"""Stage 1 of the stacked listing, then a softmax on its first layer, from the same start on any
engine: TF1-era code whose every random number comes from numpy with a fixed seed (the weights as
tf.truncated_normal(stddev=0.1) draws them, the noise, the batches in file order, no dropout), so
that what it prints depends only on the engine's arithmetic.

    legacy-sae compare examples/compare/same_start.py --tf 1.8.0 --runs 3

Equal digits at the first step say that the engines compute the same ops; where and how fast the
digits part later shows how rounding grows through training.
"""
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
rng = np.random.RandomState(0)
batch_size, steps = 256, 200  # 200 batches: 51,200 of the 55,000 images, once


def truncated_normal(shape, stddev=0.1):
    """tf.truncated_normal's distribution, drawn by numpy: redraw every value beyond 2 sd."""
    values = rng.randn(*shape)
    while (np.abs(values) > 2).any():
        outside = np.abs(values) > 2
        values[outside] = rng.randn(outside.sum())
    return (stddev * values).astype(np.float32)


x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 784])
labels = tf.placeholder(tf.float32, [None, 10])
w1 = tf.Variable(truncated_normal([784, 256]))
w2 = tf.Variable(truncated_normal([256, 256]))
w_out = tf.Variable(truncated_normal([256, 784]))
w_softmax = tf.Variable(truncated_normal([256, 10]))
b1, b2 = tf.Variable(tf.zeros([256])), tf.Variable(tf.zeros([256]))
b_out, b_softmax = tf.Variable(tf.zeros([784])), tf.Variable(tf.zeros([10]))

h1 = tf.nn.sigmoid(tf.add(tf.matmul(x, w1), b1))
h2 = tf.nn.sigmoid(tf.add(tf.matmul(h1, w2), b2))
reconstruction = tf.nn.sigmoid(tf.add(tf.matmul(h2, w_out), b_out))
cost = tf.reduce_mean((reconstruction - y) ** 2)
train = tf.train.AdamOptimizer(0.01).minimize(cost)

logits = tf.add(tf.matmul(h1, w_softmax), b_softmax)
softmax_cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits,
                                                                      labels=labels))
train_softmax = tf.train.AdamOptimizer(0.01).minimize(softmax_cost,
                                                      var_list=[w_softmax, b_softmax])
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

images, targets = mnist.train.images, mnist.train.labels
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(steps):
        batch = images[step * batch_size:(step + 1) * batch_size]
        noisy = batch + 0.3 * rng.randn(batch_size, 784)
        _, loss = sess.run([train, cost], {x: noisy, y: batch})
        if step + 1 in (1, 2, 3, 10, 30, 100, 200):
            print('Autoencoder step {} cost {:.9g}'.format(step + 1, loss))
    for step in range(steps):
        window = slice(step * batch_size, (step + 1) * batch_size)
        feed = {x: images[window], labels: targets[window]}
        _, loss = sess.run([train_softmax, softmax_cost], feed)
        if step + 1 in (1, 200):
            print('Softmax step {} cost {:.9g}'.format(step + 1, loss))
    print('Test accuracy {:.4f}'.format(sess.run(accuracy, {x: mnist.test.images,
                                                            labels: mnist.test.labels})))

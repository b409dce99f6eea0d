"""An LSTM that reads an MNIST digit row by row, in TF 0.x's spelling: rnn_cell and rnn.rnn
imported from tensorflow.python.ops, the rows split off with the axis first, and the sparse
cross-entropy called with the logits first."""
import numpy as np
import tensorflow as tf
from tensorflow.python.ops import rnn, rnn_cell
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=False)
tf.set_random_seed(2)
np.random.seed(2)
steps, rows, hidden = 28, 28, 32

x = tf.placeholder(tf.float32, [None, steps, rows])
y = tf.placeholder(tf.int64, [None])
inputs = tf.transpose(x, [1, 0, 2])
inputs = tf.reshape(inputs, [-1, rows])
inputs = tf.split(0, steps, inputs)

cell = rnn_cell.BasicLSTMCell(hidden, forget_bias=1.0)
outputs, state = rnn.rnn(cell, inputs, dtype=tf.float32)
weights = tf.Variable(tf.random_normal([hidden, 10], stddev=0.1))
biases = tf.Variable(tf.zeros([10]))
logits = tf.matmul(outputs[-1], weights) + biases
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits, y))
train = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
flipped = tf.reverse(tf.constant([[1, 2, 3]]), [False, True])

with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())
    for step in range(120):
        batch_x, batch_y = mnist.train.next_batch(64)
        sess.run(train, {x: batch_x.reshape(-1, steps, rows), y: batch_y})
    test_x = mnist.test.images[:500].reshape(-1, steps, rows)
    print('outputs', len(outputs), 'flipped', sess.run(flipped).tolist())
    print('test accuracy', sess.run(accuracy, {x: test_x, y: mnist.test.labels[:500]}))

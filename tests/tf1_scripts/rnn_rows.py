"""An LSTM that reads each digit one pixel row at a time, with tf.contrib.rnn."""
import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
tf.set_random_seed(7)
steps, row, hidden = 28, 28, 64

x = tf.placeholder(tf.float32, [None, steps, row])
y = tf.placeholder(tf.float32, [None, 10])
weights = tf.Variable(tf.random_normal([hidden, 10]))
biases = tf.Variable(tf.random_normal([10]))

cell = rnn.BasicLSTMCell(hidden, forget_bias=1.0)
outputs, states = rnn.static_rnn(cell, tf.unstack(x, steps, 1), dtype=tf.float32)
logits = tf.matmul(outputs[-1], weights) + biases
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
train_op = tf.train.AdamOptimizer(0.005).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

# The other RNN drivers of TF1 code, on a multi-layer and a bidirectional cell.
with tf.variable_scope('dynamic'):
    stacked = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.GRUCell(16) for _ in range(2)])
    dynamic_out, _ = tf.nn.dynamic_rnn(stacked, x, dtype=tf.float32)
with tf.variable_scope('bidirectional'):
    (forward, backward), _ = tf.nn.bidirectional_dynamic_rnn(
        rnn.LSTMCell(8), rnn.LSTMCell(8), x, dtype=tf.float32)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(300):
        batch_x, batch_y = mnist.train.next_batch(128)
        sess.run(train_op, {x: batch_x.reshape(-1, steps, row), y: batch_y})
    test_x = mnist.test.images[:2000].reshape(-1, steps, row)
    print('test accuracy %.4f' % sess.run(accuracy, {x: test_x, y: mnist.test.labels[:2000]}))
    shapes = sess.run([tf.shape(dynamic_out), tf.shape(forward), tf.shape(backward)],
                      {x: test_x[:3]})
    print('dynamic', shapes[0].tolist(), 'bidirectional', shapes[1].tolist(), shapes[2].tolist())

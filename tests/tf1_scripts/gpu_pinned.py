"""Softmax regression on a graph pinned to the first GPU, as many TF1 examples were."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=True)

with tf.device('/gpu:0'):
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    logits = tf.matmul(x, W) + b
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
with tf.device('/device:GPU:1'):
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)),
                                      tf.float32))

config = tf.ConfigProto(log_device_placement=False)
with tf.Session(config=config) as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(200):
        batch_x, batch_y = mnist.train.next_batch(100)
        sess.run(train_op, {x: batch_x, y: batch_y})
    print('test accuracy %.4f' % sess.run(accuracy, {x: mnist.test.images,
                                                     y: mnist.test.labels}))

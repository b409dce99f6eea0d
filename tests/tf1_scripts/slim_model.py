"""A model in TF-Slim's style: arg_scope, slim layers, contrib.layers initializers,
regularizers and batch norm, and contrib.framework's global step."""
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
tf.set_random_seed(11)

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
is_training = tf.placeholder(tf.bool, [])

with slim.arg_scope([slim.conv2d, slim.fully_connected],
                    weights_initializer=tf.contrib.layers.xavier_initializer(),
                    weights_regularizer=tf.contrib.layers.l2_regularizer(1e-4)):
    net = slim.conv2d(tf.reshape(x, [-1, 28, 28, 1]), 16, [5, 5], scope='conv1')
    net = slim.max_pool2d(net, [2, 2], scope='pool1')
    net = tf.contrib.layers.flatten(net)
    net = slim.fully_connected(net, 64, normalizer_fn=tf.contrib.layers.batch_norm,
                               normalizer_params={'is_training': is_training, 'decay': 0.9},
                               scope='fc1')
    logits = slim.fully_connected(net, 10, activation_fn=None, scope='logits')

global_step = tf.contrib.framework.get_or_create_global_step()
loss = tf.losses.softmax_cross_entropy(y, logits) + tf.losses.get_regularization_loss()
with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=global_step)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(200):
        batch_x, batch_y = mnist.train.next_batch(64)
        sess.run(train_op, {x: batch_x, y: batch_y, is_training: True})
    print('model variables', len(slim.get_model_variables()))
    print('global step', sess.run(global_step))
    print('test accuracy %.4f' % sess.run(accuracy, {x: mnist.test.images[:2000],
                                                     y: mnist.test.labels[:2000],
                                                     is_training: False}))

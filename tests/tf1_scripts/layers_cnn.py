"""A small convolutional network written with tf.layers, TF 1.x's layer functions."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=False)
tf.set_random_seed(5)

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.int64, [None])
training = tf.placeholder_with_default(False, [])

net = tf.reshape(x, [-1, 28, 28, 1])
net = tf.layers.conv2d(net, 16, 5, padding='same', activation=tf.nn.relu)
net = tf.layers.max_pooling2d(net, 2, 2)
net = tf.layers.conv2d(net, 32, 5, padding='same', activation=tf.nn.relu)
net = tf.layers.max_pooling2d(net, 2, 2)
net = tf.layers.flatten(net)
net = tf.layers.dense(net, 128, activation=tf.nn.relu)
net = tf.layers.dropout(net, rate=0.3, training=training)
logits = tf.layers.dense(net, 10)

loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(250):
        batch_x, batch_y = mnist.train.next_batch(64)
        sess.run(train_op, {x: batch_x, y: batch_y, training: True})
    print('kernel shapes', [v.shape.as_list() for v in tf.trainable_variables()
                            if 'kernel' in v.name])
    test_accuracy = sess.run(accuracy, {x: mnist.test.images[:2000], y: mnist.test.labels[:2000]})
    print('test accuracy %.4f' % test_accuracy)

"""An autoencoder with a 3-unit code, drawn in 3-D with Axes3D(fig) as matplotlib before 3.4
allowed; its layers and loss come from a helper module in TF 0.x's spelling."""
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from mpl_toolkits.mplot3d import Axes3D
from tensorflow.examples.tutorials.mnist import input_data
from tf0_libs import utils

mnist = input_data.read_data_sets('MNIST-data', one_hot=False)
tf.set_random_seed(4)

x = tf.placeholder(tf.float32, [None, 784])
hidden = tf.nn.sigmoid(utils.dense(x, 64, 'encoder1'))
codes = utils.dense(hidden, 3, 'code')
decoded = utils.dense(tf.nn.sigmoid(utils.dense(codes, 64, 'decoder1')), 784, 'decoder2')
loss = utils.reconstruction_loss(decoded, x)
train = tf.train.AdamOptimizer(0.01).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())
    first = sess.run(loss, {x: mnist.test.images[:500]})
    for step in range(150):
        sess.run(train, {x: mnist.train.next_batch(100)[0]})
    last, points = sess.run([loss, utils.centred(codes)], {x: mnist.test.images[:500]})
print('loss %.4f -> %.4f' % (first, last))

fig = plt.figure()
ax = Axes3D(fig)
ax.scatter(points[:, 0], points[:, 1], points[:, 2], c=mnist.test.labels[:500], cmap='tab10')
plt.show()

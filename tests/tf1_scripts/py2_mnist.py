"""A Python 2 MNIST script of the TF1 era: print statements, xrange, dict.iteritems(), integer
division, print >>f, cPickle, and a pickle written by Python 2 (the path in argv[1])."""
import cPickle
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

digit = cPickle.load(open(sys.argv[1]))
print 'python 2 pickle: %d pixels, sum %.3f' % (digit.size, digit.sum() / 255.0)

mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
tf.set_random_seed(1)
examples, batch_size = 1000, 64
batches = examples / batch_size
print 'batches per epoch', batches, 'mean pixel', digit.sum() / digit.size

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
logits = tf.matmul(x, W)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

history = {}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in xrange(2):
        for i in xrange(batches):
            sess.run(train, {x: mnist.train.images[i * batch_size:(i + 1) * batch_size],
                             y: mnist.train.labels[i * batch_size:(i + 1) * batch_size]})
        history[epoch] = sess.run(loss, {x: mnist.train.images[:examples],
                                         y: mnist.train.labels[:examples]})
    for epoch, value in sorted(history.iteritems()):
        print 'epoch', epoch, 'loss %.4f' % value
    print >>sys.stderr, 'training done'
    result = sess.run(accuracy, {x: mnist.test.images[:500], y: mnist.test.labels[:500]})
with open('py2-result.pkl', 'w') as stream:
    cPickle.dump({'accuracy': float(result)}, stream)
print 'test accuracy', cPickle.load(open('py2-result.pkl'))['accuracy']

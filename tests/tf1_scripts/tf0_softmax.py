"""Softmax regression on MNIST with summaries, as TF 0.x (late 2016) wrote it, before TF 1.0
renamed tf.mul, the *_summary functions and SummaryWriter and reordered concat, split and the
cross-entropy functions."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
tf.set_random_seed(3)

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
# the image as its top and bottom halves, put back together: split and concat, axis first
top, bottom = tf.split(0, 2, tf.transpose(x))
x_again = tf.transpose(tf.concat(0, [top, bottom]))

W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.add(tf.matmul(x_again, W), tf.mul(b, 1.0))
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits, y_))
weight_penalty = tf.mul(0.0001, tf.reduce_sum(tf.square(W), reduction_indices=[0, 1]))
loss = tf.add(cross_entropy, weight_penalty)
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
tf.scalar_summary('cross_entropy', cross_entropy)
tf.histogram_summary('weights', W)
merged = tf.merge_all_summaries()

sess = tf.Session()
writer = tf.train.SummaryWriter('tf0-logs', sess.graph)
sess.run(tf.initialize_all_variables())
for step in range(150):
    batch_xs, batch_ys = mnist.train.next_batch(50)
    summary, _ = sess.run([merged, train_step], feed_dict={x: batch_xs, y_: batch_ys})
    writer.add_summary(summary, step)
writer.close()
pair = tf.pack([tf.constant([1, 2]), tf.constant([3, 4])])
print('packed', sess.run(tf.unpack(pair, axis=1)[1]).tolist())
print('test accuracy', sess.run(accuracy, feed_dict={x: mnist.test.images[:500],
                                                     y_: mnist.test.labels[:500]}))

"""`tensorflow.examples.tutorials.mnist.mnist`: the model functions of TF 1.x's feed tutorial.

TF 1.x's "TensorFlow Mechanics 101" (`fully_connected_feed.py`) built its graph from this module:
`inference` makes a 784-h1-h2-10 network of ReLU layers, `loss` its cross-entropy, `training` a
gradient-descent step that counts the global step, `evaluation` the number of correct
predictions. Written for legacy-sae from that documented interface: the same signatures, name
scopes (`hidden1`, `hidden2`, `softmax_linear`), variable names (`weights`, `biases`), initial
values, the `loss` summary and the global step, so that scripts and checkpoints written against
it keep working.
"""
import math

from legacy_sae import compat

NUM_CLASSES = 10
IMAGE_SIZE = 28
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE


def _fully_connected(inputs, inputs_size, units, scope, activation=None):
    """One layer in name scope `scope`: activation(inputs . weights + biases).

    weights ~ N(0, 1/inputs_size) truncated at 2 sd, so each unit's pre-activation starts with
    about unit variance for unit-variance inputs; biases start at zero."""
    tf = compat.tf1()
    with tf.name_scope(scope):
        weights = tf.Variable(
            tf.truncated_normal([inputs_size, units], stddev=1.0 / math.sqrt(float(inputs_size))),
            name="weights")
        biases = tf.Variable(tf.zeros([units]), name="biases")
        output = tf.matmul(inputs, weights) + biases
        return output if activation is None else activation(output)


def inference(images, hidden1_units, hidden2_units):
    """The logits of a 784-hidden1-hidden2-10 ReLU network for `images` [batch, IMAGE_PIXELS]."""
    tf = compat.tf1()
    hidden1 = _fully_connected(images, IMAGE_PIXELS, hidden1_units, "hidden1", tf.nn.relu)
    hidden2 = _fully_connected(hidden1, hidden1_units, hidden2_units, "hidden2", tf.nn.relu)
    return _fully_connected(hidden2, hidden2_units, NUM_CLASSES, "softmax_linear")


def loss(logits, labels):
    """Mean cross-entropy of softmax(logits) against class indices `labels` [batch]:
    -mean_i log softmax(logits_i)[labels_i]."""
    tf = compat.tf1()
    return tf.losses.sparse_softmax_cross_entropy(labels=tf.cast(labels, tf.int64),
                                                  logits=logits)


def training(loss, learning_rate):
    """The op for one gradient-descent step on `loss`, which also adds 1 to the global step
    (a non-trainable variable named `global_step`) and logs `loss` as a scalar summary."""
    tf = compat.tf1()
    tf.summary.scalar("loss", loss)
    global_step = tf.Variable(0, name="global_step", trainable=False)
    return tf.train.GradientDescentOptimizer(learning_rate).minimize(loss,
                                                                     global_step=global_step)


def evaluation(logits, labels):
    """The number of examples whose label is the top-scoring class, as an int32 scalar."""
    tf = compat.tf1()
    correct = tf.nn.in_top_k(logits, labels, 1)
    return tf.reduce_sum(tf.cast(correct, tf.int32))

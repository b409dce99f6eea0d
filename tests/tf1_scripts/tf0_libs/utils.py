"""The helper module of tf0_codes.py, in TF 0.x's spelling."""
import tensorflow as tf


def dense(inputs, size, name):
    with tf.variable_scope(name):
        weights = tf.get_variable('W', [inputs.get_shape()[1], size],
                                  initializer=tf.random_normal_initializer(stddev=0.1))
        biases = tf.get_variable('b', [size], initializer=tf.zeros_initializer)
        return tf.add(tf.matmul(inputs, weights), biases)


def reconstruction_loss(logits, targets):
    """Cross-entropy of the reconstruction, logits first as TF 0.x took them."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits, targets))


def centred(codes):
    return tf.sub(codes, tf.reduce_mean(codes, 0))

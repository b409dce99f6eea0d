"""The random numbers the two listings draw inside TensorFlow, summarised: the stacked listing's
tf.truncated_normal(stddev=0.1) weights and tf.nn.dropout(keep_prob=0.5) masks, and the DAE
listing's tf.random_normal(stddev=0.1) weights. Every run draws anew, so the figures vary;
`compare` says whether the two engines draw from the same distributions.

    legacy-sae compare examples/compare/random_draws.py --tf 1.8.0 --runs 8
"""
import numpy as np
import tensorflow as tf

weights = tf.truncated_normal(shape=[784, 256], stddev=0.1)
kept = tf.nn.dropout(tf.ones([1000, 256]), 0.5)
normal = tf.random_normal(shape=[784, 256], stddev=0.1)
with tf.Session() as sess:
    w, mask, n = sess.run([weights, kept, normal])
print('Weights mean {:.6f}'.format(w.mean()))
print('Weights sd {:.6f}'.format(w.std()))
print('Weights largest magnitude {:.6f}'.format(np.abs(w).max()))
print('Weights beyond one sd {:.6f}'.format(np.mean(np.abs(w) > 0.1)))
print('Dropout kept {:.6f}'.format(np.mean(mask > 0)))
print('Dropout kept value {:.6f}'.format(mask[mask > 0].mean()))
print('Normal weights mean {:.6f}'.format(n.mean()))
print('Normal weights sd {:.6f}'.format(n.std()))
print('Normal weights beyond two sd {:.6f}'.format(np.mean(np.abs(n) > 0.2)))

"""The random numbers the stacked listing draws inside TensorFlow, summarised: its weights'
tf.truncated_normal(stddev=0.1) and its tf.nn.dropout(keep_prob=0.5) masks. Every run draws
anew, so the figures vary; `compare` says whether the two engines draw from the same
distributions.

    legacy-sae compare examples/compare/random_draws.py --tf 1.8.0 --runs 8
"""
import numpy as np
import tensorflow as tf

weights = tf.truncated_normal(shape=[784, 256], stddev=0.1)
kept = tf.nn.dropout(tf.ones([1000, 256]), 0.5)
with tf.Session() as sess:
    w, mask = sess.run([weights, kept])
print('Weights mean {:.6f}'.format(w.mean()))
print('Weights sd {:.6f}'.format(w.std()))
print('Weights largest magnitude {:.6f}'.format(np.abs(w).max()))
print('Weights beyond one sd {:.6f}'.format(np.mean(np.abs(w) > 0.1)))
print('Dropout kept {:.6f}'.format(np.mean(mask > 0)))
print('Dropout kept value {:.6f}'.format(mask[mask > 0].mean()))

"""tf.contrib.rnn's projection and embedding wrappers with fixed weights and inputs (numpy's
RandomState(0)): every variable's name and shape, and the outputs and states of the wrapped RNNs,
printed so that
`legacy-sae compare` pairs them with real TensorFlow 1.x's. Each value is printed as 10 + value:
it is a sum of terms of order 1, so float32 rounds it by about 1e-7 absolute, and compare's
tolerance for equal figures is relative (1e-6); near zero a relative tolerance would call that
rounding a difference."""
import numpy as np
import tensorflow as tf

n_steps, n_inputs, n_neurons, n_outputs = 4, 3, 5, 2
X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
projected_out = tf.contrib.rnn.OutputProjectionWrapper(
    tf.contrib.rnn.BasicRNNCell(num_units=n_neurons), output_size=n_outputs)
outputs, states = tf.nn.dynamic_rnn(projected_out, X, dtype=tf.float32)
with tf.variable_scope("input_projection"):
    projected_in = tf.contrib.rnn.InputProjectionWrapper(
        tf.contrib.rnn.BasicLSTMCell(num_units=4), num_proj=6, activation=tf.tanh)
    in_outputs, in_states = tf.nn.dynamic_rnn(projected_in, X, dtype=tf.float32)
symbols = tf.placeholder(tf.int32, [None, n_steps])
with tf.variable_scope("embedded"):
    embedded = tf.contrib.rnn.EmbeddingWrapper(tf.contrib.rnn.GRUCell(num_units=3),
                                               embedding_classes=7, embedding_size=4)
    embedded_outputs, _ = tf.nn.static_rnn(embedded, tf.unstack(symbols, axis=1),
                                           dtype=tf.float32)

rng = np.random.RandomState(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for variable in sorted(tf.global_variables(), key=lambda v: v.name):
        shape = variable.shape.as_list()
        sess.run(variable.assign(rng.uniform(-1, 1, shape).astype(np.float32)))
        print("variable {} shape {}".format(variable.name, " x ".join(map(str, shape))))
    batch = rng.uniform(-1, 1, (2, n_steps, n_inputs)).astype(np.float32)
    words = rng.randint(0, 7, (2, n_steps))
    found = sess.run([outputs, states, in_outputs, in_states.c, in_states.h, embedded_outputs],
                     {X: batch, symbols: words})
    for name, values in zip(["output", "state", "lstm output", "lstm c", "lstm h",
                             "embedded gru output"], found):
        for index, value in np.ndenumerate(values):  # 0_1_2: no number, one line each
            print("{} {}, plus ten: {!r}".format(name, "_".join(map(str, index)),
                                                10 + float(value)))

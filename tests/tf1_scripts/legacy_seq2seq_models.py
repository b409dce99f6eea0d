"""tf.contrib.legacy_seq2seq's static models with fixed weights and inputs (numpy's
RandomState(0)): every variable's name and shape, the decoders' outputs and the sequence losses,
printed so that `legacy-sae compare` pairs them with real TensorFlow 1.x's. Values are printed as
10 + value (see rnn_projection.py: compare's tolerance for equal figures is relative)."""
import numpy as np
import tensorflow as tf

seq2seq = tf.contrib.legacy_seq2seq
steps, batch, depth, symbols = 3, 2, 4, 6
encoder_x = [tf.placeholder(tf.float32, [None, depth]) for _ in range(steps)]
decoder_x = [tf.placeholder(tf.float32, [None, depth]) for _ in range(steps)]
encoder_ids = [tf.placeholder(tf.int32, [None]) for _ in range(steps)]
decoder_ids = [tf.placeholder(tf.int32, [None]) for _ in range(steps)]
feed_previous = tf.placeholder(tf.bool, [])
weights = [tf.ones([batch]) * w for w in (1.0, 0.5, 0.25)]

basic, _ = seq2seq.basic_rnn_seq2seq(encoder_x, decoder_x, tf.contrib.rnn.GRUCell(5))
tied, _ = seq2seq.tied_rnn_seq2seq(encoder_x, decoder_x, tf.contrib.rnn.BasicRNNCell(4))
embedded, state = seq2seq.embedding_rnn_seq2seq(
    encoder_ids, decoder_ids, tf.contrib.rnn.GRUCell(5), symbols, symbols, 3)
fed_back, _ = seq2seq.embedding_rnn_seq2seq(
    encoder_ids, decoder_ids, tf.contrib.rnn.BasicLSTMCell(4), symbols, symbols, 3,
    feed_previous=feed_previous, scope="fed_back")
losses = seq2seq.sequence_loss_by_example(embedded, decoder_ids, weights)
loss = seq2seq.sequence_loss(embedded, decoder_ids, weights)

rng = np.random.RandomState(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for variable in sorted(tf.global_variables(), key=lambda v: v.name):
        shape = variable.shape.as_list()
        variable.load(rng.uniform(-1, 1, shape).astype(np.float32), sess)
        print("variable {} shape {}".format(variable.name, " x ".join(map(str, shape))))
    feed = {x: rng.uniform(-1, 1, (batch, depth)) for x in encoder_x + decoder_x}
    feed.update({ids: rng.randint(0, symbols, batch) for ids in encoder_ids + decoder_ids})
    for fed in (False, True):
        feed[feed_previous] = fed
        found = sess.run([basic, tied, embedded, fed_back, losses, loss], feed)
        for name, values in zip(["basic", "tied", "embedding", "fed back", "losses", "loss"],
                                found):
            for index, value in np.ndenumerate(np.asarray(values)):
                print("{} feed_previous={} {}, plus ten: {!r}".format(
                    name, fed, "_".join(map(str, index)), 10 + float(value)))

"""A trainer in the style of TF 1.x's feed tutorial: the tutorials package's `mnist` model
module, placeholders fed from `input_data`, summaries, a Saver, and flags for fake data."""
import argparse
import os

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
from tensorflow.examples.tutorials.mnist import mnist

parser = argparse.ArgumentParser()
parser.add_argument('--fake_data', action='store_true')
parser.add_argument('--max_steps', type=int, default=400)
parser.add_argument('--batch_size', type=int, default=100)
parser.add_argument('--log_dir', default='feed-logs')
FLAGS = parser.parse_args()

data_sets = input_data.read_data_sets('MNIST-data', FLAGS.fake_data)

with tf.Graph().as_default():
    tf.set_random_seed(3)
    images = tf.placeholder(tf.float32, shape=(None, mnist.IMAGE_PIXELS))
    labels = tf.placeholder(tf.int32, shape=(None,))
    logits = mnist.inference(images, 128, 32)
    loss = mnist.loss(logits, labels)
    train_op = mnist.training(loss, 0.1)
    correct = mnist.evaluation(logits, labels)
    summary = tf.summary.merge_all()
    saver = tf.train.Saver()

    with tf.Session() as sess:
        writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
        sess.run(tf.global_variables_initializer())
        for step in range(FLAGS.max_steps):
            batch_images, batch_labels = data_sets.train.next_batch(FLAGS.batch_size,
                                                                    FLAGS.fake_data)
            feed = {images: batch_images, labels: batch_labels}
            _, loss_value = sess.run([train_op, loss], feed_dict=feed)
            if step % 100 == 0:
                print('Step %d: loss = %.2f' % (step, loss_value))
                writer.add_summary(sess.run(summary, feed_dict=feed), step)
        saver.save(sess, os.path.join(FLAGS.log_dir, 'model.ckpt'), global_step=step)

        test = data_sets.test
        true_count = 0
        for _ in range(test.num_examples // FLAGS.batch_size):
            batch_images, batch_labels = test.next_batch(FLAGS.batch_size, FLAGS.fake_data)
            true_count += sess.run(correct, {images: batch_images, labels: batch_labels})
        print('Precision @ 1: %0.04f' % (true_count / test.num_examples))
        print('global step', tf.train.global_step(sess, tf.train.get_global_step()))
        print('variables', ' '.join(v.op.name for v in tf.trainable_variables()))

"""An Estimator-based classifier, as TF 1.x's high-level API wrote it."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST-data')
print('data loaded')


def make_classifier():
    columns = [tf.feature_column.numeric_column('x', shape=[784])]
    return tf.estimator.DNNClassifier(feature_columns=columns, hidden_units=[64], n_classes=10)


classifier = make_classifier()
classifier.train(input_fn=lambda: ({'x': mnist.train.images}, mnist.train.labels), steps=10)

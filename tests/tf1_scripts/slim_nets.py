"""tf.contrib.slim.nets as TF1-era notebooks used it (`from tensorflow.contrib.slim.nets import
inception`): Inception v3 and ResNet v2 50 built with their arg scopes, weights fixed by numpy's
RandomState(0) (scaled by 1/sqrt(fan-in); batch norm's moving statistics at mean 0, variance 1),
two fixed images through each. Printed: each net's variable count, parameter count, a digest of
every variable's name and shape (what a published checkpoint must match), its first and last
variables, and the top 5 classes of each image: what is the same in any engine that builds the
same net, whatever order float32 sums in."""
import hashlib

import numpy as np
import tensorflow as tf
from tensorflow.contrib import slim
from tensorflow.contrib.slim.nets import inception, resnet_v2

NETS = [("inception_v3", inception.inception_v3, inception.inception_v3_arg_scope, 299),
        ("resnet_v2_50", resnet_v2.resnet_v2_50, resnet_v2.resnet_arg_scope, 224)]
rng = np.random.RandomState(0)
for name, net, arg_scope, size in NETS:
    graph = tf.Graph()
    with graph.as_default():
        images = tf.placeholder(tf.float32, [None, size, size, 3])
        with slim.arg_scope(arg_scope()):
            logits, _ = net(images, num_classes=1001, is_training=False)
        variables = tf.global_variables()
        with tf.Session() as sess:
            for variable in variables:
                shape = variable.shape.as_list()
                if "moving_variance" in variable.name or "gamma" in variable.name:
                    value = np.ones(shape)
                elif "moving_mean" in variable.name or "beta" in variable.name \
                        or "biases" in variable.name:
                    value = np.zeros(shape)
                else:
                    value = rng.normal(0, 1 / np.sqrt(np.prod(shape[:-1])), shape)
                variable.load(value.astype(np.float32), sess)
            print("{}: {} variables, {} parameters".format(
                name, len(variables), sum(int(np.prod(v.shape.as_list())) for v in variables)))
            names = "\n".join("{} {}".format(v.op.name, v.shape.as_list()) for v in variables)
            print("{} variables digest {}".format(
                name, hashlib.sha256(names.encode()).hexdigest()[:16]))
            for variable in (variables[0], variables[-1]):
                print("{} variable {} shape {}".format(
                    name, variable.op.name, " x ".join(map(str, variable.shape.as_list()))))
            batch = rng.uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
            found = sess.run(logits, {images: batch}).reshape(2, -1)
            for image, row in enumerate(found):
                print("{} image {} top classes: {}".format(
                    name, image, " ".join(map(str, np.argsort(-row)[:5]))))

"""tf.keras.datasets.mnist.load_data() as 2018 code called it, beside the tutorials loader."""
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
for name, array in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test),
                    ("y_test", y_test)):
    print(name, array.shape, array.dtype, "pixel or label sum", int(array.sum(dtype=np.int64)))
print("first labels", y_train[:10].tolist())
mnist = input_data.read_data_sets("MNIST_data/", reshape=False)  # validation: the first 5000
images = np.concatenate([mnist.validation.images, mnist.train.images])
labels = np.concatenate([mnist.validation.labels, mnist.train.labels])


def as_bytes(scaled):  # input_data's images are the bytes times 1/255, in float32
    return np.rint(scaled[..., 0] * 255).astype(np.uint8)


print("the same training images as input_data's:", np.array_equal(as_bytes(images), x_train))
print("the same training labels:", np.array_equal(labels, y_train))
print("the same test images:", np.array_equal(as_bytes(mnist.test.images), x_test))

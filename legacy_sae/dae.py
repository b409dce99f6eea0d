"""Denoising autoencoder on MNIST: the tutorial's `dae_tutorial.py`, ported line for line.

A denoising autoencoder learns features that survive interference: it is trained to map a
corrupted input x~ = x + 0.3 * N(0, 1) back to the clean image x. Network 784-256-256-784,
sigmoid layers with dropout, mean squared error, Adam(0.01), 20 epochs of batches of 256.
Afterwards the tutorial shows ten test digits (original / noisy / reconstructed) and tests
robustness against another noise: 15 % of the pixels of one random test digit inverted
("salt and pepper"). It says training with keep_prob 0.5 instead of 1.0 filters noise better.

Kept from the tutorial, quirks included: the TF1 graph API, the global numpy random stream
shared by batching and noise, noise added in float64, the log every 2 epochs. Added: the
function returns what it measured (`DAEResult`), including reconstruction errors on all 10,000
test images, which the tutorial only showed as pictures.
"""
import dataclasses

import matplotlib.pyplot as plt
import numpy as np

from legacy_sae import compat, events, figures, input_data
from legacy_sae.checks import keep_probability, positive_int

# Noise for the 10,000-image evaluation comes from its own generator with a fixed seed, so it
# leaves the tutorial's random stream alone and every run is scored on the same inputs.
EVALUATION_SEED = 2018


@dataclasses.dataclass
class DAEResult:
    epochs: int
    keep_prob: float
    seed: int | None
    costs: list            # average training cost of every epoch
    gaussian_mse: float    # test MSE against clean images, input x + 0.3 N(0, 1)
    salt_pepper_mse: float  # test MSE against clean images, input with 15 % of pixels inverted


def salt_and_pepper(images, rate, rng):
    """Invert `rate` of the pixels of each image, drawn as the tutorial draws them: indices with
    replacement, each draw flipping its pixel, so a pixel drawn twice is flipped back."""
    noisy = images.copy()
    draws = rng.randint(images.shape[1], size=(images.shape[0], int(images.shape[1] * rate)))
    flips = np.zeros(images.shape, dtype=np.int64)
    np.add.at(flips, (np.arange(images.shape[0])[:, None], draws), 1)
    odd = flips % 2 == 1
    noisy[odd] = 1.0 - noisy[odd]
    return noisy


def denoising_auto_encoder(epochs=20, keep_prob=1.0, seed=None, data_dir=None, figures_dir=None,
                           progress=None, logdir=None):
    """Train and show the tutorial's denoising autoencoder; return its costs and test errors.

    epochs, keep_prob: the tutorial's training_epochs (20) and training keep_prob (1.0; it
        suggests 0.5). seed: numpy and TF graph seed, for a repeatable run; None, as the tutorial.
    data_dir: MNIST folder (None: the bundled copy). figures_dir: save figures there as PNG
        instead of showing them. progress: called as progress(stage, epoch, epochs) after each epoch.
    logdir: write TensorBoard events there (the graph, each epoch's cost, the test errors).
    """
    positive_int(epochs, "epochs")
    train_keep_prob = keep_probability(keep_prob)
    tf = compat.tf1()
    with figures.saved_to(figures_dir, "dae"):
        tf.reset_default_graph()
        if seed is not None:
            np.random.seed(seed)
            tf.set_random_seed(seed)
        mnist = input_data.tutorial_data_sets(data_dir)
        test_X = mnist.test.images
        test_Y = mnist.test.labels

        n_input = 784         # 输入节点数 input units
        n_hidden = 256        # 隐藏层节点个数 hidden units
        learning_rate = 0.01
        training_epochs = epochs
        batch_size = 256
        display_epoch = 2
        show_num = 10         # 显示的图片个数 digits shown

        input_x = tf.placeholder(dtype=tf.float32, shape=[None, n_input])  # noisy input x~
        input_y = tf.placeholder(dtype=tf.float32, shape=[None, n_input])  # clean target x
        keep_prob = tf.placeholder(dtype=tf.float32)

        weights = {
            'h1': tf.Variable(tf.random_normal(shape=[n_input, n_hidden], stddev=0.1)),
            'h2': tf.Variable(tf.random_normal(shape=[n_hidden, n_hidden], stddev=0.1)),
            'out': tf.Variable(tf.random_normal(shape=[n_hidden, n_input], stddev=0.1)),
        }
        biases = {
            'b1': tf.Variable(tf.zeros(shape=[n_hidden])),
            'b2': tf.Variable(tf.zeros(shape=[n_hidden])),
            'out': tf.Variable(tf.zeros(shape=[n_input])),
        }

        # h1 = sigmoid(x~ W1 + b1), h2 = sigmoid(h1 W2 + b2), each then dropped out with keep_prob;
        # the reconstruction z = sigmoid(h2 W_out + b_out) lies in (0, 1) like the pixels.
        h1 = tf.nn.sigmoid(tf.add(tf.matmul(input_x, weights['h1']), biases['b1']))
        h1 = tf.nn.dropout(h1, keep_prob)
        h2 = tf.nn.sigmoid(tf.add(tf.matmul(h1, weights['h2']), biases['b2']))
        h2 = tf.nn.dropout(h2, keep_prob)
        pred = tf.nn.sigmoid(tf.add(tf.matmul(h2, weights['out']), biases['out']))

        # cost = mean over batch and pixels of (z - x)^2: the clean image is the target.
        # tf.square is the tutorial's `** 2`, bit for bit with its gradient, without Pow's
        # general x^y kernel (1.3 ms of a 9 ms step).
        cost = tf.reduce_mean(tf.square(pred - input_y))
        train = tf.train.AdamOptimizer(learning_rate).minimize(cost)

        num_batch = int(np.ceil(mnist.train.num_examples / batch_size))
        costs = []

        def noisy_batch():
            batch_x, batch_y = mnist.train.next_batch(batch_size)
            # x~ = x + 0.3 * N(0, 1): the tutorial's noise, same stream, same values.
            return input_data.add_noise(batch_x, 0.3), batch_x

        with tf.Session() as sess, events.event_log(logdir, tf) as log:
            sess.run(tf.global_variables_initializer())
            print('开始训练')  # "training starts"
            # The next batch is drawn while this one trains, in the same order (see prefetch),
            # and the tutorial's sess.run([train, cost], feed_dict=...) is made a callable once,
            # so that fetches and feeds are not parsed again at every step.
            batches = input_data.prefetch(noisy_batch, training_epochs * num_batch)
            step = sess.make_callable([train, cost], [input_x, input_y, keep_prob])
            for epoch in range(training_epochs):
                total_cost = 0.0
                for i in range(num_batch):
                    batch_x_noise, batch_x = next(batches)
                    _, loss = step(batch_x_noise, batch_x, train_keep_prob)
                    total_cost += loss
                costs.append(total_cost / num_batch)
                log.scalar('denoising_autoencoder/cost', costs[-1], epoch + 1)
                if epoch % display_epoch == 0:
                    print('Epoch {0}/{1}  average cost {2}'.format(
                        epoch, training_epochs, total_cost / num_batch))
                if progress:
                    progress('denoising autoencoder', epoch + 1, training_epochs)
            print('训练完成')  # "training done"

            # Figure 1: original / noisy / reconstruction of the first ten test digits.
            test_noisy = mnist.test.images[:show_num] + 0.3 * np.random.randn(show_num, 784)
            reconstruction = sess.run(pred, feed_dict={input_x: test_noisy, keep_prob: 1.0})
            figures.show_image_rows((mnist.test.images, test_noisy, reconstruction),
                                    [(28, 28)] * 3, show_num)

            # Figure 2, robustness: another kind of noise, 15 % of one random digit's pixels
            # inverted. The tutorial leaves this figure open rather than calling plt.show().
            plt.figure(figsize=(2.4 * 3, 1 * 2))
            randidx = np.random.randint(test_X.shape[0], size=1)
            orgvec = test_X[randidx]
            label = np.argmax(test_Y[randidx], 1)
            # The tutorial's '%d' % (label) needs numpy 1.x; label[0] prints the same under 2.x.
            print('Label is %d' % (label[0]))
            print('Salt and Paper Noise')
            noisyvec = test_X[randidx]
            rate = 0.15
            noiseidx = np.random.randint(test_X.shape[1],
                                         size=int(test_X.shape[1] * rate)).astype(np.int32)
            for i in noiseidx:
                noisyvec[0, i] = 1.0 - noisyvec[0, i]
            outvec = sess.run(pred, feed_dict={input_x: noisyvec, keep_prob: 1.0})
            for column, (image, title) in enumerate(((orgvec, 'Original Image'),
                                                     (noisyvec, 'Input Image'),
                                                     (outvec, 'Reconstructed Image'))):
                plt.subplot(1, 3, column + 1)
                plt.imshow(np.reshape(image, (28, 28)), cmap='gray')
                plt.title(title)
                plt.axis('off')

            # Added: both noises on all 10,000 test digits, scored against the clean images.
            rng = np.random.RandomState(EVALUATION_SEED)
            gaussian = test_X + 0.3 * rng.randn(*test_X.shape)
            flipped = salt_and_pepper(test_X, rate, rng)
            errors = [sess.run(cost, feed_dict={input_x: noisy, input_y: test_X, keep_prob: 1.0})
                      for noisy in (gaussian, flipped)]
            log.scalar('test/gaussian_mse', errors[0], training_epochs)
            log.scalar('test/salt_pepper_mse', errors[1], training_epochs)

    return DAEResult(epochs=epochs, keep_prob=train_keep_prob, seed=seed, costs=costs,
                     gaussian_mse=float(errors[0]), salt_pepper_mse=float(errors[1]))

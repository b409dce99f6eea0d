"""MNIST loader with the public surface of TF 1.x's removed
`tensorflow.examples.tutorials.mnist.input_data`, working offline.

TF 1.x downloaded the four MNIST files into `train_dir` on first use. This module ships them
inside the package instead: a file missing from `train_dir` is copied there from the bundled copy.
Every file is checked before it is used (a complete gzip stream, the right IDX magic number, as
many bytes as its header says), so a run never trains on a damaged file; a valid IDX file that is
not the standard MNIST one, such as Fashion-MNIST under the same names, loads with one line
saying what it is (the checksum table `KNOWN_FILES`).

Behaviour kept from TF 1.x, because the tutorial's numbers depend on it:

* the first `validation_size` (5,000) training images form the validation set, the other
  55,000 the training set;
* images are float32 scaled to [0, 1] (`x / 255`), 784 wide when `reshape=True`;
* each `DataSet` seeds numpy's global generator when it is built, with TF 1.x's rule: the
  graph-level seed (`tf.set_random_seed`) or, when there is none, fresh entropy;
* `next_batch` shuffles before the first epoch and again at each epoch's end with
  `numpy.random.shuffle`, and a batch that crosses the end is the rest of the old epoch followed by
  the start of the new one.

Those are the rules of TF 1.2 to 1.15. Older releases drew batches otherwise (`NEXT_BATCH_RULES`);
`use_rules("0.x")` gives a TF 0.x script its own (`legacy-sae run --loader-rules 0.x`).

The shuffles permute an index, not the images: the batches and the random stream are those of
TF 1.x, without copying 172 MB of training images at every epoch.

Added for the ports, outside TF 1.x's surface: `tutorial_data_sets` (the listings' opening
lines), `DataSet.next_batch_indices` (a batch as indices into `stored_images`), `add_noise` (the
listings' noisy batch) and `prefetch` (the next batch drawn while the current one trains).
"""
import collections
import gzip
import hashlib
import os
import queue
import shutil
import tempfile
import threading
import zlib

import numpy as np

from legacy_sae.checks import LegacySAEError
from legacy_sae.compat.startup import import_tensorflow

tf = import_tensorflow()

BUNDLED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# The URL TF 1.x downloaded from; accepted for compatibility, never contacted.
DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

# IDX magic numbers: 0x0000 (always), 0x08 (unsigned bytes), then the number of dimensions.
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
MNIST_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# Known IDX files by the SHA-256 of their decompressed content, so that any faithful
# recompression matches: the files TF 1.x downloaded, Zalando Research's published .gz files,
# Debian's copies. Same four file names, same shapes.
KNOWN_FILES = {
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db": ("MNIST", TRAIN_IMAGES),
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5": ("MNIST", TRAIN_LABELS),
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7": ("MNIST", TEST_IMAGES),
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2": ("MNIST", TEST_LABELS),
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888":
        ("Fashion-MNIST", TRAIN_IMAGES),
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9":
        ("Fashion-MNIST", TRAIN_LABELS),
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b":
        ("Fashion-MNIST", TEST_IMAGES),
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34":
        ("Fashion-MNIST", TEST_LABELS),
}

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])

# How `DataSet` drew batches, by the TensorFlow release that brought each set of rules (read in
# the wheels' contrib/learn/python/learn/datasets/mnist.py): whether building one reseeds numpy,
# whether it shuffles before the first epoch, and whether a batch that crosses an epoch's end
# begins with the rest of the old epoch (else that rest is skipped).
NextBatchRules = collections.namedtuple("NextBatchRules",
                                        ["seeds_numpy", "shuffles_first_epoch", "keeps_rest"])
NEXT_BATCH_RULES = {
    "0.x": NextBatchRules(False, False, False),  # TF 0.x and 1.0
    "1.1": NextBatchRules(False, True, True),
    "1.2": NextBatchRules(True, True, True),     # 1.2 to 1.15: the tutorial's (TF 1.8)
}
DEFAULT_RULES = "1.2"
_rules = NEXT_BATCH_RULES[DEFAULT_RULES]


def check_rules(name):
    """A LegacySAEError naming the rules there are, for a name NEXT_BATCH_RULES lacks."""
    if name not in NEXT_BATCH_RULES:
        raise LegacySAEError(f"no loader rules {name!r}: choose one of "
                             f"{', '.join(NEXT_BATCH_RULES)}.")


def use_rules(name):
    """Data sets built from now on draw batches by the rules of NEXT_BATCH_RULES[name]."""
    global _rules
    check_rules(name)
    _rules = NEXT_BATCH_RULES[name]


class MNISTDataError(LegacySAEError):
    """An MNIST-style IDX file that is missing, damaged, or not the kind its name says."""


def maybe_download(filename, work_directory, source_url=DEFAULT_SOURCE_URL):
    """TF 1.x's download step, offline: the file in `work_directory`, or for the four MNIST files
    the bundled copy put there (`maybe_restore`). `source_url` is never contacted."""
    path = os.path.join(work_directory, filename)
    if os.path.exists(path) or filename in MNIST_FILES:
        return maybe_restore(filename, work_directory)
    raise MNISTDataError(
        f"No {filename} in {work_directory!r}, and legacy-sae downloads nothing: it bundles only "
        f"the four MNIST files. Put {filename} into that folder yourself.")


def maybe_restore(filename, train_dir):
    """Return the path of `filename` in `train_dir`, copying it from the bundled data if missing.

    This is where TF 1.x downloaded the file. An existing file is never replaced.
    """
    path = os.path.join(train_dir, filename)
    if os.path.exists(path):
        return path
    partial = None
    try:
        os.makedirs(train_dir, exist_ok=True)
        # Copy under a temporary name first, so an interrupted copy never looks like the file.
        handle, partial = tempfile.mkstemp(dir=train_dir, prefix=f".{filename}.")
        with os.fdopen(handle, "wb") as out, open(os.path.join(BUNDLED_DIR, filename), "rb") as src:
            shutil.copyfileobj(src, out)
        os.replace(partial, path)
    except OSError as err:
        if partial and os.path.exists(partial):
            os.remove(partial)
        raise MNISTDataError(
            f"Cannot put {filename} into the MNIST folder {train_dir!r} ({err.strerror or err}). "
            f"Pass a writable folder as train_dir (CLI: --data-dir), or copy the four MNIST "
            f"files into this one."
        ) from None
    print("Copied bundled", filename, os.path.getsize(path), "bytes into", train_dir,
          "(no download needed).")
    return path


def _read_source(source):
    """(name, bytes) of a path or of a binary file object, as TF 1.x's and older loaders took."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            return os.fspath(source), stream.read()
    return getattr(source, "name", repr(source)), source.read()


def read_idx(source, magic):
    """The decompressed content of a gzipped IDX file (a path or a binary file object), checked:
    a complete gzip stream, the `magic` number, and as many bytes as its header's sizes say.

    The standard MNIST files load silently. Any other structurally valid file loads after one
    line that says it is not the standard MNIST file, and what it was recognised as (Fashion-MNIST
    by its checksum), or that it matches no file in `KNOWN_FILES`."""
    name, packed = _read_source(source)
    print("Extracting", name)
    try:
        content = gzip.decompress(packed)
    except (OSError, EOFError, zlib.error) as err:
        raise MNISTDataError(
            f"{name} is not a complete gzip file ({err}): it is truncated or corrupted. "
            + _restore_hint(name)) from None
    found = int.from_bytes(content[:4], "big")
    if found != magic:
        raise MNISTDataError(
            f"Invalid magic number {found} in MNIST file {name} (expected {magic}): it is not the "
            f"kind of file its name says. " + _restore_hint(name))
    dimensions = magic & 0xFF
    shape = tuple(int(n) for n in np.frombuffer(content, dtype=">u4", count=dimensions, offset=4))
    expected = 4 + 4 * dimensions + int(np.prod(shape))
    if len(content) != expected:
        raise MNISTDataError(
            f"{name} holds {len(content)} bytes where its header ({' x '.join(map(str, shape))}) "
            f"says {expected}: it is truncated or damaged. " + _restore_hint(name))
    known = KNOWN_FILES.get(hashlib.sha256(content).hexdigest())
    if known is None:
        print(f"Note: {name} is not the standard MNIST file: a valid IDX file of shape "
              f"{shape} whose SHA-256 matches none of the known MNIST and Fashion-MNIST "
              f"files. Loading it as it is.")
    elif known[0] != "MNIST":
        print(f"Note: {name} is not the standard MNIST file: it is {known[0]}'s {known[1]} "
              f"(recognised by its SHA-256).")
    return content


def _restore_hint(name):
    hint = "Nothing was trained on it."
    if os.path.basename(name) in MNIST_FILES:
        hint = (f"Delete {name} and run again: legacy-sae puts its bundled copy of the file there. "
                + hint)
    return hint


def extract_images(f):
    """The images of a gzipped IDX3 file (a path or a binary file object) as a uint8 array
    [count, rows, cols, 1]."""
    content = read_idx(f, IMAGES_MAGIC)
    count, rows, cols = np.frombuffer(content, dtype=">u4", count=3, offset=4)
    # bytearray: a writable array, as TF 1.x returned.
    return np.frombuffer(bytearray(content), dtype=np.uint8, offset=16).reshape(count, rows, cols, 1)


def dense_to_one_hot(labels_dense, num_classes):
    """Class indices to one-hot rows (float64, as TF 1.x returned them)."""
    one_hot = np.zeros((labels_dense.shape[0], num_classes))
    one_hot[np.arange(labels_dense.shape[0]), labels_dense] = 1
    return one_hot


def extract_labels(f, one_hot=False, num_classes=10):
    """The labels of a gzipped IDX1 file (a path or a binary file object): uint8 class indices,
    or one-hot rows."""
    labels = np.frombuffer(bytearray(read_idx(f, LABELS_MAGIC)), dtype=np.uint8, offset=8)
    if one_hot and labels.size and labels.max() >= num_classes:
        raise MNISTDataError(f"Label {labels.max()} does not fit one-hot rows of {num_classes} "
                             f"classes: pass num_classes={labels.max() + 1} or one_hot=False.")
    return dense_to_one_hot(labels, num_classes) if one_hot else labels


class DataSet:
    """Images and labels with TF 1.x's `next_batch` semantics (see the module docstring)."""

    def __init__(self, images, labels, fake_data=False, one_hot=False, dtype=tf.float32,
                 reshape=True, seed=None):
        self._rules = _rules
        if self._rules.seeds_numpy:
            seed1, seed2 = tf.compat.v1.get_seed(seed)
            # The graph-level seed when set, else fresh entropy (seed1 is then None).
            np.random.seed(seed1 if seed is None else seed2)
        dtype = tf.as_dtype(dtype).base_dtype
        if dtype not in (tf.uint8, tf.float32):
            raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32.")
        if fake_data:
            self._num_examples = 10000
            self.one_hot = one_hot
        else:
            assert images.shape[0] == labels.shape[0], (images.shape, labels.shape)
            self._num_examples = images.shape[0]
            if reshape:
                assert images.shape[3] == 1
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if dtype == tf.float32:
                # x / 255 in float32, computed as TF 1.x did: multiply by the reciprocal.
                images = np.multiply(images.astype(np.float32), 1.0 / 255.0)
        self._stored_images = images
        self._stored_labels = labels
        self._order = np.arange(self._num_examples)
        self._shuffled_copies = None
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self):
        return self._in_current_order()[0]

    @property
    def labels(self):
        return self._in_current_order()[1]

    @property
    def num_examples(self):
        return self._num_examples

    @property
    def epochs_completed(self):
        return self._epochs_completed

    def _in_current_order(self):
        if self._shuffled_copies is None:
            if np.array_equal(self._order, np.arange(self._num_examples)):
                self._shuffled_copies = (self._stored_images, self._stored_labels)
            else:
                self._shuffled_copies = (self._stored_images[self._order],
                                         self._stored_labels[self._order])
        return self._shuffled_copies

    def _shuffle(self):
        perm = np.arange(self._num_examples)
        np.random.shuffle(perm)
        # TF 1.x replaced its arrays by arrays[perm]; composing the index gives the same order.
        self._order = self._order[perm]
        self._shuffled_copies = None

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """Return the next `batch_size` examples as (images, labels)."""
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return [fake_image] * batch_size, [fake_label] * batch_size
        picked = self.next_batch_indices(batch_size, shuffle)
        return self._stored_images[picked], self._stored_labels[picked]

    def next_batch_indices(self, batch_size, shuffle=True):
        """Advance exactly as `next_batch` does, and return the batch as indices into
        `stored_images` and `stored_labels` (the arrays in their original order)."""
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle and \
                self._rules.shuffles_first_epoch:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest_of_epoch = self._order[start:] if self._rules.keeps_rest else self._order[:0]
            if shuffle or not self._rules.keeps_rest:  # TF 1.0's next_batch had no `shuffle`
                self._shuffle()
            self._index_in_epoch = batch_size - len(rest_of_epoch)
            return np.concatenate((rest_of_epoch, self._order[:self._index_in_epoch]))
        self._index_in_epoch += batch_size
        return self._order[start:self._index_in_epoch]

    @property
    def stored_images(self):
        return self._stored_images

    @property
    def stored_labels(self):
        return self._stored_labels


def add_noise(images, scale=0.3):
    """images + scale * N(0, 1), as the listings compute `batch_x + 0.3*np.random.randn(...)`: the
    noise drawn in float64 from numpy's global stream and added in float64, then rounded to
    float32, which is what TensorFlow's feed made of the listings' float64 array. Computed in
    place in one float64 buffer: the same operations, fewer copies."""
    noisy = np.random.randn(*images.shape)
    noisy *= scale
    noisy += images
    return noisy.astype(np.float32)


def prefetch(make_batch, count):
    """Yield `make_batch()` `count` times, computing the next batch in a background thread while
    the caller trains on the current one.

    The calls run one at a time, in order, exactly `count` times, so batches drawn from numpy's
    global random stream are the ones a plain loop would draw, and the stream is left where a
    plain loop leaves it. numpy's generators and `Session.run` release the GIL, so the overlap is
    real on two cores.
    """
    ready = queue.Queue(maxsize=1)

    def produce():
        try:
            for _ in range(count):
                ready.put((make_batch(), None))
        except BaseException as error:  # handed to the consumer, raised there
            ready.put((None, error))

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    for _ in range(count):
        batch, error = ready.get()
        if error is not None:
            raise error
        yield batch
    producer.join()


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=tf.float32, reshape=True,
                   validation_size=5000, seed=None, source_url=DEFAULT_SOURCE_URL):
    """Load MNIST from `train_dir` (filled from the bundled copy where needed) as
    `Datasets(train, validation, test)`. `source_url` is accepted and ignored: nothing is
    downloaded."""
    if fake_data:
        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)
        return Datasets(train=fake(), validation=fake(), test=fake())

    def load(filename, extract, **options):
        return extract(maybe_restore(filename, train_dir), **options)

    train_images = load(TRAIN_IMAGES, extract_images)
    train_labels = load(TRAIN_LABELS, extract_labels, one_hot=one_hot)
    test_images = load(TEST_IMAGES, extract_images)
    test_labels = load(TEST_LABELS, extract_labels, one_hot=one_hot)

    if isinstance(validation_size, bool) or not isinstance(validation_size, (int, np.integer)) \
            or not 0 <= validation_size <= len(train_images):
        raise LegacySAEError(
            f"validation_size must be a whole number between 0 and {len(train_images)}, "
            f"got {validation_size!r}.")
    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    train = DataSet(train_images[validation_size:], train_labels[validation_size:], **options)
    validation = DataSet(train_images[:validation_size], train_labels[:validation_size],
                         **options)
    test = DataSet(test_images, test_labels, **options)
    return Datasets(train=train, validation=validation, test=test)


def tutorial_data_sets(train_dir=None):
    """What both tutorial listings do first: read MNIST with one-hot labels (from `train_dir`, or
    the bundled copy in place when None) and print the four shapes."""
    mnist = read_data_sets(train_dir or BUNDLED_DIR, one_hot=True)
    print('Training data shape:', mnist.train.images.shape)
    print('Test data shape:', mnist.test.images.shape)
    print('Validation data shape:', mnist.validation.images.shape)
    print('Training label shape:', mnist.train.labels.shape)
    return mnist


def load_mnist(train_dir="MNIST-data"):
    """TF 1.x's shorthand for `read_data_sets(train_dir)`."""
    return read_data_sets(train_dir)

"""The vendored MNIST loader: TF 1.x's semantics, the bundled data, and every bad input."""
import gzip
import hashlib
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from legacy_sae import input_data
from legacy_sae.checks import LegacySAEError
from legacy_sae.input_data import MNISTDataError


def test_shapes_dtypes_scaling_and_split(mnist):
    assert mnist.train.images.shape == (55000, 784)
    assert mnist.validation.images.shape == (5000, 784)
    assert mnist.test.images.shape == (10000, 784)
    assert mnist.train.labels.shape == (55000, 10)
    assert mnist.train.num_examples == 55000
    for part in mnist:
        assert part.images.dtype == np.float32
        assert part.images.min() == 0.0 and part.images.max() == 1.0
        np.testing.assert_array_equal(part.labels.sum(axis=1), 1.0)
    # The standard files: the first training labels, which form the validation set's start.
    np.testing.assert_array_equal(np.argmax(mnist.validation.labels[:10], 1),
                                  [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    all_train = np.concatenate([mnist.validation.labels, mnist.train.labels]).sum(axis=0)
    assert all_train[:2].tolist() == [5923, 6742]
    # float32 pixels are exactly uint8 / 255 as TF 1.x computed them.
    raw = input_data.extract_images(os.path.join(input_data.BUNDLED_DIR, input_data.TEST_IMAGES))
    expected = np.multiply(raw.reshape(10000, 784).astype(np.float32), 1.0 / 255.0)
    np.testing.assert_array_equal(mnist.test.images, expected)


def test_integer_labels_uint8_and_unreshaped_images():
    data = input_data.read_data_sets(input_data.BUNDLED_DIR, dtype=tf.uint8, reshape=False,
                                     validation_size=100)
    assert data.train.images.shape == (59900, 28, 28, 1)
    assert data.train.images.dtype == np.uint8 and data.train.images.max() == 255
    assert data.train.labels.dtype == np.uint8 and data.train.labels.shape == (59900,)
    assert data.validation.labels[:3].tolist() == [5, 0, 4]


def tiny_dataset(n=10, seed=None):
    images = np.arange(n, dtype=np.uint8).reshape(n, 1, 1, 1)
    return input_data.DataSet(images, np.arange(n), dtype=tf.uint8, seed=seed)


def copying_reference_batches(n, batch_size, steps, seed):
    """TF 1.x's next_batch, which reshuffles by copying the arrays, for comparison."""
    np.random.seed(seed)
    data, start, epochs, out = np.arange(n), 0, 0, []
    for _ in range(steps):
        if epochs == 0 and start == 0:
            perm = np.arange(n)
            np.random.shuffle(perm)
            data = data[perm]
        if start + batch_size > n:
            epochs += 1
            rest = data[start:]
            perm = np.arange(n)
            np.random.shuffle(perm)
            data = data[perm]
            start = batch_size - len(rest)
            out.append(np.concatenate([rest, data[:start]]))
        else:
            out.append(data[start:start + batch_size])
            start += batch_size
    return out


def test_epoch_boundary_and_shuffling_match_tf1():
    dataset = tiny_dataset()
    np.random.seed(11)
    batches = [dataset.next_batch(4)[1] for _ in range(7)]
    for got, expected in zip(batches, copying_reference_batches(10, 4, 7, seed=11)):
        np.testing.assert_array_equal(got, expected)
    # Two and a half epochs: each epoch holds every example once, the crossing batch included.
    flat = np.concatenate(batches)
    assert sorted(flat[:10]) == list(range(10)) and sorted(flat[10:20]) == list(range(10))
    assert dataset.epochs_completed == 2
    assert flat[:10].tolist() != list(range(10))  # shuffled before the first epoch
    # .images and .labels follow the current shuffled order, as TF 1.x's reassigned arrays did,
    # and stay aligned with each other.
    assert dataset.labels.tolist() != list(range(10))
    assert sorted(dataset.labels.tolist()) == list(range(10))
    np.testing.assert_array_equal(dataset.images[:, 0], dataset.labels)


def tf0_reference_batches(n, batch_size, steps):
    """TF 0.x's and 1.0's next_batch, as its source reads: the first epoch in file order, the
    rest of an epoch skipped, a reshuffle at each epoch's end, on numpy's stream as it is."""
    data, index, out = np.arange(n), 0, []
    for _ in range(steps):
        start, index = index, index + batch_size
        if index > n:
            perm = np.arange(n)
            np.random.shuffle(perm)
            data, start, index = data[perm], 0, batch_size
        out.append(data[start:index])
    return out


@pytest.fixture
def use_rules():
    yield input_data.use_rules
    input_data.use_rules(input_data.DEFAULT_RULES)


def test_tf0_rules_read_the_first_epoch_in_order_and_leave_numpy_as_seeded(use_rules):
    use_rules("0.x")
    np.random.seed(11)
    dataset = tiny_dataset(seed=5)  # the 1.2 rules would reseed numpy here
    batches = [dataset.next_batch(4)[1] for _ in range(7)]
    np.random.seed(11)
    for got, expected in zip(batches, tf0_reference_batches(10, 4, 7)):
        np.testing.assert_array_equal(got, expected)
    assert batches[0].tolist() == [0, 1, 2, 3] and batches[1].tolist() == [4, 5, 6, 7]


def test_tf1_1_rules_shuffle_first_without_reseeding_numpy(use_rules):
    use_rules("1.1")
    np.random.seed(11)
    dataset = tiny_dataset(seed=5)
    batches = [dataset.next_batch(4)[1] for _ in range(7)]
    for got, expected in zip(batches, copying_reference_batches(10, 4, 7, seed=11)):
        np.testing.assert_array_equal(got, expected)


def test_unknown_loader_rules_get_the_names_there_are():
    with pytest.raises(LegacySAEError, match="choose one of 0.x, 1.1, 1.2"):
        input_data.use_rules("2.0")


def test_add_noise_is_the_listings_expression_bit_for_bit(mnist):
    batch = mnist.train.images[:256]
    np.random.seed(3)
    expected = (batch + 0.3 * np.random.randn(256, 784)).astype(np.float32)
    next_draw = np.random.rand()
    np.random.seed(3)
    noisy = input_data.add_noise(batch, 0.3)
    assert noisy.dtype == np.float32
    assert np.array_equal(noisy.view(np.int32), expected.view(np.int32))
    assert np.random.rand() == next_draw  # the global stream is left where the listing leaves it


def test_no_shuffle_keeps_file_order():
    dataset = tiny_dataset()
    images, labels = dataset.next_batch(6, shuffle=False)
    assert labels.tolist() == [0, 1, 2, 3, 4, 5]
    images, labels = dataset.next_batch(6, shuffle=False)
    assert labels.tolist() == [6, 7, 8, 9, 0, 1]


def test_graph_seed_makes_shuffles_repeatable():
    def batches():
        with tf.Graph().as_default():
            tf.compat.v1.set_random_seed(42)
            dataset = tiny_dataset(1000)
            return [dataset.next_batch(100)[1].tolist() for _ in range(12)]

    assert batches() == batches()
    unseeded = []
    for _ in range(2):
        with tf.Graph().as_default():
            dataset = tiny_dataset(1000)
            unseeded.append(dataset.next_batch(100)[1].tolist())
    assert unseeded[0] != unseeded[1]


def test_fake_data():
    data = input_data.read_data_sets("unused", fake_data=True, one_hot=True)
    images, labels = data.train.next_batch(3, fake_data=True)
    assert np.shape(images) == (3, 784) and labels[0] == [1] + [0] * 9


def test_missing_files_are_copied_from_the_bundle(tmp_path, capsys):
    target = tmp_path / "MNIST-data"
    data = input_data.read_data_sets(str(target), one_hot=True)
    assert sorted(os.listdir(target)) == sorted(input_data.MNIST_FILES)
    assert data.test.images.shape == (10000, 784)
    assert capsys.readouterr().out.count("Copied bundled") == 4
    # A second read finds them and copies nothing.
    input_data.read_data_sets(str(target))
    assert "Copied bundled" not in capsys.readouterr().out


def _damaged_dir(tmp_path, filename, content):
    target = tmp_path / "data"
    target.mkdir()
    (target / filename).write_bytes(content)
    return target


def _bundled_bytes(filename):
    with open(os.path.join(input_data.BUNDLED_DIR, filename), "rb") as stream:
        return stream.read()


@pytest.mark.parametrize("case", ["truncated", "corrupted", "wrong magic", "short content",
                                  "not gzip"])
def test_bad_files_are_refused_and_kept(tmp_path, case):
    name = input_data.TEST_LABELS
    good = gzip.decompress(_bundled_bytes(name))
    content = {
        "truncated": _bundled_bytes(name)[:2000],
        "corrupted": _bundled_bytes(name)[:1000] + b"\0" * 500 + _bundled_bytes(name)[1500:],
        "wrong magic": gzip.compress((2051).to_bytes(4, "big") + good[4:]),
        "short content": gzip.compress(good[:-10]),  # a complete gzip of an incomplete file
        "not gzip": b"<html>404 Not Found</html>",
    }[case]
    target = _damaged_dir(tmp_path, name, content)
    with pytest.raises(MNISTDataError) as caught:
        input_data.read_data_sets(str(target), one_hot=True)
    message = str(caught.value)
    assert str(target / name) in message
    assert "Delete" in message and "bundled copy" in message
    assert (target / name).read_bytes() == content  # the user's file is left as it was


def test_deleting_a_bad_file_restores_it(tmp_path):
    name = input_data.TEST_LABELS
    target = _damaged_dir(tmp_path, name, b"garbage")
    with pytest.raises(MNISTDataError):
        input_data.read_data_sets(str(target))
    (target / name).unlink()
    assert input_data.read_data_sets(str(target)).test.labels.shape == (10000,)


def test_unwritable_train_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(MNISTDataError, match="Cannot put train-images-idx3-ubyte.gz into"):
        input_data.read_data_sets(str(blocker / "MNIST-data"))


def test_read_only_folder_with_all_files_is_fine(tmp_path):
    target = tmp_path / "ro"
    shutil.copytree(input_data.BUNDLED_DIR, target)
    os.chmod(target, 0o555)
    try:
        assert input_data.read_data_sets(str(target)).train.num_examples == 55000
    finally:
        os.chmod(target, 0o755)


@pytest.mark.parametrize("size", [-1, 60001, 2.5, "5000", True])
def test_validation_size_out_of_range(size):
    with pytest.raises(LegacySAEError, match="validation_size must be a whole number between 0 "
                                             "and 60000"):
        input_data.read_data_sets(input_data.BUNDLED_DIR, validation_size=size)


def test_bad_dtype():
    with pytest.raises(TypeError, match="expected uint8 or float32"):
        tiny_dataset().__class__(np.zeros((1, 1, 1, 1)), np.zeros(1), dtype=tf.int32)


def test_a_valid_idx_file_that_is_not_mnist_loads_with_one_line(tmp_path, capsys):
    name = input_data.TEST_LABELS
    good = gzip.decompress(_bundled_bytes(name))
    other = good[:-1] + bytes([(good[-1] + 1) % 10])
    target = _damaged_dir(tmp_path, name, gzip.compress(other))
    labels = input_data.read_data_sets(str(target)).test.labels
    assert labels[-1] == other[-1] and labels.shape == (10000,)
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Note:")]
    assert notes == [f"Note: {target / name} is not the standard MNIST file: a valid IDX file of "
                     f"shape (10000,) whose SHA-256 matches none of the known MNIST and "
                     f"Fashion-MNIST files. Loading it as it is."]


# Fashion-MNIST's four files as Zalando Research publishes them: (MD5 of the .gz, SHA-256 of the
# .gz, SHA-256 of the decompressed content). The MD5 are the ones its README lists
# (github.com/zalandoresearch/fashion-mnist, "Get the Data"); the .gz SHA-256 are those of a
# second, independent list, torchvision's (pytorch/vision,
# torchvision/prototype/datasets/_builtin/mnist.py, FashionMNIST._CHECKSUMS). Both were
# reproduced on 2026-12-01 from the published files rebuilt byte for byte (Debian's
# dataset-fashion-mnist package holds the same deflate streams under a gzip header stripped of
# its file name and time; restoring those gives each MD5 above), and the content SHA-256 were
# computed from those rebuilt files with `gunzip -c FILE | sha256sum`.
FASHION_MNIST_PUBLISHED = {
    input_data.TRAIN_IMAGES: ("8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                              "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                              "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    input_data.TRAIN_LABELS: ("25c81989df183df01b3e8a0aad5dffbe",
                              "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                              "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    input_data.TEST_IMAGES: ("bef4ecab320f06d8554ea6380940ec79",
                             "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                             "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    input_data.TEST_LABELS: ("bb300cfdad3c16e7a12a480ee83cd310",
                             "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                             "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}


def test_fashion_mnist_is_known_by_the_content_of_its_published_files():
    known = {name: digest for digest, (data_set, name) in input_data.KNOWN_FILES.items()
             if data_set == "Fashion-MNIST"}
    assert known == {name: content for name, (_, _, content) in FASHION_MNIST_PUBLISHED.items()}


def test_a_file_the_table_names_is_announced_as_its_data_set(tmp_path, capsys, monkeypatch):
    """The message for a file that KNOWN_FILES lists under another data set (the table's own
    values are checked against the published ones above)."""
    content = gzip.decompress(_bundled_bytes(input_data.TEST_LABELS))[:-1] + b"\x03"
    path = tmp_path / input_data.TEST_LABELS
    path.write_bytes(gzip.compress(content))
    monkeypatch.setitem(input_data.KNOWN_FILES, hashlib.sha256(content).hexdigest(),
                        ("Fashion-MNIST", input_data.TEST_LABELS))
    input_data.extract_labels(str(path))
    assert (f"Note: {path} is not the standard MNIST file: it is Fashion-MNIST's "
            f"t10k-labels-idx1-ubyte.gz (recognised by its SHA-256).") in capsys.readouterr().out


def test_extract_functions_take_a_path_or_a_file_object():
    """TF 1.x's loader passed open file objects; the older one passed file names."""
    path = os.path.join(input_data.BUNDLED_DIR, input_data.TEST_LABELS)
    with open(path, "rb") as stream:
        from_stream = input_data.extract_labels(stream, one_hot=True)
    assert (from_stream == input_data.extract_labels(path, one_hot=True)).all()
    with open(os.path.join(input_data.BUNDLED_DIR, input_data.TEST_IMAGES), "rb") as stream:
        assert input_data.extract_images(stream).shape == (10000, 28, 28, 1)
    with pytest.raises(MNISTDataError, match="pass num_classes=10 or one_hot=False"):
        input_data.extract_labels(path, one_hot=True, num_classes=5)


def test_maybe_download_never_downloads(tmp_path):
    path = input_data.maybe_download(input_data.TRAIN_LABELS, str(tmp_path))
    assert path == str(tmp_path / input_data.TRAIN_LABELS) and os.path.exists(path)
    with pytest.raises(MNISTDataError, match="legacy-sae downloads nothing"):
        input_data.maybe_download("cifar-10-python.tar.gz", str(tmp_path))


def test_the_tf1_module_surface_is_complete():
    for name in ("read_data_sets", "DataSet", "load_mnist", "dense_to_one_hot", "extract_images",
                 "extract_labels", "maybe_download", "DEFAULT_SOURCE_URL", "Datasets"):
        assert hasattr(input_data, name), name

"""TF1-era MNIST code beyond the tutorial, run unmodified with `legacy-sae run`: the tutorials
package's `mnist` module, tf.layers, tf.contrib (rnn, slim, layers, framework), GPU-pinned graphs,
other IDX data sets, and one clear message for what TensorFlow 2 removed. The scripts in
tf1_scripts/ are written for these tests in the style of that era's examples."""
import gzip
import os
import shutil
import textwrap

import pytest

from legacy_sae import input_data
from legacy_sae.compat import devices
from conftest import SCRIPTS, last_number, run_cli, run_python, run_script


def test_feed_tutorial_trainer_with_the_mnist_module(tmp_path):
    result = run_script("feed_trainer.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert last_number(result.stdout, "Precision @ 1:") > 0.85
    assert "global step 400" in result.stdout
    assert ("variables hidden1/weights hidden1/biases hidden2/weights hidden2/biases "
            "softmax_linear/weights softmax_linear/biases") in result.stdout
    logs = os.listdir(tmp_path / "feed-logs")
    assert any(name.startswith("events.out.tfevents") for name in logs)
    assert "model.ckpt-399.index" in logs

    fake = run_script("feed_trainer.py", "--fake_data", "--max_steps", "30", "--log_dir", "fake",
                      cwd=tmp_path)
    assert fake.returncode == 0, fake.stderr
    assert "Precision @ 1:" in fake.stdout and "Extracting" not in fake.stdout


def test_tf_layers_cnn(tmp_path):
    result = run_script("layers_cnn.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "kernel shapes [[5, 5, 1, 16], [5, 5, 16, 32], [1568, 128], [128, 10]]" in result.stdout
    assert last_number(result.stdout, "test accuracy") > 0.9


def test_lstm_over_image_rows_with_contrib_rnn(tmp_path):
    result = run_script("rnn_rows.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert last_number(result.stdout, "test accuracy") > 0.8
    assert "dynamic [3, 28, 16] bidirectional [3, 28, 8] [3, 28, 8]" in result.stdout


def test_slim_model_with_contrib_layers_and_framework(tmp_path):
    result = run_script("slim_model.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "model variables 8" in result.stdout and "global step 200" in result.stdout
    assert last_number(result.stdout, "test accuracy") > 0.85


@pytest.mark.skipif(devices.has_gpu(), reason="tests the fallback of a machine without a GPU")
def test_gpu_pinned_graph_runs_on_the_cpu_and_says_so_once(tmp_path):
    result = run_script("gpu_pinned.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("this machine has no GPU") == 1
    assert last_number(result.stdout, "test accuracy") > 0.85


def test_estimator_script_gets_one_clear_message(tmp_path):
    result = run_script("estimator_script.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "data loaded" in result.stdout
    assert "estimator_script.py, line 11: tf.estimator is not in TensorFlow 2" in result.stderr
    assert "tf.keras" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("line, name", [
    ("from tensorflow.contrib import learn", "tf.contrib.learn"),
    ("import tensorflow.contrib.factorization as f", "tf.contrib.factorization"),
    ("tf.contrib.tensor_forest.python", "tf.contrib.tensor_forest"),
    ("tf.contrib.rnn.NoSuchCell(3)", "tf.contrib.rnn.NoSuchCell"),
    ("print(hasattr(tf.contrib, 'boosted_trees'))", "tf.contrib.boosted_trees"),
])
def test_removed_parts_end_in_their_message_however_reached(tmp_path, line, name):
    (tmp_path / "uses.py").write_text(f"import tensorflow as tf\n{line}\n")
    result = run_cli("run", "uses.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"legacy-sae: uses.py, line 2: {name} is not in TensorFlow 2")
    assert "Traceback" not in result.stderr


def test_a_typo_stays_an_ordinary_attribute_error(tmp_path):
    (tmp_path / "typo.py").write_text("import tensorflow as tf\ntf.placeholdr\n")
    result = run_cli("run", "typo.py", cwd=tmp_path)
    assert result.returncode == 1 and "AttributeError" in result.stderr


def _write_idx(path, magic, array):
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def test_inverted_mnist_idx_set_loads_with_a_note(tmp_path):
    folder = tmp_path / "inverted"
    folder.mkdir()
    for name in (input_data.TRAIN_IMAGES, input_data.TEST_IMAGES):
        images = input_data.extract_images(os.path.join(input_data.BUNDLED_DIR, name))
        _write_idx(folder / name, input_data.IMAGES_MAGIC, 255 - images[..., 0])
    for name in (input_data.TRAIN_LABELS, input_data.TEST_LABELS):
        shutil.copy(os.path.join(input_data.BUNDLED_DIR, name), folder)
    (tmp_path / "inverted.py").write_text(textwrap.dedent("""
        from tensorflow.examples.tutorials.mnist import input_data
        data = input_data.read_data_sets('inverted', one_hot=True)
        print('means %.4f %.4f' % (data.train.images.mean(), data.test.images.mean()))
    """))
    result = run_cli("run", "inverted.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if line.startswith("Note:")]
    assert len(notes) == 2 and all("is not the standard MNIST file" in n and "matches none of "
                                   "the known MNIST and Fashion-MNIST files" in n for n in notes)
    bundled = input_data.read_data_sets(input_data.BUNDLED_DIR)
    train_mean, test_mean = map(float, result.stdout.split("means ")[1].split())
    assert train_mean == pytest.approx(1 - bundled.train.images.mean(), abs=1e-4)
    assert test_mean == pytest.approx(1 - bundled.test.images.mean(), abs=1e-4)


def test_check_lists_what_each_script_needs_without_running_it(tmp_path):
    served = ["feed_trainer.py", "layers_cnn.py", "rnn_rows.py", "slim_model.py", "gpu_pinned.py"]
    result = run_cli("check", *[os.path.join(SCRIPTS, name) for name in served], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not os.listdir(tmp_path)  # nothing ran: no data copied, no logs written
    for name, how in [("tf.examples.tutorials.mnist.mnist.inference", "mnist model module"),
                      ("tf.layers.conv2d", "tf-keras's TF1 layers"),
                      ("tf.contrib.rnn.BasicLSTMCell", "tf.compat.v1.nn.rnn_cell"),
                      ("tf.contrib.layers.batch_norm", "tf-slim"),
                      ("tf.device", "soft placement"),
                      ("tf.placeholder", "tf.compat.v1")]:
        assert any(name in line and how in line for line in result.stdout.splitlines()), name
    assert "tf.float32" not in result.stdout  # the same object in TensorFlow 2: not listed
    assert result.stdout.count("all are served.") == len(served)

    failing = run_cli("check", os.path.join(SCRIPTS, "estimator_script.py"), cwd=tmp_path)
    assert failing.returncode == 1
    line = next(line for line in failing.stdout.splitlines() if "tf.estimator" in line)
    assert line.startswith("  line   11  tf.estimator.DNNClassifier") and "FAILS: removed" in line
    assert failing.stdout.rstrip().endswith("1 will fail.")

    missing = run_cli("check", tmp_path / "nothing.py", cwd=tmp_path)
    assert missing.returncode == 2 and "Cannot read" in missing.stderr


def test_keras_3_stays_for_processes_without_the_shims():
    probe = ("import tensorflow as tf\n"
             "print(tf.keras.layers.Dense.__module__.split('.')[0])\n")
    plain = run_python("import legacy_sae.compat, legacy_sae.input_data\n" + probe)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "keras"
    shimmed = run_python("from legacy_sae import compat\ncompat.install()\n" + probe)
    assert shimmed.returncode == 0, shimmed.stderr
    assert shimmed.stdout.strip() == "tf_keras"

"""The tf.contrib pieces TF1-era notebooks needed. tf.contrib.legacy_seq2seq's static models,
written in legacy_sae/compat/legacy_seq2seq.py: TF 1.8's variable names, and with fixed weights
every output and loss agreeing with real TF 1.8. tf.contrib.rnn's projection and embedding
wrappers, written
in legacy_sae/compat/contrib_rnn.py: TF 1.8's variable names (so checkpoints cross), its argument
checks, `check` knowing them, and a script with fixed weights whose every printed output agrees
with real TensorFlow 1.8. tf.contrib.slim.nets from tf-slim: every import form, and nets with
fixed weights that print what real TensorFlow 1.8 prints. Tests on TF 1.8 run where a Python 3.6
exists."""
import hashlib
import os
import subprocess
import sys

from conftest import SCRIPTS, run_cli, run_python, run_script
from test_compare import rows_of
from test_reference import tf18_python

# The variables tests/tf1_scripts/rnn_projection.py makes, as real TensorFlow 1.8.0 names them
# (printed by that script on it, 2026-12-08).
TF18_VARIABLES = [
    "embedded/rnn/embedding_wrapper/embedding:0 shape 7 x 4",
    "embedded/rnn/embedding_wrapper/gru_cell/candidate/bias:0 shape 3",
    "embedded/rnn/embedding_wrapper/gru_cell/candidate/kernel:0 shape 7 x 3",
    "embedded/rnn/embedding_wrapper/gru_cell/gates/bias:0 shape 6",
    "embedded/rnn/embedding_wrapper/gru_cell/gates/kernel:0 shape 7 x 6",
    "input_projection/rnn/input_projection_wrapper/basic_lstm_cell/bias:0 shape 16",
    "input_projection/rnn/input_projection_wrapper/basic_lstm_cell/kernel:0 shape 10 x 16",
    "input_projection/rnn/input_projection_wrapper/bias:0 shape 6",
    "input_projection/rnn/input_projection_wrapper/kernel:0 shape 3 x 6",
    "rnn/output_projection_wrapper/basic_rnn_cell/bias:0 shape 5",
    "rnn/output_projection_wrapper/basic_rnn_cell/kernel:0 shape 8 x 5",
    "rnn/output_projection_wrapper/bias:0 shape 2",
    "rnn/output_projection_wrapper/kernel:0 shape 5 x 2",
]


def variables_made(script, folder):
    """The "NAME shape ..." of each "variable" line `script` prints under `legacy-sae run`."""
    result = run_script(script, cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return [line[len("variable "):] for line in result.stdout.splitlines()
            if line.startswith("variable ")]


def test_the_wrappers_make_tf18s_variables(tmp_path):
    assert variables_made("rnn_projection.py", tmp_path) == TF18_VARIABLES


def agreeing_figures(script, folder):
    """The figures `legacy-sae compare SCRIPT --runs 3` judges against TF 1.8, all agreeing."""
    tf18_python()
    result = run_cli("compare", os.path.join(SCRIPTS, script), "--runs", 3, "--out",
                     folder / "out", cwd=folder, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verdicts = rows_of(result.stdout)
    assert set(verdicts.values()) == {"agree"}
    return verdicts


def test_the_wrappers_agree_with_tf18_on_fixed_weights(tmp_path):
    verdicts = agreeing_figures("rnn_projection.py", tmp_path)
    # 13 variables (the ":0" of each name and 20 shape numbers), then the outputs [2, 4, 2], the
    # states [2, 5], the LSTM's outputs [2, 4, 4], its c and h [2, 4] each, and the embedded
    # GRU's outputs [4 steps, 2, 3]
    assert len(verdicts) == 13 + 20 + 2 * 4 * 2 + 2 * 5 + 2 * 4 * 4 + 2 * 4 + 2 * 4 + 4 * 2 * 3


def test_the_wrappers_check_their_arguments_as_tf18_did():
    result = run_python(
        "from legacy_sae import compat\n"
        "tf = compat.install()\n"
        "wrappers = tf.contrib.rnn\n"
        "for make in (lambda: wrappers.OutputProjectionWrapper(wrappers.BasicRNNCell(3), 0),\n"
        "             lambda: wrappers.InputProjectionWrapper('not a cell', 2),\n"
        "             lambda: wrappers.EmbeddingWrapper(wrappers.GRUCell(3), 0, 4)):\n"
        "    try:\n"
        "        make()\n"
        "    except (ValueError, TypeError) as error:\n"
        "        print(type(error).__name__, error)\n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "ValueError Parameter output_size must be > 0: 0.",
        "TypeError The parameter cell is not RNNCell.",
        "ValueError Both embedding_classes and embedding_size must be > 0: 0, 4."]


def test_check_knows_the_wrappers(tmp_path):
    script = tmp_path / "wrapped.py"
    script.write_text("import tensorflow as tf\n"
                      "a = tf.contrib.rnn.OutputProjectionWrapper\n"
                      "b = tf.contrib.rnn.InputProjectionWrapper\n"
                      "c = tf.contrib.rnn.EmbeddingWrapper\n")
    result = run_cli("check", script, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILS" not in result.stdout
    assert result.stdout.count("(legacy_sae/compat/contrib_rnn.py)") == 3


def test_slim_nets_are_importable_every_way_tf1_code_imported_them():
    result = run_python(
        "from legacy_sae import compat\n"
        "tf = compat.install()\n"
        "import tensorflow.contrib.slim as slim\n"
        "import tensorflow.contrib.slim.nets\n"
        "from tensorflow.contrib.slim.nets import alexnet, inception, overfeat, resnet_utils, "
        "resnet_v1, resnet_v2, vgg\n"
        "print(slim.nets.inception.inception_v3.__module__,\n"
        "      tf.contrib.slim.nets.vgg.vgg_16.__name__, inception is slim.nets.inception)\n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["tf_slim.nets.inception_v3", "vgg_16", "True"]


def test_slim_nets_print_what_tf18_prints_with_fixed_weights(tmp_path):
    """The variable count, parameter count, a digest of every variable's name and shape (what
    a published slim checkpoint must match), and the top 5 classes of two images, for Inception
    v3 and ResNet v2 50: the same lines on both engines."""
    python = tf18_python()
    script = os.path.join(SCRIPTS, "slim_nets.py")
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for command in ([python, script],
                            [sys.executable, "-m", "legacy_sae", "run", script])]
    (theirs, their_errors), (ours, our_errors) = [run.communicate(timeout=900) for run in runs]
    assert runs[0].returncode == 0, their_errors[-3000:]
    assert runs[1].returncode == 0, our_errors[-3000:]
    assert ours.splitlines() == theirs.splitlines()
    assert "inception_v3: 388 variables, 27182194 parameters" in ours.splitlines()


# The SHA-256 of the "variable NAME shape ..." lines tests/tf1_scripts/legacy_seq2seq_models.py
# prints on real TensorFlow 1.8.0 (30 variables, printed there on 2026-12-08).
TF18_SEQ2SEQ_VARIABLES = "2cf8f1191faa30dfde306c545fa04ced65ff410a869a1d14298969439fb00fd3"


def test_legacy_seq2seq_makes_tf18s_variables(tmp_path):
    made = variables_made("legacy_seq2seq_models.py", tmp_path)
    assert len(made) == 30
    assert hashlib.sha256("\n".join(made).encode()).hexdigest() == TF18_SEQ2SEQ_VARIABLES


def test_legacy_seq2seq_agrees_with_tf18_on_fixed_weights(tmp_path):
    verdicts = agreeing_figures("legacy_seq2seq_models.py", tmp_path)
    # both feed_previous settings: 3 steps x batch 2 of each decoder's outputs (5, 4, 6 and 6
    # wide), 2 losses (their lines' "0," and "1," count too) and the loss
    assert len([label for label, _ in verdicts if "plus ten" in label]) == \
        2 * (3 * 2 * (5 + 4 + 6 + 6) + 2 * 2 + 1)


def test_what_legacy_seq2seq_does_not_serve_is_named_in_one_line():
    result = run_python(
        "from legacy_sae import compat\n"
        "tf = compat.install()\n"
        "try:\n"
        "    tf.contrib.legacy_seq2seq.embedding_attention_seq2seq\n"
        "except compat.RemovedInTF2Error as error:\n"
        "    print(error)\n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("tf.contrib.legacy_seq2seq.embedding_attention_seq2seq")

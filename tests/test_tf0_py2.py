"""The code around TF1, run unmodified: TF 0.x scripts (TF 1.0's upgrade-script tables served at
run time), positional cross-entropy calls read as TF 0.x meant them, Python 2 scripts, modules
and notebook cells converted on the fly, and the matplotlib/numpy of 2018. The scripts in
tf1_scripts/ (tf0_*.py, tf0_libs/, py2_mnist.py, py2_notebook.ipynb) are written for these tests
in the style of that era's examples; each fails on TensorFlow 2 without these shims."""
import gzip
import hashlib
import math
import os
import struct
import textwrap

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from legacy_sae import input_data
from conftest import SCRIPTS, last_number, run_cli, run_python, run_script


def first_test_digit():
    with gzip.open(os.path.join(input_data.BUNDLED_DIR, input_data.TEST_IMAGES)) as stream:
        return stream.read()[16:16 + 784]


def sigmoid_cross_entropy(logit, label):
    """TensorFlow's documented formula: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    return max(logit, 0) - logit * label + math.log1p(math.exp(-abs(logit)))


def test_positional_cross_entropy_calls_give_the_keyword_calls_values():
    result = run_python(textwrap.dedent("""
        from legacy_sae import compat
        tf = compat.tf1()
        logits, labels = tf.constant([[2.0, -1.0]]), tf.constant([[1.0, 0.0]])
        calls = [
            tf.nn.sigmoid_cross_entropy_with_logits(logits, labels),
            tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits),
            tf.nn.softmax_cross_entropy_with_logits(logits, labels),
            tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            tf.nn.sparse_softmax_cross_entropy_with_logits(logits, tf.constant([0])),
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0], logits=logits),
            tf.nn.sigmoid_cross_entropy_with_logits(logits, labels),
        ]
        with tf.Session() as sess:
            for value in sess.run(calls):
                print(value.ravel().tolist())
    """))
    assert result.returncode == 0, result.stderr
    values = [eval(line) for line in result.stdout.splitlines()]
    sigmoid = [sigmoid_cross_entropy(2, 1), sigmoid_cross_entropy(-1, 0)]
    softmax = [math.log1p(math.exp(-3))]  # -log(e^2 / (e^2 + e^-1))
    assert values[0] == pytest.approx([0.127, 0.313], abs=5e-4)  # the numbers
    for got, expected in zip(values, [sigmoid, sigmoid, softmax, softmax, softmax, softmax,
                                      sigmoid]):
        assert got == pytest.approx(expected, rel=1e-6)
    notices = result.stderr.strip().splitlines()
    assert len(notices) == 3  # one per function, not one per call
    assert all("with positional arguments is TF 0.x; served as" in n for n in notices)


def test_every_tf0_name_is_served_and_said_once():
    result = run_python(textwrap.dedent("""
        from legacy_sae import compat
        from legacy_sae.compat import tf0
        tf = compat.tf1()
        v1 = tf._target
        def resolve(root, name):
            for part in name.split(".")[1:]:
                root = getattr(root, part)
            return root
        missing = [old for old in tf0.RENAMED if not callable(resolve(tf, old))
                   and resolve(tf, old) != resolve(v1, tf0.RENAMED[old])]
        print("unserved", missing)
        tf.mul, tf.mul, tf.merge_all_summaries, tf.merge_all_summaries
    """))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unserved []"
    assert result.stderr.count("tf.mul is TF 0.x; served as tf.multiply.") == 1
    assert result.stderr.count("tf.merge_all_summaries is TF 0.x") == 1


def test_tf0_calls_take_the_0x_order_and_1x_calls_keep_theirs():
    result = run_python(textwrap.dedent("""
        import numpy as np
        from legacy_sae import compat
        tf = compat.tf1()
        a = np.arange(12, dtype=np.float32).reshape(3, 4)
        labels = np.array([[1], [3], [0]], dtype=np.int64)
        weights = np.linspace(-1, 1, 5 * 4, dtype=np.float32).reshape(5, 4)
        sampled = (tf.constant([2, 4], tf.int64), tf.ones([3, 1]), tf.ones([2]))
        ops = {
            "split0": tf.split(1, 2, a), "split1": tf.split(a, 2, 1),
            "split_kw": tf.split(split_dim=1, num_split=2, value=a),
            "concat0": tf.concat(1, [a, a]), "concat1": tf.concat([a, a], 1),
            "reverse0": tf.reverse(a, [True, False]), "reverse1": tf.reverse(a, [0]),
            "batch_matmul": tf.batch_matmul(a[None], a[None], adj_x=True),
            "zeros0": tf.zeros_initializer([2, 3]),
            "nce0": tf.nn.nce_loss(weights, tf.zeros([5]), a, labels, 2, 5, 1, sampled),
            "nce1": tf.nn.nce_loss(weights=weights, biases=tf.zeros([5]), labels=labels,
                                   inputs=a, num_sampled=2, num_classes=5,
                                   sampled_values=sampled),
            "pack": tf.pack([a[0], a[1]]), "select": tf.select([True, False], [1, 2], [3, 4]),
            "resize0": tf.shape(tf.image.resize_images(a.reshape(1, 3, 4, 1), 6, 8)),
            "resize1": tf.shape(tf.image.resize_images(a.reshape(1, 3, 4, 1), [6, 8])),
        }
        with tf.Session() as sess:
            for name, value in sess.run(ops).items():
                print(name, np.array(value).tolist())
        with tf.op_scope([a], "outer", "default") as scope:
            print("op_scope", scope)
        tf.image_summary("images", a.reshape(1, 3, 4, 1), max_images=1)
        print("deprecated", tf.contrib.deprecated.scalar_summary is tf.summary.scalar)
        try:
            tf.nn.seq2seq
        except compat.RemovedInTF2Error as error:
            print("seq2seq", str(error)[:40])
    """))
    assert result.returncode == 0, result.stderr
    got = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    halves = [part.tolist() for part in np.split(a, 2, axis=1)]
    assert eval(got["split0"]) == eval(got["split1"]) == eval(got["split_kw"]) == halves
    assert eval(got["concat0"]) == eval(got["concat1"]) == np.concatenate([a, a], 1).tolist()
    assert eval(got["reverse0"]) == eval(got["reverse1"]) == np.flip(a, 0).tolist()
    assert eval(got["batch_matmul"]) == [(a.T @ a).tolist()]
    assert eval(got["zeros0"]) == np.zeros((2, 3)).tolist()
    assert eval(got["nce0"]) == pytest.approx(eval(got["nce1"]))
    assert eval(got["pack"]) == a[:2].tolist() and eval(got["select"]) == [1, 4]
    assert eval(got["resize0"]) == eval(got["resize1"]) == [1, 6, 8, 1]
    assert got["op_scope"] == "outer/" and got["deprecated"] == "True"
    assert got["seq2seq"] == "tf.nn.seq2seq is not in TensorFlow 2: it"
    for old in ["tf.split(split_dim, num_split, value)", "tf.concat(concat_dim, values)",
                "tf.reverse(tensor, dims) with a boolean mask", "tf.batch_matmul",
                "tf.nn.nce_loss(weights, biases, inputs, labels, ...)",
                "tf.image_summary(max_images=...)", "tf.zeros_initializer(shape)",
                "tf.image.resize_images(images, new_height, new_width)"]:
        assert result.stderr.count(f"legacy-sae: {old} is TF 0.x; served as") == 1, old


def test_tf0_softmax_script(tmp_path):
    result = run_script("tf0_softmax.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert last_number(result.stdout, "test accuracy") > 0.8
    assert "packed [2, 4]" in result.stdout
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / "tf0-logs"))
    assert result.stderr.count("tf.mul is TF 0.x; served as tf.multiply.") == 1  # used 3 times
    assert "tf.train.SummaryWriter is TF 0.x; served as tf.summary.FileWriter." in result.stderr


def test_tf0_rnn_script_with_rnn_from_tensorflow_python_ops(tmp_path):
    result = run_script("tf0_rnn.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "outputs 28 flipped [[3, 2, 1]]" in result.stdout
    assert last_number(result.stdout, "test accuracy") > 0.5
    assert "tensorflow.python.ops.rnn.rnn is TF 0.x; served as tf.nn.static_rnn." in result.stderr


def test_tf0_5_rnn_import_paths_and_the_seq2seq_message(tmp_path):
    (tmp_path / "old_rnn.py").write_text(textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow.models.rnn import rnn, rnn_cell
        outputs, state = rnn.rnn(rnn_cell.BasicLSTMCell(4), [tf.zeros([2, 3])] * 5,
                                 dtype=tf.float32)
        print(len(outputs), outputs[-1].get_shape().as_list())
        from tensorflow.models.rnn import seq2seq
    """))
    result = run_cli("run", "old_rnn.py", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == "5 [2, 4]\n"
    assert result.stderr.splitlines()[-1].startswith(
        "legacy-sae: old_rnn.py, line 6: tf.models.rnn.seq2seq is not in TensorFlow 2")
    assert "Traceback" not in result.stderr
    checked = run_cli("check", "old_rnn.py", cwd=tmp_path)
    assert checked.returncode == 1 and "served as tf.nn.static_rnn" in checked.stdout
    assert checked.stdout.rstrip().endswith("1 will fail.")


def test_tf0_helper_module_and_axes3d_figure(tmp_path):
    import matplotlib.image
    result = run_script("tf0_codes.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("loss "))
    first, last = float(line.split()[1]), float(line.split()[3])
    assert last < first
    assert "tf.sub is TF 0.x" in result.stderr and "Axes3D(fig) is matplotlib" in result.stderr
    assert "figure saved: figures/tf0_codes-01.png" in result.stdout
    pixels = matplotlib.image.imread(tmp_path / "figures" / "tf0_codes-01.png")[..., :3]
    assert (pixels < 0.5).mean() > 0.005  # drawn: panes, ticks and points, not a blank page


def test_a_figure_with_nothing_drawn_is_reported_as_empty(tmp_path):
    (tmp_path / "blank.py").write_text("import matplotlib.pyplot as plt\n"
                                       "plt.figure()\nplt.show()\n")
    result = run_cli("run", "blank.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "figure 1 is empty (nothing was drawn on it); not saved" in result.stdout
    assert "figure saved" not in result.stdout and not os.listdir(tmp_path / "figures")


def python2_pickle_of_bytes_array(data):
    """What Python 2's `cPickle.dump(numpy.frombuffer(data, numpy.uint8), f, 2)` writes, opcode by
    opcode (pickletools documents them): numpy's _reconstruct, then the array's state with its
    pixels as a Python 2 `str` (BINSTRING), which Python 3 cannot decode as ASCII."""
    def short_string(text):
        return b"U" + bytes([len(text)]) + text
    return (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
            b"K\x00\x85" + short_string(b"b") + b"\x87R"
            b"(K\x01M" + struct.pack("<H", len(data)) + b"\x85"
            b"cnumpy\ndtype\n" + short_string(b"u1") + b"K\x00K\x01\x87R"
            b"(K\x03" + short_string(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
            b"\x89T" + struct.pack("<i", len(data)) + data + b"tb.")


def test_python2_script_runs_converted_with_python2_meaning(tmp_path):
    digit = first_test_digit()
    (tmp_path / "digit.pkl").write_bytes(python2_pickle_of_bytes_array(digit))
    script = os.path.join(SCRIPTS, "py2_mnist.py")
    with open(script, "rb") as stream:
        before = hashlib.sha256(stream.read()).hexdigest()
    result = run_script("py2_mnist.py", "digit.pkl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"python 2 pickle: 784 pixels, sum {sum(digit) / 255:.3f}" in result.stdout
    # 1000 / 64 and the pixel mean are integer divisions in Python 2: floor, not 15.625
    assert f"batches per epoch 15 mean pixel {sum(digit) // 784}" in result.stdout
    assert "epoch 1 loss" in result.stdout and last_number(result.stdout, "test accuracy") > 0.7
    assert "training done" in result.stderr  # print >>sys.stderr
    notices = [line for line in result.stderr.splitlines() if "is Python 2" in line]
    assert len(notices) == 1 and "print statements" in notices[0] and "xrange" in notices[0]
    with open(script, "rb") as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == before


def test_python2_division_traceback_lines_and_helper_module(tmp_path):
    (tmp_path / "helper.py").write_text("def half(n):\n    print 'half of', n\n    return n / 2\n")
    (tmp_path / "divide.py").write_text(textwrap.dedent("""\
        import sys; reload(sys); sys.setdefaultencoding('utf8')
        import numpy as np, helper
        x = 9
        x /= 2
        print 7 / 2, -7 / 2, 7.0 / 2, 7 / 2.0, np.arange(5) / 2, x, helper.half(5)
        for i in xrange(2):
            print i,
        print
        print reduce(lambda a, b: a * b, [1, 2, 3])
        print {'a': 1}.keys()[0], dict(a=1).has_key('a')
        print 1 / 0
    """))
    result = run_cli("run", "divide.py", cwd=tmp_path)
    assert result.returncode == 1
    # Python 2's results: int / int floors (-7 / 2 is -4), integer arrays too; floats divide
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "half of 5", "3 -4 3.5 3.5 [0 0 1 1 2] 4 2", "0 1", "6", "a True"]
    assert 'File "divide.py", line 11, in <module>' in result.stderr
    assert "print 1 / 0" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "python2.py" not in result.stderr  # the division helper's frame is not shown
    assert "helper.py is Python 2" in result.stderr
    assert not os.path.exists(tmp_path / "__pycache__")  # no converted bytecode left behind

    (tmp_path / "future.py").write_text("from __future__ import division\nprint 7 / 2\n")
    assert run_cli("run", "future.py", cwd=tmp_path).stdout == "3.5\n"


def test_python2_notebook_runs_with_the_extension(tmp_path):
    notebook = nbformat.read(os.path.join(SCRIPTS, "py2_notebook.ipynb"), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [output for cell in notebook.cells for output in cell.outputs]
    stdout = "".join(output.get("text", "") for output in outputs if output.get("name") == "stdout")
    stderr = "".join(output.get("text", "") for output in outputs if output.get("name") == "stderr")
    assert "test images 10000" in stdout and "steps 15" in stdout
    assert last_number(stdout, "test accuracy") > 0.6
    assert stderr.count("this cell is Python 2; converted to Python 3 as it runs") == 3


def test_check_judges_a_notebooks_cells_one_by_one_as_the_extension_runs_them(tmp_path):
    """A Python 2 cell and a Python 3 cell cannot be read as one file (`print 'x'` and
    `print(x, end=' ')`); the extension converts cell by cell, and so must check."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext legacy_sae"),
        nbformat.v4.new_code_cell("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n"
                                  "print 'placeholder', x.dtype"),
        nbformat.v4.new_markdown_cell("Python 3 from here on"),
        nbformat.v4.new_code_cell("for step in range(3):\n    print(step, end=' ')\n"
                                  "sess = tf.Session()"),
    ]
    nbformat.write(notebook, tmp_path / "mixed.ipynb")
    result = run_cli("check", "mixed.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = result.stdout.splitlines()[1:-1]
    assert rows[0].split() == ["line", "1", "Python", "2", "code", "cell", "2;", "converted", "as",
                               "it", "runs:", "print", "statements"]
    assert rows[1].split()[:3] == ["line", "3", "tf.placeholder"]
    assert rows[2].split()[:3] == ["line", "7", "tf.Session"]  # lines count through the cells


def test_check_reads_tf0_python2_and_local_modules(tmp_path):
    result = run_cli("check", *[os.path.join(SCRIPTS, name) for name in (
        "tf0_softmax.py", "tf0_rnn.py", "tf0_codes.py", "py2_mnist.py")], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not os.listdir(tmp_path)
    lines = result.stdout.splitlines()
    for name, how in [("tf.mul", "TF 0.x name, served as tf.multiply"),
                      ("tf.split(...)", "TF 0.x call tf.split(split_dim, num_split, value)"),
                      ("tf.nn.softmax_cross_entropy_with_logits(...)", "(logits, labels)"),
                      ("tf.train.SummaryWriter", "served as tf.summary.FileWriter"),
                      ("tf.reverse(...)", "boolean mask"),
                      ("tf0_libs/utils.py", "local module: checked below"),
                      ("Axes3D(fig)", "before matplotlib 3.4"),
                      ("tf.sub", "served as tf.subtract"),
                      ("Python 2", "print statements, xrange")]:
        assert any(name in line and how in line for line in lines), name
    assert any(line.endswith("tf0_libs/utils.py") for line in lines)  # its own report

    (tmp_path / "old.py").write_text(textwrap.dedent("""\
        import tensorflow as tf
        import scipy.misc
        print 'building'
        model = tf.contrib.learn.DNNClassifier(hidden_units=[10])
        import matplotlib.pyplot as plt
        plt.hold(False)
    """))
    failing = run_cli("check", "old.py", cwd=tmp_path)
    assert failing.returncode == 1
    assert any(line.startswith("  line    2  scipy") and "FAILS: not installed: pip install "
               "scipy" in line for line in failing.stdout.splitlines())
    assert any("tf.contrib.learn" in line and "FAILS: removed" in line
               for line in failing.stdout.splitlines())
    assert any(line.startswith("  line    6  hold(False)") and "FAILS" in line
               for line in failing.stdout.splitlines())
    assert failing.stdout.rstrip().endswith("3 will fail.")

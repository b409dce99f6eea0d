"""The TF1 shims: present for what asks for them, absent for everything else."""
import textwrap

from conftest import run_python

TF1_SCRIPT_IMPORTS = textwrap.dedent("""
    import tensorflow as tf
    from tensorflow.examples.tutorials.mnist import input_data
    print("placeholder" in dir(tf), hasattr(tf, "Session"), input_data.__name__)
""")


def test_plain_import_keeps_tensorflow_2():
    result = run_python(textwrap.dedent("""
        import legacy_sae, legacy_sae.compat, legacy_sae.input_data
        import tensorflow as tf
        print(tf.executing_eagerly(), hasattr(tf, "placeholder"))
        try:
            from tensorflow.examples.tutorials.mnist import input_data
        except ImportError:
            print("no tutorials module")
    """))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["True False", "no tutorials module"]


def test_install_gives_tf1_api_and_loader_and_uninstall_restores():
    result = run_python(textwrap.dedent("""
        from legacy_sae import compat
        compat.install()
    """) + TF1_SCRIPT_IMPORTS + textwrap.dedent("""
        x = tf.placeholder(tf.float32, [None, 2])
        with tf.Session() as sess:
            print(sess.run(x * 2, {x: [[1, 2]]}).tolist())
        compat.uninstall()
        import tensorflow as tf2
        print(hasattr(tf2, "placeholder"), hasattr(tf2.compat.v1, "placeholder"))
        try:
            from tensorflow.examples.tutorials.mnist import input_data
        except ImportError:
            print("no tutorials module")
    """))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True True legacy_sae.input_data", "[[2.0, 4.0]]",
                                          "False True", "no tutorials module"]


def test_saver_creates_its_folder(tmp_path):
    target = tmp_path / "not" / "there"
    result = run_python(textwrap.dedent(f"""
        from legacy_sae import compat
        tf = compat.tf1()
        v = tf.Variable(1.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(tf.train.Saver().save(sess, {str(target / 'model.ckpt')!r}))
    """))
    assert result.returncode == 0, result.stderr
    assert (target / "model.ckpt.index").exists()


def test_power_of_two_is_square_under_the_shims_only():
    result = run_python(textwrap.dedent("""
        from legacy_sae import compat
        tf = compat.install()
        x = tf.placeholder(tf.float32, [3])
        print((x ** 2).op.type, (x ** 3).op.type, (x ** 2.0).op.type, (x ** x).op.type)
        compat.uninstall()
        print((x ** 2).op.type)
    """))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Square Pow Square Pow", "Pow"]


def test_tf_layers_work_when_tensorflow_was_imported_before_the_shims():
    """As in a notebook that imported TensorFlow before `%load_ext legacy_sae`."""
    result = run_python(textwrap.dedent("""
        import tensorflow
        from legacy_sae import compat
        tf = compat.install()
        x = tf.placeholder(tf.float32, [None, 3])
        print(tf.layers.dense(x, 2).shape.as_list())
    """))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[None, 2]"


def test_era_patches_are_installed_and_undone():
    result = run_python(textwrap.dedent("""
        import numpy as np
        from mpl_toolkits.mplot3d import axes3d
        from PIL import Image
        from legacy_sae import compat
        original_init = axes3d.Axes3D.__init__
        compat.install()
        print(np.float is float, np.NaN != np.NaN, axes3d.Axes3D.__init__ is original_init,
              Image.ANTIALIAS == Image.LANCZOS)
        compat.uninstall()
        print(hasattr(np, "float"), axes3d.Axes3D.__init__ is original_init,
              hasattr(Image, "ANTIALIAS"))
    """))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True True False True", "False True False"]

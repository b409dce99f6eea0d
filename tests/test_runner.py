"""`legacy-sae run SCRIPT`: unmodified TF1 scripts, run headless, with Python's own semantics."""
import gzip
import os
import subprocess
import textwrap

from legacy_sae import input_data
from legacy_sae.compat import startup

from conftest import run_cli


def first_test_digit_sum():
    """Sum of the first test image's pixels / 255, read straight from the bundled file."""
    with gzip.open(os.path.join(input_data.BUNDLED_DIR, input_data.TEST_IMAGES)) as stream:
        pixels = stream.read()[16:16 + 784]
    return sum(pixels) / 255


def write(path, source):
    path.write_text(textwrap.dedent(source))
    return path


def test_tf1_script_runs_with_argv_cwd_and_figures(tmp_path):
    write(tmp_path / "job.py", """
        import os, sys
        import numpy as np
        import tensorflow as tf
        import matplotlib.pyplot as plt
        from tensorflow.examples.tutorials.mnist import input_data

        mnist = input_data.read_data_sets('MNIST-data', one_hot=True)
        x = tf.placeholder(tf.float32, [None, 784])
        with tf.Session() as sess:
            total = sess.run(tf.reduce_sum(x), {x: mnist.test.images[:1]})
        print('name', __name__, 'argv', sys.argv[1:], 'cwd', os.getcwd())
        print('sum %.3f' % total)
        plt.plot([1, 2]); plt.show()
        plt.figure(); plt.imshow(np.zeros((4, 4)))  # left open, as dae_tutorial.py does
    """)
    result = run_cli("run", "job.py", "--alpha", "7", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"name __main__ argv ['--alpha', '7'] cwd {tmp_path}" in result.stdout
    assert f"sum {first_test_digit_sum():.3f}" in result.stdout
    assert "Extracting MNIST-data/t10k-images-idx3-ubyte.gz" in result.stdout
    saved = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert saved == ["job-01.png", "job-02.png"]
    assert (tmp_path / "figures" / "job-01.png").read_bytes()[:4] == b"\x89PNG"
    assert "figure saved: figures/job-02.png" in result.stdout


def test_exit_status_passes_through(tmp_path):
    write(tmp_path / "three.py", "import sys\nsys.exit(3)\n")
    write(tmp_path / "message.py", "import sys\nsys.exit('stopped by the script')\n")
    assert run_cli("run", "three.py", cwd=tmp_path).returncode == 3
    result = run_cli("run", "message.py", cwd=tmp_path)
    assert result.returncode == 1 and "stopped by the script" in result.stderr


def test_traceback_points_at_the_users_lines(tmp_path):
    write(tmp_path / "broken.py", """
        def helper():
            return 1 / 0

        helper()
    """)
    result = run_cli("run", "broken.py", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    start = lines.index("Traceback (most recent call last):")
    assert 'broken.py", line 5, in <module>' in lines[start + 1]
    assert 'broken.py", line 3, in helper' in result.stderr
    assert "ZeroDivisionError: division by zero" in lines[-1]
    assert "runpy" not in result.stderr and "runner.py" not in result.stderr


def test_nothing_waits_for_a_person(tmp_path):
    write(tmp_path / "wait.py", """
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        plt.pause(30)
        print('button', plt.waitforbuttonpress())
        print('clicks', plt.ginput(3))
        print('answer', repr(input('continue? ')))
    """)
    result = run_cli("run", "wait.py", cwd=tmp_path, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "button None" in result.stdout and "clicks []" in result.stdout
    assert "answer ''" in result.stdout


def test_existing_figures_are_never_overwritten(tmp_path):
    write(tmp_path / "plot.py", "import matplotlib.pyplot as plt\nplt.plot([1]); plt.show()\n")
    (tmp_path / "out").mkdir()
    mine = tmp_path / "out" / "plot-01.png"
    mine.write_bytes(b"the user's own picture")
    result = run_cli("run", "--figures", "out", "plot.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mine.read_bytes() == b"the user's own picture"
    assert (tmp_path / "out" / "plot-02.png").exists()


def test_missing_script_bad_option_and_unwritable_figures(tmp_path):
    result = run_cli("run", "nowhere.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "No script at 'nowhere.py'" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("run", "--no-such-option", "x.py", cwd=tmp_path)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr
    write(tmp_path / "ok.py", "print('never')\n")
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = run_cli("run", "--figures", "blocker/figs", "ok.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "figures folder 'blocker/figs' cannot be written to" in result.stderr
    assert "never" not in result.stdout


def test_tensorflow_start_up_notices_are_hidden_unless_asked_for(tmp_path):
    write(tmp_path / "hello.py", """
        import sys
        import tensorflow as tf
        with tf.Session() as sess:
            print(sess.run(tf.constant(3)))
        print('a line of the script', file=sys.stderr)
    """)
    quiet = run_cli("run", "hello.py", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == "3\n"
    assert quiet.stderr == "a line of the script\n"
    # The user's own TF_CPP_MIN_LOG_LEVEL turns the filter off: the notices were really there.
    asked = run_cli("run", "hello.py", cwd=tmp_path,
                    env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="0"))
    assert asked.returncode == 0
    assert any(startup.NOTICES.search(line) for line in asked.stderr.splitlines())

"""`legacy-sae compare`: every answer able to say no. A deterministic script agrees exactly on
real TensorFlow 1.8 and on legacy-sae, and differs once a shim is patched to compute otherwise;
the one-epoch DAE listing is compared end to end and its runs reused; the rules for lines printed
by one engine, crashes, constants and too few runs are checked on records; their error rates are
measured by simulation. Tests that need real TensorFlow 1.8 are skipped where no Python 3.6 is
found."""
import json
import os

import numpy as np
import pytest

from conftest import TUTORIAL_DIR, run_cli
from legacy_sae.reference import comparison
from legacy_sae.regression import records
from test_reference import tf18_python, tf_environment

# Prints figures that depend only on the data: sums of whole numbers, exact in float32 whatever
# the order of the additions, so both engines must print the same digits.
DETERMINISTIC = """import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
print("Training images: {}".format(mnist.train.num_examples))
y = tf.placeholder(tf.float32, [None, 10])
digits = tf.cast(tf.argmax(y, 1), tf.float32)
with tf.Session() as sess:
    print("Sum of squared digits of the first {} test labels: {}".format(
        1000, sess.run(tf.reduce_sum(digits ** 2), {y: mnist.test.labels[:1000]})))
"""
SUM_LINE = "Sum of squared digits of the first {} test labels: {#}"
# Loaded by every Python started with it on PYTHONPATH; patches legacy-sae's `x ** 2` shim on
# the legacy-sae side only (real TensorFlow 1.x runs on Python 3.6).
PATCHED_SHIM = """import sys
if sys.version_info >= (3, 8):
    from legacy_sae.compat import square
    exact = square._pow
    square._pow = lambda x, y: exact(x, y) * 1.001
"""


def compare(*args, cwd, env=None):
    return run_cli("compare", *args, cwd=cwd, timeout=1200, env=env)


def rows_of(stdout):
    """{(figure label, printing): verdict} from the printed report's table."""
    found = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        if len(cells) == 7 and cells[0].startswith("`"):
            found[cells[0].strip("`"), cells[1]] = cells[6].split("**")[1]
    return found


def test_a_deterministic_script_agrees_exactly_and_differs_once_a_shim_is_patched(tmp_path):
    tf18_python()
    (tmp_path / "labels.py").write_text(DETERMINISTIC)
    result = compare("labels.py", "--runs", 3, "--out", tmp_path / "same", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verdicts = rows_of(result.stdout)
    assert verdicts[SUM_LINE, "last"] == "agree" and "identical" in result.stdout
    assert set(verdicts.values()) == {"agree"}
    assert (tmp_path / "same" / "compare.png").stat().st_size > 0

    (tmp_path / "patch").mkdir()
    (tmp_path / "patch" / "sitecustomize.py").write_text(PATCHED_SHIM)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "patch"))
    patched = compare("labels.py", "--runs", 3, "--out", tmp_path / "patched", cwd=tmp_path,
                      env=env)
    assert patched.returncode == 1, patched.stdout[-3000:] + patched.stderr[-3000:]
    verdicts = rows_of(patched.stdout)
    assert verdicts[SUM_LINE, "last"] == "differ"
    assert verdicts["Training images: {#}", "last"] == "agree"


def test_the_one_epoch_dae_listing_is_compared_and_its_runs_reused(tmp_path):
    tf18_python()
    with open(os.path.join(TUTORIAL_DIR, "dae_tutorial.py"), encoding="utf-8") as stream:
        source = stream.read()
    assert source.count("training_epochs = 20 ") == 1
    (tmp_path / "dae_tutorial.py").write_text(
        source.replace("training_epochs = 20 ", "training_epochs = 1 "), encoding="utf-8")
    out = tmp_path / "out"
    first = compare("dae_tutorial.py", "--runs", 2, "--out", out, cwd=tmp_path)
    assert first.returncode in (0, comparison.EXIT_TOO_FEW), first.stdout[-3000:] + \
        first.stderr[-3000:]
    verdicts = rows_of(first.stdout)
    assert set(verdicts.values()) <= {"agree", "too few runs to tell"}
    again = compare("dae_tutorial.py", "--runs", 3, "--out", out, cwd=tmp_path)
    assert again.stdout.count("started") == 2  # one more run on each engine
    verdicts = rows_of(again.stdout)
    assert verdicts["Epoch {}/{}  average cost {#}", "last"] in ("agree", "too few runs to tell")
    assert verdicts["Training data shape: ({#}, {})", "last"] == "agree"  # constant in 3 runs
    assert not {"differ", "not comparable"} & set(verdicts.values())
    with open(out / "results.json") as stream:
        assert len(json.load(stream)["runs"]) == 6
    assert (out / "compare.md").read_text() in again.stdout


def deterministic_notebook(path, *more_cells):
    """DETERMINISTIC as a notebook: a markdown cell, its lines in three code cells, the last
    ending in a text result, then `more_cells`."""
    import nbformat
    lines = DETERMINISTIC.splitlines()
    cells = ["\n".join(lines[:4]), "\n".join(lines[4:]), "mnist.test.num_examples", *more_cells]
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Constants")]
        + [nbformat.v4.new_code_cell(source) for source in cells]), str(path))


def test_a_notebook_agrees_exactly_cell_by_cell_and_differs_once_a_shim_is_patched(tmp_path):
    tf18_python()
    deterministic_notebook(tmp_path / "labels.ipynb")
    result = compare("labels.ipynb", "--runs", 3, "--out", tmp_path / "same", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verdicts = rows_of(result.stdout)
    assert set(verdicts.values()) == {"agree"}
    assert sorted(label for label, _ in verdicts) == [
        "[cell 1] Training images: {#}",
        "[cell 2] Sum of squared digits of the first {#} test labels: {}",
        "[cell 2] " + SUM_LINE,
        "[cell 3] {#}"]  # the last: the text result, 10000
    assert len(verdicts) == 4  # no line of TensorFlow 1.8's logging among them
    copies = sorted(path.name for path in (tmp_path / "same" / "runs").glob("*.ipynb"))
    assert len(copies) == 6  # each run's executed copy is kept

    (tmp_path / "patch").mkdir()
    (tmp_path / "patch" / "sitecustomize.py").write_text(PATCHED_SHIM)
    patched = compare("labels.ipynb", "--runs", 3, "--out", tmp_path / "patched", cwd=tmp_path,
                      env=dict(os.environ, PYTHONPATH=str(tmp_path / "patch")))
    assert patched.returncode == 1, patched.stdout[-3000:] + patched.stderr[-3000:]
    verdicts = rows_of(patched.stdout)
    assert verdicts["[cell 2] " + SUM_LINE, "last"] == "differ"
    assert verdicts["[cell 1] Training images: {#}", "last"] == "agree"


def test_a_notebook_that_stops_at_the_same_cell_on_both_is_the_same_outcome(tmp_path):
    tf18_python()
    deterministic_notebook(tmp_path / "stops.ipynb",
                           "import numpy as np\nrows = np.loadtxt('data/downloaded.csv')",
                           "print('never', 1)")
    result = compare("stops.ipynb", "--runs", 3, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "**The same outcome on both**: every run on both engines stopped at cell 4 " \
           "(import numpy as np)" in result.stdout
    assert set(rows_of(result.stdout).values()) == {"agree"} and len(rows_of(result.stdout)) == 4


# Late 2016: TF 0.x's names and argument orders (tf.mul, tf.pack, concat with the axis first),
# which TensorFlow 1.0 renamed; every figure depends on the data only.
TF0_SCRIPT = """import tensorflow as tf
pair = tf.pack([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])
joined = tf.concat(0, [pair, tf.mul(pair, 2.0)])
sess = tf.Session()
print('joined {} rows, sum {}'.format(*sess.run([tf.shape(joined)[0], tf.reduce_sum(joined)])))
"""


def test_a_late_2016_script_compares_against_tf_0_12(tmp_path):
    tf_environment("0.12.1")
    (tmp_path / "tf0_script.py").write_text(TF0_SCRIPT)
    result = compare("tf0_script.py", "--tf", "0.12.1", "--runs", 3, "--out", tmp_path / "out",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "on tensorflow 0.12.1 and on legacy-sae" in result.stdout
    assert rows_of(result.stdout) == {("joined {#} rows, sum {}", "last"): "agree",
                                      ("joined {} rows, sum {#}", "last"): "agree"}


# The loader's batches, from a numpy seed set before the data sets are built: TF 0.12 reads the
# first epoch in file order and keeps that seed; TF 1.2 and later shuffle and reseed.
BATCHES = """import numpy as np
from tensorflow.examples.tutorials.mnist import input_data
np.random.seed(7)
mnist = input_data.read_data_sets('MNIST-data', one_hot=False, validation_size=54990)
for step in range(4):
    images, labels = mnist.train.next_batch(4)
    print('batch {} labels {} {} {} {}'.format(step, *labels))
"""


def test_tf0_loader_rules_give_tf_0_12s_batches_and_the_default_does_not(tmp_path):
    tf_environment("0.12.1")
    (tmp_path / "batches.py").write_text(BATCHES)
    out = tmp_path / "out"
    with_rules = compare("batches.py", "--tf", "0.12.1", "--runs", 3, "--loader-rules", "0.x",
                         "--out", out, cwd=tmp_path)
    assert with_rules.returncode == 0, with_rules.stdout[-3000:] + with_rules.stderr[-3000:]
    assert set(rows_of(with_rules.stdout).values()) == {"agree"}  # four batches, 20 figures
    assert len(rows_of(with_rules.stdout)) == 20
    default = compare("batches.py", "--tf", "0.12.1", "--runs", 3, "--out", out, cwd=tmp_path)
    assert default.stdout.count("started") == 3  # TF 0.12.1's runs reused, the rules' kept apart
    assert default.returncode == 1, default.stdout[-3000:]
    assert rows_of(default.stdout)["batch {} labels {#} {} {} {}", "1 of 4"] == \
        "not comparable"  # the same on TF 0.12.1 in every run, shuffled here


def test_a_package_the_reference_environment_lacks_gets_one_line(tmp_path):
    python = tf18_python()
    (tmp_path / "needs.py").write_text("import fissix\nprint('steps: {}'.format(1))\n")
    result = compare("needs.py", "--runs", 1, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "'fissix'" in result.stderr and f"{python} -m pip install" in result.stderr
    assert not records.load_records(tmp_path / "out")  # nothing recorded: it runs once installed


@pytest.mark.parametrize("version", ["0.12.0", "2.15.0", "1.8"])
def test_a_release_without_a_python_3_6_wheel_gets_one_line(tmp_path, version):
    (tmp_path / "script.py").write_text("print(1)\n")
    result = compare("script.py", "--tf", version, cwd=tmp_path,
                     env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache")))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "0.12.1 to 1.15.5" in result.stderr
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("margin", ["0", "-1", "inf", "nan"])
def test_a_margin_that_is_not_a_positive_number_gets_one_line(tmp_path, margin):
    (tmp_path / "script.py").write_text("print(1)\n")
    result = compare("script.py", "--margin", margin, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "--margin must be a positive number" in result.stderr


def test_unknown_loader_rules_get_one_line_before_any_run(tmp_path):
    (tmp_path / "script.py").write_text("print(1)\n")
    result = compare("script.py", "--loader-rules", "1.8", "--out", tmp_path / "out",
                     cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "choose one of 0.x, 1.1, 1.2" in result.stderr
    assert not (tmp_path / "out").exists()


def run(engine, k, printed, status="ok"):
    return dict(id=f"s-{engine}-r{k}", status=status, result=dict(printed=printed),
                error="exit status 1\nValueError: boom" if status != "ok" else None)


def runs_of(engine, values, template="loss {}"):
    return [run(engine, k, {template: [[v]]}) for k, v in enumerate(values, 1)]


def verdict_of(reference, ours):
    (row,) = comparison.compare(reference, ours)
    return row["verdict"], row["why"]


def test_a_line_printed_by_one_engine_only_is_not_comparable():
    ours = [dict(r, result=dict(printed={**r["result"]["printed"], "extra {}": [[1.0]]}))
            for r in runs_of("sae", [0.5, 0.6])]
    rows = comparison.compare(runs_of("tf", [0.5, 0.6]), ours)
    extra = next(row for row in rows if row["label"] == "extra {#}")
    assert (extra["verdict"], extra["why"]) == ("not comparable", "printed by legacy-sae only")
    assert comparison.exit_status(rows, comparison.failures([], [])) == 1


def test_a_crash_on_one_side_is_reported_and_fails():
    reference = runs_of("tf", [0.5, 0.6, 0.55])
    ours = runs_of("sae", [0.5, 0.6]) + [run("sae", 3, {}, status="failed")]
    failed = comparison.failures(reference, ours)
    assert [r["id"] for r in failed["legacy-sae"]] == ["s-sae-r3"] and not failed["TensorFlow"]
    rows = comparison.compare(reference, ours)
    assert comparison.exit_status(rows, failed) == 1


def test_constants_agree_exactly_or_differ_from_three_runs():
    assert verdict_of(runs_of("tf", [55000] * 3), runs_of("sae", [55000] * 3)) == \
        ("agree", "identical")
    assert verdict_of(runs_of("tf", [0.1234567] * 3), runs_of("sae", [0.12345671] * 3)) == \
        ("agree", "equal to float32")
    assert verdict_of(runs_of("tf", [26781] * 3), runs_of("sae", [26807.8] * 3))[0] == "differ"
    # two equal values can be chance (a label, a rounded accuracy): not yet a constant
    assert verdict_of(runs_of("tf", [7] * 2), runs_of("sae", [3] * 2))[0] == \
        "too few runs to tell"


def test_a_figure_constant_on_one_side_only_is_not_comparable_from_three_runs():
    assert verdict_of(runs_of("tf", [7, 7, 7]), runs_of("sae", [3, 9, 7])) == \
        ("not comparable", "constant on TensorFlow only")
    assert verdict_of(runs_of("tf", [7, 7]), runs_of("sae", [3, 9]))[0] == "too few runs to tell"


def test_one_run_a_side_is_too_few_to_tell():
    rows = comparison.compare(runs_of("tf", [0.5]), runs_of("sae", [0.9]))
    assert rows[0]["verdict"] == "too few runs to tell"
    assert comparison.exit_status(rows, comparison.failures([], [])) == comparison.EXIT_TOO_FEW


def test_each_printing_is_a_figure_when_every_run_prints_it_as_often():
    reference = [run("tf", k, {"Accuracy: {}": [[0.85 + k / 100], [0.97 + k / 1000]]})
                 for k in (1, 2)]
    ours = [run("sae", k, {"Accuracy: {}": [[0.84 + k / 100], [0.97 + k / 1000]]})
            for k in (1, 2)]
    assert [row["printing"] for row in comparison.compare(reference, ours)] == ["1 of 2",
                                                                                "2 of 2"]
    ours[1]["result"]["printed"]["Accuracy: {}"].append([0.5])  # printed 3 times in one run
    assert [(row["printing"], row["values"]) for row in comparison.compare(reference, ours)] == \
        [("last", ([0.97 + 1 / 1000, 0.97 + 2 / 1000], [0.97 + 1 / 1000, 0.5]))]


def simulated_verdicts(n, shift_in_sds, trials=2000):
    """How often each verdict is given to n normal runs a side whose true means lie
    `shift_in_sds` TensorFlow sds apart."""
    rng = np.random.default_rng(0)
    counts = dict.fromkeys(comparison.VERDICTS, 0)
    for _ in range(trials):
        reference = list(rng.standard_normal(n))
        ours = list(rng.standard_normal(n) + shift_in_sds)
        counts[comparison.judge(reference, ours)["verdict"]] += 1
    return {verdict: count / trials for verdict, count in counts.items()}


@pytest.mark.parametrize("n", [3, 8, 16])
def test_error_rates_at_the_margin_and_at_equality(n):
    at_margin = simulated_verdicts(n, comparison.DEFAULT_MARGIN)
    assert at_margin["agree"] <= 0.05 + 0.015  # two one-sided tests at 5 %, plus noise
    assert at_margin["differ"] <= 0.02
    assert simulated_verdicts(n, 0.0)["differ"] <= 0.002 + 0.002
    assert simulated_verdicts(n, 4 * comparison.DEFAULT_MARGIN)["differ"] >= (
        0.9 if n >= 8 else 0.1)

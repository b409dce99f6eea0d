"""`tf.keras.datasets.mnist.load_data()` offline under the shims: the bundled MNIST's arrays,
as mnist.npz holds them, with one note on stderr; a mnist.npz in the user's Keras cache is used
as it is. Downloads are made impossible here (proxies at a closed local port), so a load that
tried one would fail at once instead of reaching out."""
import os

import pytest

from conftest import SCRIPTS, run_cli

NO_NETWORK = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
              "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}


def test_load_data_gives_the_bundled_arrays_offline(tmp_path):
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "keras"), **NO_NETWORK)
    result = run_cli("run", os.path.join(SCRIPTS, "keras_mnist.py"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.splitlines()
    # The label sum follows from MNIST's published counts of each digit in its training set
    # (5923 zeros, 6742 ones, ..., 5949 nines); the pixel sums from the bundled files, whose
    # checksums input_data checks (a mean of 33.32, 0.1307 x 255).
    assert "x_train (60000, 28, 28) uint8 pixel or label sum 1567298545" in lines
    assert "y_train (60000,) uint8 pixel or label sum 267236" in lines
    assert "x_test (10000, 28, 28) uint8 pixel or label sum 264923200" in lines
    assert "first labels [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]" in lines
    assert lines[-3:] == ["the same training images as input_data's: True",
                          "the same training labels: True", "the same test images: True"]
    assert result.stderr.count("no mnist.npz in the Keras cache") == 1
    assert not (tmp_path / "keras" / "datasets" / "mnist.npz").exists()  # nothing downloaded


@pytest.mark.parametrize("cached", [True, False])
def test_a_mnist_npz_in_the_keras_cache_is_used_as_it_is(tmp_path, monkeypatch, cached):
    from legacy_sae.compat import keras
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    if cached:
        (tmp_path / "datasets").mkdir()
        (tmp_path / "datasets" / "mnist.npz").write_bytes(b"the user's own file")
    calls = []
    load_data = keras.offline_mnist(lambda path, **kwargs: calls.append(path) or "theirs")
    found = load_data()
    assert (found == "theirs") == cached and calls == (["mnist.npz"] if cached else [])
    if not cached:
        (x_train, y_train), (x_test, y_test) = found
        assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)

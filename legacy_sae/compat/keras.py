"""`tf.layers`, `tf.keras` and the `tf.nn.rnn_cell` cells with TF1's Keras 2 semantics.

TensorFlow 2.16 and later take Keras 3 for `tf.keras`, and Keras 3 dropped what TF1 code calls:
`tf.layers.dense` stops with "not available with Keras 3", and the TF1 RNN cells are gone.
TensorFlow still serves all three from tf-keras, its own legacy-Keras package (released with each
TensorFlow version), when `TF_USE_LEGACY_KERAS=1`. TensorFlow reads that variable when Keras is
first touched, so `use_legacy_keras()` sets it from `compat.install()` only: processes that never
ask for the shims keep Keras 3. tf-keras must be imported while `import tensorflow` still gives
TensorFlow itself: it imports TensorFlow's submodules by name (`tensorflow.compat.v2...`), which
the shims' TF1 module does not resolve. TensorFlow imports it when the variable is set first;
`load_tf_keras()` covers a process that imported TensorFlow before.

`tf.keras.datasets.mnist.load_data()` downloads `mnist.npz` on first use, which an offline
machine cannot: under the shims it returns the same arrays from legacy-sae's bundled MNIST
(`offline_mnist`), unless the user's Keras cache already holds the file, which is then used as
it is.
"""
import contextlib
import importlib
import io
import os
import sys
import warnings

# TF1 name: how the shims serve it
LEGACY_KERAS = {
    "tf.layers": "tf-keras's TF1 layers (tf.compat.v1.layers)",
    "tf.keras": "tf-keras, TensorFlow's legacy Keras 2",
    "tf.nn.rnn_cell": "tf-keras's TF1 RNN cells (tf.compat.v1.nn.rnn_cell)",
}


def _bound_to_keras_3(tensorflow):
    """Whether this process's TensorFlow has already resolved tf.keras or tf.layers to Keras 3
    (its lazy loaders record the Keras they loaded; reading their __dict__ loads nothing)."""
    loaders = [vars(tensorflow).get("keras"), vars(tensorflow.compat.v1).get("keras"),
               vars(tensorflow.compat.v1).get("layers")]
    return any(vars(loader).get("_tfll_keras_version") == "keras_3"
               for loader in loaders if loader is not None and hasattr(loader, "__dict__"))


def use_legacy_keras():
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None and hasattr(tensorflow, "compat") and _bound_to_keras_3(tensorflow):
        warnings.warn("Keras 3 was loaded in this process before the legacy-sae shims, so "
                      "tf.layers, tf.keras and tf.nn.rnn_cell keep Keras 3 here. Load the shims "
                      "first (in Jupyter: restart the kernel, then %load_ext legacy_sae).",
                      stacklevel=3)


def load_tf_keras():
    importlib.import_module("tf_keras")  # for TensorFlow's lazy tf.keras and tf.layers


# Where tf-keras exports mnist.load_data (its implementation, and the tf.keras APIs).
MNIST_MODULES = ("tf_keras.src.datasets.mnist", "tf_keras.datasets.mnist",
                 "tf_keras.api._v1.keras.datasets.mnist", "tf_keras.api._v2.keras.datasets.mnist")


def keras_cached(path):
    """Where Keras's get_file keeps `path` (its cache folder: $KERAS_HOME, else ~/.keras)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets", path)


def offline_mnist(load_data):
    """`load_data` (Keras's mnist.load_data) that reads the bundled MNIST when the Keras cache
    lacks mnist.npz: ((x_train, y_train), (x_test, y_test)), uint8 images [60000, 28, 28] and
    [10000, 28, 28] and uint8 labels, the four IDX files in their own order, as mnist.npz holds
    them."""
    def bundled_load_data(path="mnist.npz", **kwargs):
        cached = kwargs.get("cache_dir") and os.path.join(
            os.path.expanduser(kwargs["cache_dir"]), "datasets", path)
        if os.path.exists(cached or keras_cached(path)):
            return load_data(path, **kwargs)
        from legacy_sae import input_data
        files = [os.path.join(input_data.BUNDLED_DIR, name) for name in input_data.MNIST_FILES]
        print(f"legacy-sae: mnist.load_data(): no {path} in the Keras cache; the same arrays "
              f"read from legacy-sae's bundled MNIST (no download needed).", file=sys.stderr,
              flush=True)
        with contextlib.redirect_stdout(io.StringIO()):  # the loader's "Extracting" lines
            return ((input_data.extract_images(files[0])[..., 0],
                     input_data.extract_labels(files[1])),
                    (input_data.extract_images(files[2])[..., 0],
                     input_data.extract_labels(files[3])))
    bundled_load_data.__doc__ = load_data.__doc__
    return bundled_load_data


def patch_mnist():
    """Serve mnist.load_data offline in every module tf-keras exports it from; returns
    [(module, "load_data", original)] to undo it."""
    undo = []
    for name in MNIST_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an API this tf-keras does not have
            continue
        undo.append((module, "load_data", module.load_data))
        module.load_data = offline_mnist(module.load_data)
    return undo

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
"""
import importlib
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

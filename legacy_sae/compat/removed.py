"""What TensorFlow 2 removed with no maintained equivalent: one clear error at first use.

`REMOVED` maps a TF1 name to what a user can do instead. A script that touches one of these names
gets `RemovedInTF2Error`; the runner and the notebook extension print its message alone, without
a traceback into the shims, and `legacy-sae run` exits with status 1. `legacy-sae check` reads
the same table to say so before anything runs.
"""

_ESTIMATOR = ("Estimators left TensorFlow in 2.16. Build the model with tf.layers or tf.keras "
              "(served here by tf-keras) and train it in a tf.Session loop or with Keras "
              "model.fit; or run the script on TensorFlow 2.15 or older.")

_SEQ2SEQ = ("TF 0.x's tf.nn.seq2seq (TF 1.x's tf.contrib.legacy_seq2seq) left with tf.contrib, and "
            "its successor in TensorFlow Addons is no longer maintained. Build the encoder and "
            "decoder from tf.nn.rnn_cell cells with tf.nn.static_rnn or tf.nn.dynamic_rnn, or "
            "run the script on TensorFlow 1.15.")

REMOVED = {
    "tf.estimator": _ESTIMATOR,
    "tf.contrib.estimator": _ESTIMATOR,
    "tf.contrib.learn": (
        "tf.contrib.learn (DNNClassifier, SKCompat, learn.datasets) was deprecated in TF 1.x and "
        "removed with tf.contrib. Use tf.keras (tf-keras here) for the model; load MNIST with "
        "tensorflow.examples.tutorials.mnist.input_data, which legacy-sae serves offline."),
    "tf.contrib.factorization": (
        "K-means, GMM and WALS: scikit-learn's KMeans and GaussianMixture, or the same updates "
        "written as ops in a tf.Session loop."),
    "tf.contrib.tensor_forest": (
        "Random forests: scikit-learn's RandomForestClassifier, or TensorFlow Decision Forests."),
    "tf.contrib.boosted_trees": (
        "Gradient-boosted trees: scikit-learn's HistGradientBoostingClassifier, XGBoost or "
        "LightGBM."),
    "tf.contrib.eager": (
        "TensorFlow 2 runs eagerly by default: run the script with plain python on TensorFlow 2, "
        "with tfe.X written as tf.X and the gradient functions as tf.GradientTape."),
    "tf.contrib.distributions": "Probability distributions live on in TensorFlow Probability "
                                "(tfp.distributions).",
    "tf.contrib.tpu": "TPU training in TensorFlow 2 goes through tf.distribute.TPUStrategy.",
    "tf.nn.seq2seq": _SEQ2SEQ,
    "tf.contrib.legacy_seq2seq": _SEQ2SEQ,
    "tf.python.ops.seq2seq": _SEQ2SEQ,
    "tf.models.rnn.seq2seq": _SEQ2SEQ,
}


def canonical(module_name):
    """'tensorflow.contrib.rnn' -> 'tf.contrib.rnn': names as TF1 scripts write them."""
    return "tf" + module_name[len("tensorflow"):] if module_name.startswith("tensorflow") \
        else module_name


def advice_for(name):
    """What to do instead of `name`: the advice of its longest entry in REMOVED, or None."""
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        advice = REMOVED.get(".".join(parts[:end]))
        if advice:
            return advice
    return None


class RemovedInTF2Error(Exception):
    """A TF1 name that TensorFlow 2 removed and legacy-sae cannot serve.

    Deliberately neither an AttributeError nor an ImportError: `hasattr()` and
    `from ... import ...` would swallow those and lose the message."""

    def __init__(self, name, advice=None):
        self.name = name
        self.advice = advice or advice_for(name) or ""
        super().__init__(f"{name} is not in TensorFlow 2: it was removed, and there is no "
                         f"drop-in replacement. {self.advice}".rstrip())

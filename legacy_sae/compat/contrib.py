"""`tf.contrib`, TF 1.x's staging area that TensorFlow 2 removed: the parts that live on.

`CONTRIB` maps each served part to how it is served and what serves it. tf-slim is the library
Google split out of `tf.contrib.slim`, `contrib.layers` and `contrib.framework` for TF 2 graphs, so
those three parts are tf-slim itself (with the TensorFlow names it expects where it expects them:
`TF_SLIM_MOVED`). `contrib.rnn` was mostly moved into TF 1.x proper: its cells are
`tf.compat.v1.nn.rnn_cell` (from tf-keras) and its static RNNs `tf.compat.v1.nn`; the cells TF 2
dropped are written in `contrib_rnn`, as are `contrib.legacy_seq2seq`'s static models in
`legacy_seq2seq`. A part not listed, or a name a served part lacks, raises `RemovedInTF2Error` with
what to do instead (`removed.REMOVED`), never a bare AttributeError from deep inside.

Both `tf.contrib.rnn` and `from tensorflow.contrib import rnn` (or `import
tensorflow.contrib.slim as slim`) give the same module; parts load on first use, so a script
that never touches tf.contrib never imports tf-slim.
"""
import importlib
import types

from legacy_sae.compat import contrib_rnn, legacy_seq2seq, tf0
from legacy_sae.compat.forwarding import Forwarding
from legacy_sae.compat.removed import RemovedInTF2Error, advice_for, canonical
from legacy_sae.compat.startup import import_tensorflow

PACKAGE = "tensorflow.contrib"


# tf-slim 1.1 (2020) is its latest release. It looks these names up where TF 1.x kept them, and
# TensorFlow 2.21 has moved each of them: old home -> where it lives now.
TF_SLIM_MOVED = {
    "tensorflow.python.framework.ops.Tensor": "tensorflow.python.framework.tensor.Tensor",
    "tensorflow.python.framework.ops.IndexedSlices":
        "tensorflow.python.framework.indexed_slices.IndexedSlices",
    "tensorflow.python.ops.array_ops.stack": "tensorflow.python.ops.array_ops_stack.stack",
    "tensorflow.python.ops.array_ops.unstack": "tensorflow.python.ops.array_ops_stack.unstack",
    "tensorflow.python.ops.control_flow_ops.cond": "tensorflow.python.ops.cond.cond",
    "tensorflow.python.ops.control_flow_ops.case": "tensorflow.python.ops.control_flow_case.case",
    "tensorflow.python.ops.control_flow_ops.while_loop":
        "tensorflow.python.ops.while_loop.while_loop",
    "tensorflow.python.ops.control_flow_ops.Assert":
        "tensorflow.python.ops.control_flow_assert.Assert",
    "tensorflow.python.ops.variable_scope.variable": "tensorflow.python.ops.variable_v1.VariableV1",
    "tensorflow.python.layers.normalization.BatchNormalization":
        "tf_keras.src.legacy_tf_layers.normalization.BatchNormalization",
}


def _tf_slim():
    """tf-slim, with the names in TF_SLIM_MOVED put back where it looks for them, and its model
    definitions (`slim.nets`) loaded."""
    for old, new in TF_SLIM_MOVED.items():
        old_module, old_name = old.rsplit(".", 1)
        new_module, new_name = new.rsplit(".", 1)
        vars(importlib.import_module(old_module)).setdefault(
            old_name, getattr(importlib.import_module(new_module), new_name))
    import tf_slim
    import tf_slim.nets  # noqa: F401 (an attribute of tf_slim once imported)
    return tf_slim


def _tf1(attribute):
    def load():
        return getattr(import_tensorflow().compat.v1, attribute)
    return load


def _rnn():
    v1 = import_tensorflow().compat.v1
    module = types.ModuleType("rnn", "tf.contrib.rnn's cells and static RNN functions.")
    for name in dir(v1.nn.rnn_cell):
        if not name.startswith("_"):
            setattr(module, name, getattr(v1.nn.rnn_cell, name))
    for name in ("static_rnn", "static_bidirectional_rnn", "static_state_saving_rnn"):
        setattr(module, name, getattr(v1.nn, name))
    for name, cell in contrib_rnn.served(v1).items():
        setattr(module, name, cell)
    return module


# part: (how it is served, loader of the module that serves it)
CONTRIB = {
    "layers": ("tf-slim", _tf_slim),
    "slim": ("tf-slim", _tf_slim),
    # TF 1.8's tf.contrib.slim.nets: alexnet, inception (v1-v3), overfeat, resnet_v1/v2, vgg,
    # the same modules tf-slim 1.1 ships, with the same variable scopes.
    "slim.nets": ("tf-slim's model definitions (tf_slim.nets)", lambda: _tf_slim().nets),
    "framework": ("tf-slim (arg_scope, variables, the global step)", _tf_slim),
    "rnn": ("tf.compat.v1.nn.rnn_cell (tf-keras cells), tf.compat.v1.nn's static RNNs and the "
            "projection and embedding wrappers (legacy_sae/compat/contrib_rnn.py)", _rnn),
    "legacy_seq2seq": ("legacy_sae/compat/legacy_seq2seq.py (its static models, without "
                       "attention)",
                       lambda: legacy_seq2seq.module(import_tensorflow().compat.v1,
                                                     contrib_rnn.served(
                                                         import_tensorflow().compat.v1))),
    "keras": ("tf-keras, TensorFlow's legacy Keras", _tf1("keras")),
    "data": ("tf.compat.v1.data", _tf1("data")),
    "losses": ("tf.compat.v1.losses", _tf1("losses")),
    "deprecated": ("tf.summary (TF 0.x's summary functions, as TF 1.0 kept them here)",
                   lambda: tf0.contrib_deprecated(import_tensorflow().compat.v1)),
}

_parts = {}


def _not_served(name):
    return RemovedInTF2Error(name, advice_for(name) or (
        f"legacy-sae serves these parts of tf.contrib: {', '.join(CONTRIB)}; this one has no "
        f"maintained equivalent it knows of."))


def import_part(module_name):
    """The shim module for `tensorflow.contrib.PART`, made once."""
    part = module_name[len(PACKAGE) + 1:]
    if part not in CONTRIB:
        raise _not_served(canonical(module_name))
    if part not in _parts:
        how, load = CONTRIB[part]

        def missing(attr):
            name = f"tf.contrib.{part}.{attr}"
            return RemovedInTF2Error(name, advice_for(name) or (
                f"legacy-sae serves tf.contrib.{part} with {how}, which has no {attr}."))

        _parts[part] = Forwarding(module_name, load(), missing=missing)
    return _parts[part]


class _Contrib(types.ModuleType):
    """`tensorflow.contrib`: its parts load when first asked for."""

    def __getattr__(self, part):
        if part.startswith("__"):
            raise AttributeError(part)
        return import_part(f"{PACKAGE}.{part}")

    def __dir__(self):
        return sorted(part for part in CONTRIB if "." not in part)


def module():
    contrib = _Contrib(PACKAGE, __doc__)
    contrib.__path__ = []  # a package, so that `import tensorflow.contrib.slim` works
    return contrib

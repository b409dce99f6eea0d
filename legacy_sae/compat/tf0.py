"""TF 0.x code (late 2016, the months before TF 1.0), served at run time from TF 1.0's own tables.

TF 1.0 shipped an upgrade script, `tensorflow/tools/compatibility/tf_upgrade.py`, that rewrote
0.x source files. Its facts are the tables here, served while the script runs; no file changes:

  RENAMED     0.x name -> its TF 1.x name: the old name gives the new object
  KEYWORDS    per function, 0.x keyword -> TF 1.x keyword, accepted where TF 2 no longer is
  REORDERED   functions whose positional order changed in 1.0, with how a 0.x call is told apart
              from a 1.x one (`tf.split(0, 2, x)`: a Python int where TF 1.x wants a tensor)
  CHANGED     same name, new meaning, told apart by the argument (`tf.reverse`'s boolean mask)
  AMBIGUOUS   reordered calls that cannot be told apart: read in TF 1.x's order; `check` warns

Beyond the upgrade script's tables, also from the TF 1.0 release notes: the 0.x RNN functions
(`tf.nn.rnn` -> `static_rnn`), `nce_loss`/`sampled_softmax_loss` taking `labels` before `inputs`,
`image_summary(max_images=)`, `tf.zeros_initializer(shape)` called as a function, and
`tf.contrib.deprecated`'s summaries. `tf.nn.seq2seq` has no maintained equivalent: `removed.py`.

The first use of each 0.x name, and the first 0.x call of each reordered function, says so in one
line on stderr (the name and its TF 1.x spelling); later uses are silent.
"""
import functools
import importlib
import inspect
import numbers
import sys
import types

import numpy as np

# TF 0.x name: TF 1.x name (tf_upgrade.py's symbol_renames; its "tf.band_part" and "tf.set_diag"
# never existed: TF 1.x named them matrix_band_part and matrix_set_diag, as 0.x's batch_matrix_*)
RENAMED = {
    "tf.inv": "tf.reciprocal",
    "tf.listdiff": "tf.setdiff1d",
    "tf.list_diff": "tf.setdiff1d",
    "tf.mul": "tf.multiply",
    "tf.neg": "tf.negative",
    "tf.sub": "tf.subtract",
    "tf.train.SummaryWriter": "tf.summary.FileWriter",
    "tf.scalar_summary": "tf.summary.scalar",
    "tf.histogram_summary": "tf.summary.histogram",
    "tf.audio_summary": "tf.summary.audio",
    "tf.image_summary": "tf.summary.image",
    "tf.merge_summary": "tf.summary.merge",
    "tf.merge_all_summaries": "tf.summary.merge_all",
    "tf.contrib.deprecated.scalar_summary": "tf.summary.scalar",
    "tf.contrib.deprecated.histogram_summary": "tf.summary.histogram",
    "tf.contrib.deprecated.audio_summary": "tf.summary.audio",
    "tf.contrib.deprecated.image_summary": "tf.summary.image",
    "tf.contrib.deprecated.merge_summary": "tf.summary.merge",
    "tf.contrib.deprecated.merge_all_summaries": "tf.summary.merge_all",
    "tf.image.per_image_whitening": "tf.image.per_image_standardization",
    "tf.all_variables": "tf.global_variables",
    "tf.VARIABLES": "tf.GraphKeys.GLOBAL_VARIABLES",
    "tf.initialize_all_variables": "tf.global_variables_initializer",
    "tf.initialize_variables": "tf.variables_initializer",
    "tf.initialize_local_variables": "tf.local_variables_initializer",
    "tf.batch_matrix_diag": "tf.matrix_diag",
    "tf.batch_matrix_diag_part": "tf.matrix_diag_part",
    "tf.batch_band_part": "tf.matrix_band_part",
    "tf.batch_matrix_band_part": "tf.matrix_band_part",
    "tf.batch_set_diag": "tf.matrix_set_diag",
    "tf.batch_matrix_set_diag": "tf.matrix_set_diag",
    "tf.batch_matrix_transpose": "tf.matrix_transpose",
    "tf.batch_matrix_determinant": "tf.matrix_determinant",
    "tf.batch_matrix_inverse": "tf.matrix_inverse",
    "tf.batch_cholesky": "tf.cholesky",
    "tf.batch_cholesky_solve": "tf.cholesky_solve",
    "tf.batch_matrix_solve": "tf.matrix_solve",
    "tf.batch_matrix_triangular_solve": "tf.matrix_triangular_solve",
    "tf.batch_matrix_solve_ls": "tf.matrix_solve_ls",
    "tf.batch_self_adjoint_eig": "tf.self_adjoint_eig",
    "tf.batch_self_adjoint_eigvals": "tf.self_adjoint_eigvals",
    "tf.batch_svd": "tf.svd",
    "tf.batch_fft": "tf.fft",
    "tf.batch_ifft": "tf.ifft",
    "tf.batch_fft2d": "tf.fft2d",
    "tf.batch_ifft2d": "tf.ifft2d",
    "tf.batch_fft3d": "tf.fft3d",
    "tf.batch_ifft3d": "tf.ifft3d",
    "tf.select": "tf.where",
    "tf.complex_abs": "tf.abs",
    "tf.batch_matmul": "tf.matmul",
    "tf.pack": "tf.stack",
    "tf.unpack": "tf.unstack",
    "tf.op_scope": "tf.name_scope",
    # the 0.x RNN functions (TF 1.0 moved them to tf.contrib.rnn, TF 1.2 back as tf.nn.static_*)
    "tf.nn.rnn": "tf.nn.static_rnn",
    "tf.nn.bidirectional_rnn": "tf.nn.static_bidirectional_rnn",
    "tf.nn.state_saving_rnn": "tf.nn.static_state_saving_rnn",
}

# The same RNN functions as 0.x scripts imported them: `from tensorflow.python.ops import rnn`
# then `rnn.rnn(...)`. That module is still TensorFlow's, without the 0.x names.
INTERNAL_MODULES = {
    "tensorflow.python.ops.rnn": {"rnn": "tf.nn.static_rnn",
                                  "bidirectional_rnn": "tf.nn.static_bidirectional_rnn",
                                  "state_saving_rnn": "tf.nn.static_state_saving_rnn"},
}

# TF 0.5-0.8's import paths of the RNN modules (`from tensorflow.models.rnn import rnn, rnn_cell`),
# which TensorFlow 2 has no module for: module -> (the TF 1.x module that serves it, its 0.x names)
OLD_MODULES = {
    "tensorflow.models.rnn.rnn_cell": ("tf.nn.rnn_cell", {}),
    "tensorflow.models.rnn.rnn": ("tf.nn", INTERNAL_MODULES["tensorflow.python.ops.rnn"]),
}

# function: {TF 0.x keyword: TF 1.x keyword} (tf_upgrade.py's function_keyword_renames, and
# image_summary's max_images). TF 2's compat.v1 still accepts most old keywords itself; the shims
# rename only those its functions no longer take.
KEYWORDS = {
    "tf.batch_matmul": {"adj_x": "adjoint_a", "adj_y": "adjoint_b"},
    "tf.count_nonzero": {"reduction_indices": "axis"},
    "tf.reduce_all": {"reduction_indices": "axis"},
    "tf.reduce_any": {"reduction_indices": "axis"},
    "tf.reduce_max": {"reduction_indices": "axis"},
    "tf.reduce_mean": {"reduction_indices": "axis"},
    "tf.reduce_min": {"reduction_indices": "axis"},
    "tf.reduce_prod": {"reduction_indices": "axis"},
    "tf.reduce_sum": {"reduction_indices": "axis"},
    "tf.reduce_logsumexp": {"reduction_indices": "axis"},
    "tf.reduce_join": {"reduction_indices": "axis"},
    "tf.expand_dims": {"dim": "axis"},
    "tf.argmax": {"dimension": "axis"},
    "tf.argmin": {"dimension": "axis"},
    "tf.sparse_concat": {"concat_dim": "axis"},
    "tf.sparse_split": {"split_dim": "axis"},
    "tf.sparse_reduce_sum": {"reduction_axes": "axis"},
    "tf.sparse_reduce_sum_sparse": {"reduction_axes": "axis"},
    "tf.reverse_sequence": {"seq_dim": "seq_axis", "batch_dim": "batch_axis"},
    "tf.squeeze": {"squeeze_dims": "axis"},
    "tf.split": {"split_dim": "axis", "num_split": "num_or_size_splits"},
    "tf.concat": {"concat_dim": "axis"},
    "tf.image_summary": {"max_images": "max_outputs"},
}


def _is_int(value):
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def _is_integer_typed(value):
    """Whether `value` (tensor, array or list) holds integers: the `labels` of a sampled loss."""
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        dtype = np.asarray(value).dtype
    return bool(getattr(dtype, "is_integer", False)) or (
        isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.integer))


def _is_bool_mask(value):
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return getattr(dtype, "is_bool", False) or dtype == np.bool_
    return isinstance(value, (list, tuple)) and len(value) > 0 and \
        all(isinstance(item, (bool, np.bool_)) for item in value)


_NCE_0X = ["weights", "biases", "inputs", "labels", "num_sampled", "num_classes", "num_true",
           "sampled_values", "remove_accidental_hits", "partition_strategy", "name"]


def _int_first(args, kwargs):
    return bool(args) and _is_int(args[0])


def _positional(args, kwargs):
    return bool(args)


def _inputs_before_integer_labels(args, kwargs):
    return len(args) >= 4 and _is_integer_typed(args[3]) and not _is_integer_typed(args[2])


# function: (its TF 0.x positional order, which calls are 0.x calls, the 0.x call, the 1.x call)
# TF 1.x refused positional calls to the three cross-entropy functions (a `_sentinel` first
# parameter); TF 2's compat.v1 dropped that guard and binds them as (labels, logits).
REORDERED = {
    "tf.split": (["split_dim", "num_split", "value", "name"], _int_first,
                 "tf.split(split_dim, num_split, value)",
                 "tf.split(value, num_or_size_splits, axis)"),
    "tf.concat": (["concat_dim", "values", "name"],
                  lambda args, kwargs: _int_first(args, kwargs) or (
                      len(args) > 1 and isinstance(args[1], (list, tuple))),
                  "tf.concat(concat_dim, values)", "tf.concat(values, axis)"),
    "tf.sparse_split": (["split_dim", "num_split", "sp_input", "name"], _positional,
                        "tf.sparse_split(split_dim, num_split, sp_input)",
                        "tf.sparse_split(sp_input=..., num_split=..., axis=...)"),
    "tf.nn.softmax_cross_entropy_with_logits": (
        ["logits", "labels", "dim", "name"], _positional,
        "tf.nn.softmax_cross_entropy_with_logits(logits, labels) with positional arguments",
        "tf.nn.softmax_cross_entropy_with_logits(labels=..., logits=...)"),
    "tf.nn.sparse_softmax_cross_entropy_with_logits": (
        ["logits", "labels", "name"], _positional,
        "tf.nn.sparse_softmax_cross_entropy_with_logits(logits, labels) with positional arguments",
        "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=..., logits=...)"),
    "tf.nn.sigmoid_cross_entropy_with_logits": (
        ["logits", "labels", "name"], _positional,
        "tf.nn.sigmoid_cross_entropy_with_logits(logits, labels) with positional arguments",
        "tf.nn.sigmoid_cross_entropy_with_logits(labels=..., logits=...)"),
    # TF 1.0 put labels before inputs: a 0.x call has the integer labels fourth
    "tf.nn.nce_loss": (_NCE_0X, _inputs_before_integer_labels,
                       "tf.nn.nce_loss(weights, biases, inputs, labels, ...)",
                       "tf.nn.nce_loss(weights, biases, labels, inputs, ...)"),
    "tf.nn.sampled_softmax_loss": (_NCE_0X, _inputs_before_integer_labels,
                                   "tf.nn.sampled_softmax_loss(weights, biases, inputs, labels, ...)",
                                   "tf.nn.sampled_softmax_loss(weights, biases, labels, inputs, ...)"),
}

# same name, another meaning in TF 1.x: (when a call is a 0.x call, what it meant)
CHANGED = {
    "tf.reverse": (lambda args, kwargs: len(args) > 1 and _is_bool_mask(args[1]),
                   "a boolean mask, TF 0.x's reverse(tensor, dims); TF 1.x takes the axes"),
    "tf.zeros_initializer": (lambda args, kwargs: bool(args) and _is_shape(args[0]),
                             "called with a shape, TF 0.x's function; TF 1.x's is a class"),
    "tf.ones_initializer": (lambda args, kwargs: bool(args) and _is_shape(args[0]),
                            "called with a shape, TF 0.x's function; TF 1.x's is a class"),
    # TF 1.0 took one `size` where 0.x took the height and the width (release notes)
    "tf.image.resize_images": (lambda args, kwargs: (len(args) > 1 and _is_int(args[1]))
                               or "new_height" in kwargs,
                               "resize_images(images, new_height, new_width), TF 0.x's; TF 1.x "
                               "takes size=[new_height, new_width]"),
}

# positional calls whose 0.x and 1.x orders cannot be told apart: TF 1.x's order is used
AMBIGUOUS = {
    "tf.svd": "TF 0.x's svd(tensor, compute_uv, full_matrices) swapped the two flags in TF 1.0 "
              "(full_matrices, compute_uv); positional flags are read in TF 1.x's order",
}


def _is_shape(value):
    return isinstance(value, (list, tuple)) or type(value).__name__ == "TensorShape"


_said = set()


def say_once(old, new):
    """One stderr line the first time `old` is served as `new`."""
    if old not in _said:
        _said.add(old)
        print(f"legacy-sae: {old} is TF 0.x; served as {new}.", file=sys.stderr, flush=True)


def _resolve(v1, name):
    value = v1
    for part in name.split(".")[1:]:
        value = getattr(value, part)
    return value


def _module_of(name):
    """'tf.nn.rnn' -> 'tf.nn': the module a TF 0.x name was an attribute of."""
    return name.rsplit(".", 1)[0]


def _with_keywords(name, function, renames):
    """`function` taking the 0.x keywords of `renames` that it no longer takes itself."""
    accepted = inspect.signature(function).parameters
    renames = {old: new for old, new in renames.items() if old not in accepted}
    if not renames:
        return function

    @functools.wraps(function)
    def call(*args, **kwargs):
        for old, new in renames.items():
            if old in kwargs:
                say_once(f"{name}({old}=...)", f"{name}({new}=...)")
                kwargs[new] = kwargs.pop(old)
        return function(*args, **kwargs)
    return call


def _reordered(name, function, order, is_0x_call, old_call, new_call):
    """`function` reading a 0.x call's positional arguments in the 0.x `order`."""
    renames = KEYWORDS.get(name, {})

    @functools.wraps(function)
    def call(*args, **kwargs):
        if is_0x_call(args, kwargs):
            say_once(old_call, new_call)
            if len(args) > len(order):
                raise TypeError(f"{name} takes at most {len(order)} positional arguments")
            for keyword, value in zip(order, args):
                if keyword in kwargs:
                    raise TypeError(f"{name} got multiple values for argument {keyword!r}")
                kwargs[keyword] = value
            args = ()
        for old, new in renames.items():
            if old in kwargs:
                kwargs[new] = kwargs.pop(old)
        return function(*args, **kwargs)
    return call


def _batch_matmul(v1):
    def batch_matmul(x, y, adj_x=False, adj_y=False, name=None):
        return v1.matmul(x, y, adjoint_a=adj_x, adjoint_b=adj_y, name=name)
    return batch_matmul


def _reverse(v1):
    def reverse(tensor, axis, name=None):
        if _is_bool_mask(axis):
            say_once("tf.reverse(tensor, dims) with a boolean mask", "tf.reverse(tensor, axis)")
            if isinstance(axis, (list, tuple)):
                axis = [index for index, flag in enumerate(axis) if flag]
            else:
                axis = v1.cast(v1.reshape(v1.where(axis), [-1]), v1.int32)
        return v1.reverse(tensor, axis, name=name)
    reverse.__doc__ = v1.reverse.__doc__
    return reverse


def _resize_images(v1):
    def resize_images(images, *args, **kwargs):
        if CHANGED["tf.image.resize_images"][0]((images, *args), kwargs):
            say_once("tf.image.resize_images(images, new_height, new_width)",
                     "tf.image.resize_images(images, [new_height, new_width])")
            names = ["new_height", "new_width", "method", "align_corners"]
            kwargs.update(zip(names, args))
            args = ([kwargs.pop("new_height"), kwargs.pop("new_width")],)
        return v1.image.resize_images(images, *args, **kwargs)
    resize_images.__doc__ = v1.image.resize_images.__doc__
    return resize_images


def _initializer(v1, name):
    """TF 1.x's initializer class, which a 0.x call with a shape uses as 0.x's function."""
    base = _resolve(v1, name)
    fill = v1.zeros if "zeros" in name else v1.ones

    class Initializer(base):
        __doc__ = base.__doc__

        def __new__(cls, *args, **kwargs):
            if CHANGED[name][0](args, kwargs):
                say_once(f"{name}(shape)", f"{name}()(shape)")
                shape, dtype = args[0], (args[1:] or [kwargs.get("dtype", v1.float32)])[0]
                return fill(shape, dtype)
            return super().__new__(cls)

    Initializer.__name__ = Initializer.__qualname__ = base.__name__
    return Initializer


def _late(v1, old, new, value=None):
    """A loader for a 0.x name: says so once and gives TF 1.x's object."""
    def load():
        say_once(old, new)
        return _resolve(v1, new) if value is None else value
    return load


def served(v1):
    """{TF module name ('tf', 'tf.nn', ...): (overrides, late names)} for `compat.tf1()`.

    Overrides replace compat.v1's function at once (its 1.x calls unchanged); a late name is
    loaded, with its one stderr line, when the script first touches it."""
    modules = {}

    def entry(module):
        return modules.setdefault(module, ({}, {}))

    for old, new in RENAMED.items():
        if old.startswith("tf.contrib."):
            continue  # served by contrib.py's `deprecated` part, from this table
        # a name compat.v1 still has is its own object (tf.op_scope keeps 0.x's argument order)
        value = getattr(v1, old[3:], None) if old.count(".") == 1 else None
        if old in KEYWORDS:
            value = _batch_matmul(v1) if old == "tf.batch_matmul" else \
                _with_keywords(old, _resolve(v1, new), KEYWORDS[old])
        entry(_module_of(old))[1][old.rsplit(".", 1)[1]] = _late(v1, old, new, value)
    for name, renames in KEYWORDS.items():
        if name not in RENAMED and name not in REORDERED:
            function = _with_keywords(name, _resolve(v1, name), renames)
            if function is not _resolve(v1, name):
                entry(_module_of(name))[0][name.rsplit(".", 1)[1]] = function
    for name, (order, is_0x_call, old_call, new_call) in REORDERED.items():
        entry(_module_of(name))[0][name.rsplit(".", 1)[1]] = \
            _reordered(name, _resolve(v1, name), order, is_0x_call, old_call, new_call)
    entry("tf")[0]["reverse"] = _reverse(v1)
    entry("tf.image")[0]["resize_images"] = _resize_images(v1)
    for name in ("tf.zeros_initializer", "tf.ones_initializer"):
        entry("tf")[0][name.rsplit(".", 1)[1]] = _initializer(v1, name)
    return modules


def contrib_deprecated(v1):
    """`tf.contrib.deprecated`: TF 1.0's home of the 0.x summary functions."""
    module = types.ModuleType("tensorflow.contrib.deprecated", "TF 0.x's summary functions.")
    for old, new in RENAMED.items():
        if old.startswith("tf.contrib.deprecated."):
            setattr(module, old.rsplit(".", 1)[1], _resolve(v1, new))
    return module


def old_modules(v1):
    """{module name: module} for sys.modules: OLD_MODULES, with their parent packages."""
    from legacy_sae.compat.forwarding import Forwarding
    shims = {}
    for name, (served_by, names) in OLD_MODULES.items():
        late = {attr: _late(v1, f"{name}.{attr}", new) for attr, new in names.items()}
        shims[name] = Forwarding(name, _resolve(v1, served_by), late=late)
        parent, child = name.rsplit(".", 1)
        while parent != "tensorflow":
            if parent not in shims:
                shims[parent] = types.ModuleType(parent, "Shim for TF 0.x's models package.")
                shims[parent].__path__ = []
            setattr(shims[parent], child, shims[name])
            name, (parent, child) = parent, parent.rsplit(".", 1)
    return shims


def patch_internal_modules(v1):
    """Put the 0.x RNN names back on `tensorflow.python.ops.rnn`; returns what to undo, as
    (module, name, ABSENT) triples."""
    from legacy_sae.compat.era import ABSENT
    added = []
    for module_name, names in INTERNAL_MODULES.items():
        module = importlib.import_module(module_name)
        for attr, new in names.items():
            if not hasattr(module, attr):
                setattr(module, attr, _noticed(f"{module_name}.{attr}", new, _resolve(v1, new)))
                added.append((module, attr, ABSENT))
    return added


def _noticed(old, new, function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        say_once(old, new)
        return function(*args, **kwargs)
    return call


def describe(name):
    """How the shims serve the TF 0.x name or call `name`, or None: for `legacy-sae check`."""
    if name in RENAMED:
        return f"TF 0.x name, served as {RENAMED[name]}"
    if name in REORDERED:
        _, _, old_call, new_call = REORDERED[name]
        return f"TF 0.x call {old_call}: served as {new_call}"
    if name in CHANGED:
        return f"told apart at run time: {CHANGED[name][1]}"
    if name in AMBIGUOUS:
        return AMBIGUOUS[name]
    return None

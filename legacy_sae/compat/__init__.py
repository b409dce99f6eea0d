"""All of legacy-sae's TensorFlow 1.x compatibility glue: this package, one module per family.

Importing it changes nothing. Three calls do:

* `tf1()` returns the TF1 API: `tf.compat.v1` with TF2 behaviour disabled (graphs, placeholders,
  Sessions, `tf.train` optimizers and `Saver`), as a module, with the families below attached.
  The ports in `dae.py` and `stacked.py` use it as `tf`.
* `install()` makes this process resolve `import tensorflow` to that API, and the removed modules
  TF1 scripts import (`tensorflow.examples.tutorials.mnist.*`, `tensorflow.contrib.*`) to their
  shims, so that unmodified TF1 scripts run. It also switches `tf.layers`, `tf.keras` and the RNN
  cells to TensorFlow's legacy Keras 2. The runner (`legacy-sae run`) and the IPython extension
  (`%load_ext legacy_sae`) call it; nothing else does, so other programs and kernels in the same
  environment keep TensorFlow 2 and Keras 3. `uninstall()` undoes the imports.
* `warm_up()` starts TensorFlow's runtime, so that its start-up comes at once.

The families, each a table that the shims and `legacy-sae check` both read:

  tutorials  `tensorflow.examples.tutorials.mnist`: the vendored loader and the model module
  keras      `tf.layers`, `tf.keras`, `tf.nn.rnn_cell`: tf-keras, TensorFlow's legacy Keras
  contrib    the parts of `tf.contrib` with a maintained equivalent (mostly tf-slim), and those
             written here: `contrib_rnn` (the cell wrappers), `legacy_seq2seq` (the static models)
  removed    what TF 2 removed with no equivalent: one clear error, `RemovedInTF2Error`
  devices    graphs pinned to a GPU that is not there: soft placement onto the CPU
  startup    TensorFlow imported without its C++ start-up notices
  square     `x ** 2` as TensorFlow's Square op, bit for bit Pow's values, faster
  tf0        TF 0.x names and calls (TF 1.0's upgrade-script tables), served at run time
  era        the matplotlib and numpy of 2016-2018: Axes3D(fig), np.float, cm.get_cmap, ...
  python2    Python 2 scripts, modules and notebook cells, converted on the fly (fissix)

Two smaller differences from TF 1.x, each needed to run the tutorial unmodified:

* `Saver.save` creates the checkpoint's folder. TF 2's refuses a folder that does not exist,
  which `stacked_tutorial.py` relies on (it saves to `./stacked_encoder/`).
* TensorFlow's deprecation warnings (`tf.nn.dropout` with keep_prob, `tf.layers.dense` and the
  like) are silenced, so the scripts' own logs stay readable.
"""
import importlib.abc
import importlib.util
import os
import sys
import warnings

from legacy_sae.compat import contrib, devices, era, keras, removed, square, startup, tf0, \
    tutorials
from legacy_sae.compat.forwarding import Forwarding
from legacy_sae.compat.removed import RemovedInTF2Error

__all__ = ["tf1", "install", "uninstall", "warm_up", "RemovedInTF2Error"]

_tf1_api = None
_installed = None  # (modules replaced in sys.modules, the import finder) while installed


def tf1():
    """The TF1 API as TF1 scripts know it (see the module docstring); built once per process."""
    global _tf1_api
    tensorflow = startup.import_tensorflow()
    tensorflow.get_logger().setLevel("ERROR")
    v1 = tensorflow.compat.v1
    v1.disable_v2_behavior()  # every call: uninstall() may have enabled TF2 behaviour again
    if _tf1_api is None:
        class Saver(v1.train.Saver):
            __doc__ = v1.train.Saver.__doc__

            def save(self, sess, save_path, *args, **kwargs):
                os.makedirs(os.path.dirname(save_path) or ".", exist_ok=True)
                return super().save(sess, save_path, *args, **kwargs)

        tf0_served = tf0.served(v1)
        top_overrides, top_late = tf0_served.pop("tf")
        tf0_served["tf.train"][0]["Saver"] = Saver
        submodules = {
            name[3:]: Forwarding("tensorflow" + name[2:], getattr(v1, name[3:]), late=late,
                                 **overrides)
            for name, (overrides, late) in tf0_served.items()}
        _tf1_api = Forwarding("tensorflow", v1, late=top_late,
                              **{**top_overrides, **submodules},
                              contrib=contrib.module(),
                              **devices.overrides(v1))
    return _tf1_api


def warm_up():
    """Start TensorFlow's runtime once with a throwaway Session, so that its one-time start-up
    (and any C++ message a user asked to see) comes now, not in the middle of a training log."""
    api = tf1()
    with api.Graph().as_default(), api.Session() as sess:
        sess.run(api.constant(0))


class _ShimFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of `tensorflow.contrib.PART`: the part's shim module, or the removed-API error;
    imports of other modules listed in `removed.REMOVED` (`tensorflow.python.ops.seq2seq`): the
    removed-API error."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith(contrib.PACKAGE + ".") or removed.canonical(name) in removed.REMOVED:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        if not spec.name.startswith(contrib.PACKAGE + "."):
            raise RemovedInTF2Error(removed.canonical(spec.name))
        return contrib.import_part(spec.name)

    def exec_module(self, module):
        pass


def install():
    """Let unmodified TF1 scripts in this process import what they expect. Returns the TF1 API."""
    global _installed
    keras.use_legacy_keras()
    api = tf1()
    keras.load_tf_keras()  # before `import tensorflow` gives the shim: tf-keras imports TF's own
    warnings.filterwarnings("ignore", message=r".*is deprecated and will be removed",
                            category=UserWarning)
    square.use_square_for_power_of_two()
    if _installed is None:
        shims = {"tensorflow": api, contrib.PACKAGE: api.contrib, **tutorials.modules(),
                 **tf0.old_modules(startup.import_tensorflow().compat.v1)}
        replaced = {name: sys.modules.get(name) for name in shims}
        sys.modules.update(shims)
        finder = _ShimFinder()
        sys.meta_path.insert(0, finder)
        patched = tf0.patch_internal_modules(startup.import_tensorflow().compat.v1) \
            + era.patch() + keras.patch_mnist()
        _installed = replaced, finder, patched
    return api


def uninstall():
    """Undo `install()`'s imports: `import tensorflow` gives the TensorFlow 2 module again.

    TF2 behaviour and legacy Keras stay in this process: TensorFlow cannot turn eager execution
    back on once graphs were built, nor change its Keras once loaded. A fresh process or kernel
    has TF2 behaviour and Keras 3."""
    global _installed
    if _installed is None:
        return
    replaced, finder, patched = _installed
    square.restore_pow()
    for owner, name, original in reversed(patched):
        if original is era.ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n.startswith(contrib.PACKAGE + ".")]:
        del sys.modules[name]
    for name, module in replaced.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    _installed = None

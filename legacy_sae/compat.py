"""All of legacy-sae's TensorFlow 1.x compatibility glue, in one place.

Importing this module changes nothing. Two calls do:

* `tf1()` returns the TF1 API: `tf.compat.v1` with TF2 behaviour disabled (graphs, placeholders,
  Sessions, `tf.train` optimizers and `Saver`), as a module. The ports in `dae.py` and
  `stacked.py` use it as `tf`.
* `warm_up()` starts TensorFlow's runtime, so that its start-up notices come out at once.
* `install()` makes this process resolve `import tensorflow` to that API and
  `from tensorflow.examples.tutorials.mnist import input_data` to the vendored loader, so that
  unmodified TF1 scripts run. The runner (`legacy-sae run`) and the IPython extension
  (`%load_ext legacy_sae`) call it; nothing else does, so other programs and kernels in the same
  environment keep normal TensorFlow 2. `uninstall()` undoes the imports.

Differences from TF 1.x, each needed to run the tutorial unmodified:

* `Saver.save` creates the checkpoint's folder. TF 2's refuses a folder that does not exist,
  which `stacked_tutorial.py` relies on (it saves to `./stacked_encoder/`).
* TensorFlow's Python deprecation warnings (`tf.nn.dropout` with keep_prob and the like) are
  silenced, so the scripts' own logs stay readable.
"""
import os
import sys
import types

_MNIST_PACKAGES = ("tensorflow.examples", "tensorflow.examples.tutorials",
                   "tensorflow.examples.tutorials.mnist")
_INPUT_DATA = "tensorflow.examples.tutorials.mnist.input_data"

_tf1_api = None
_replaced_modules = None


class _Forwarding(types.ModuleType):
    """A module whose own attributes override those of `target`; the rest are looked up there."""

    def __init__(self, name, target, **overrides):
        super().__init__(name, target.__doc__)
        self.__dict__.update(overrides, _target=target)

    def __getattr__(self, attr):
        return getattr(self._target, attr)

    def __dir__(self):
        return sorted(set(dir(self._target)) | set(self.__dict__))


def tf1():
    """The TF1 API as the tutorial knew it (see the module docstring); built once per process."""
    global _tf1_api
    import tensorflow
    tensorflow.get_logger().setLevel("ERROR")
    v1 = tensorflow.compat.v1
    v1.disable_v2_behavior()  # every call: uninstall() may have enabled TF2 behaviour again
    if _tf1_api is None:
        class Saver(v1.train.Saver):
            __doc__ = v1.train.Saver.__doc__

            def save(self, sess, save_path, *args, **kwargs):
                os.makedirs(os.path.dirname(save_path) or ".", exist_ok=True)
                return super().save(sess, save_path, *args, **kwargs)

        _tf1_api = _Forwarding("tensorflow", v1,
                               train=_Forwarding("tensorflow.train", v1.train, Saver=Saver))
    return _tf1_api


def warm_up():
    """Start TensorFlow's runtime once with a throwaway Session, so that its one-time C++
    notices (CPU features, CUDA probing) are printed now, not in the middle of a training log."""
    api = tf1()
    with api.Graph().as_default(), api.Session() as sess:
        sess.run(api.constant(0))


def install():
    """Let unmodified TF1 scripts in this process import what they expect. Returns the TF1 API."""
    global _replaced_modules
    api = tf1()
    if _replaced_modules is None:
        from legacy_sae import input_data
        shims = {"tensorflow": api, _INPUT_DATA: input_data}
        for name in _MNIST_PACKAGES:
            shims[name] = types.ModuleType(name, "Shim for the removed TF 1.x tutorials package.")
            shims[name].__path__ = []
        for parent, child in zip(_MNIST_PACKAGES, _MNIST_PACKAGES[1:] + (_INPUT_DATA,)):
            setattr(shims[parent], child.rsplit(".", 1)[1], shims[child])
        _replaced_modules = {name: sys.modules.get(name) for name in shims}
        sys.modules.update(shims)
    return api


def uninstall():
    """Undo `install()`'s imports: `import tensorflow` gives the TensorFlow 2 module again.

    TF2 behaviour stays disabled in this process: TensorFlow cannot turn eager execution back on
    once graphs were built. A fresh process or kernel has TF2 behaviour."""
    global _replaced_modules
    if _replaced_modules is None:
        return
    for name, module in _replaced_modules.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    _replaced_modules = None

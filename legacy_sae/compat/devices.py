"""Graphs pinned to a GPU that the machine lacks run on the CPU, as TensorFlow 2 does by default.

TF1 scripts often pin their graph with `with tf.device('/gpu:0'):`, and a TF1 Session refuses to
place such ops on a machine without that GPU unless `allow_soft_placement` is set. On a machine
with no GPU, the shims' `Session` and `InteractiveSession` set it, and the first `tf.device` that
names a GPU says so once on stderr. On a machine with GPUs nothing changes: ops go where pinned.
"""
import functools
import sys

from legacy_sae.compat.startup import import_tensorflow

# TF1 name: how the shims serve it
PINNING = {
    "tf.device": "tf.compat.v1.device; on a machine without a GPU, ops pinned to one run on the "
                 "CPU (soft placement)",
}


@functools.cache
def has_gpu():
    return bool(import_tensorflow().config.list_physical_devices("GPU"))


@functools.cache
def _say_gpu_missing():
    print("legacy-sae: this machine has no GPU; ops the script pins to a GPU run on the CPU "
          "instead (soft placement).", file=sys.stderr, flush=True)


def overrides(v1):
    """The TF1 API's Session, InteractiveSession and device, for `compat.tf1()`."""

    def soft_placement(config):
        if has_gpu():
            return config
        soft = v1.ConfigProto()
        if config is not None:
            soft.CopyFrom(config)
        soft.allow_soft_placement = True
        return soft

    class Session(v1.Session):
        __doc__ = v1.Session.__doc__

        def __init__(self, target="", graph=None, config=None):
            super().__init__(target, graph, soft_placement(config))

    class InteractiveSession(v1.InteractiveSession):
        __doc__ = v1.InteractiveSession.__doc__

        def __init__(self, target="", graph=None, config=None):
            super().__init__(target, graph, soft_placement(config))

    def device(device_name_or_function):
        if isinstance(device_name_or_function, str) and "gpu" in device_name_or_function.lower() \
                and not has_gpu():
            _say_gpu_missing()
        return v1.device(device_name_or_function)

    device.__doc__ = v1.device.__doc__
    return dict(Session=Session, InteractiveSession=InteractiveSession, device=device)

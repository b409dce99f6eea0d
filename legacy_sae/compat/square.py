"""`x ** 2` on a graph tensor builds TensorFlow's Square op instead of its general Pow.

Both listings square their reconstruction error with `** 2`, and Pow's kernel, forward and again
in its gradient, is the costliest op of their steps after the matmuls. Square gives the same
values and gradients bit for bit (the ports use it; `tests/test_same_math.py` holds the printed
numbers of the unmodified listings to the ports' digit for digit). Any other exponent keeps Pow.
`compat.install()` turns this on for scripts run as-is; `uninstall()` turns it off.
"""
from legacy_sae.compat.startup import import_tensorflow

_original_pow = None


def _pow(x, y):
    if isinstance(y, (int, float)) and not isinstance(y, bool) and y == 2:
        return import_tensorflow().math.square(x)
    return _original_pow(x, y)


def use_square_for_power_of_two():
    global _original_pow
    from tensorflow.python.framework import tensor
    if _original_pow is None:
        _original_pow = tensor.Tensor.__pow__
        tensor.Tensor.__pow__ = _pow


def restore_pow():
    global _original_pow
    from tensorflow.python.framework import tensor
    if _original_pow is not None:
        tensor.Tensor.__pow__ = _original_pow
        _original_pow = None

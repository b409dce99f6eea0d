"""The error legacy-sae raises for input a user can fix, the argument checks the ports share, and
`Terminated`, SIGTERM as an exception.

Every check runs before any training starts, so a bad option costs seconds, not a training run.
"""
import os
import tempfile


class LegacySAEError(ValueError):
    """Bad input the user can fix. The message names the culprit and the fix; the CLI prints it
    without a traceback and exits with status 2. A ValueError, as TF 1.x raised for bad arguments."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt for Ctrl-C, so that a run stopped
    either way unwinds the same: locks released, partial files removed, a message, exit 143."""


def raise_terminated(signum, frame):
    raise Terminated()


def whole_number(value, name, minimum, note=""):
    """`value` if it is an int (not a bool) of at least `minimum`; `note` says what the least
    value means, where that needs saying."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise LegacySAEError(f"{name} must be a whole number of at least {minimum}{note}, got "
                             f"{value!r}.")
    return value


def positive_int(value, name):
    return whole_number(value, name, minimum=1)


def keep_probability(value, name="keep_prob"):
    """Dropout's keep probability: 1.0 keeps every unit, 0 would drop them all."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise LegacySAEError(f"{name} must lie in (0, 1] (1.0 disables dropout), got {value!r}.")
    return float(value)


def writable_dir(path, what):
    """Create `path` if needed and prove it takes a file; `what` names its role in the message."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise LegacySAEError(
            f"The {what} {path!r} cannot be written to ({err.strerror or err}). "
            f"Choose a writable folder with the matching option, or fix its permissions."
        ) from None
    return path

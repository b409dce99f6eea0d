"""The TensorFlow releases legacy-sae supports, and the one line a process gets with any other.

Every shim is tested on each minor release from OLDEST to NEWEST (`nox -s tf`, results in
docs/dependencies.md). tf-keras, TensorFlow's legacy Keras, is released once per TensorFlow minor
version and works only with that one, so the pair must match. Both are read from the installed
packages' metadata, before TensorFlow is imported: a release outside the range may fail in its
import already, with a traceback that would not say why.
"""
from importlib import metadata

from legacy_sae.checks import LegacySAEError

# setup.py's install_requires and noxfile.py name the same range (tests/test_versions.py).
OLDEST, NEWEST = (2, 15), (2, 21)


def minor(version):
    """(major, minor) of a version string such as '2.18.1' or '2.16.0rc1'."""
    major, minor_part = version.split(".")[:2]
    return int(major), int("".join(digit for digit in minor_part if digit.isdigit()) or 0)


def supported_range():
    return f"{OLDEST[0]}.{OLDEST[1]} to {NEWEST[0]}.{NEWEST[1]}"


def installed(distribution):
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def mismatch(tensorflow_version, tf_keras_version):
    """The message for this pair of installed versions (None for a missing package), or None
    when legacy-sae supports them."""
    if tensorflow_version is None:
        return (f"TensorFlow is not installed. legacy-sae runs on TensorFlow "
                f"{supported_range()}: pip install \"tensorflow>={OLDEST[0]}.{OLDEST[1]},"
                f"<{NEWEST[0]}.{NEWEST[1] + 1}\"")
    release = minor(tensorflow_version)
    if not OLDEST <= release <= NEWEST:
        return (f"TensorFlow {tensorflow_version} is installed; legacy-sae supports TensorFlow "
                f"{supported_range()}. Install one of those with its tf-keras, for example: "
                f"pip install \"tensorflow=={NEWEST[0]}.{NEWEST[1]}.*\" "
                f"\"tf-keras=={NEWEST[0]}.{NEWEST[1]}.*\"")
    wanted = f"tf-keras=={release[0]}.{release[1]}.*"
    if tf_keras_version is None:
        return (f"tf-keras is not installed; TensorFlow {tensorflow_version} needs the tf-keras "
                f"of its own release: pip install \"{wanted}\"")
    if minor(tf_keras_version) != release:
        return (f"tf-keras {tf_keras_version} does not match TensorFlow {tensorflow_version} "
                f"(tf-keras works only with the TensorFlow release it came with): "
                f"pip install \"{wanted}\"")
    return None


def check():
    """Raise LegacySAEError with the one line when the installed TensorFlow or tf-keras is not
    a supported pair."""
    message = mismatch(installed("tensorflow"), installed("tf-keras"))
    if message:
        raise LegacySAEError(message)

"""Real TensorFlow 1.x beside legacy-sae: one Python 3.6 virtualenv per TensorFlow release, made
once under the user's cache folder and reused.

TensorFlow 0.12.1 to 1.15.5 publish wheels for Python 3.6 (and none for the Pythons that run
TensorFlow 2.15+), so the engine a TF1-era script was written for runs here in its own
interpreter. pip 18, which Python 3.6 ships, cannot install the manylinux2014 wheels of the
packages TensorFlow needs and compiles grpcio from source (still compiling after 10 minutes
here); pip 21.3.1, the last release for Python 3.6, takes the wheels: the environment is made
with it. matplotlib below 3.4 is the last with Python 3.6 wheels.
"""
import glob
import json
import os
import shutil
import subprocess

from legacy_sae.checks import LegacySAEError

# PyPI's TensorFlow releases with a Linux wheel for Python 3.6 up to the last of TF 1.x, as pip
# 21.3.1 listed them on 2026-12-07 (0.12.0 and every earlier release have none for 3.6).
RELEASES = ("0.12.1", "1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1", "1.3.0", "1.4.0", "1.4.1",
            "1.5.0", "1.5.1", "1.6.0", "1.7.0", "1.7.1", "1.8.0", "1.9.0", "1.10.0", "1.10.1",
            "1.11.0", "1.12.0", "1.12.2", "1.12.3", "1.13.1", "1.13.2", "1.14.0", "1.15.0",
            "1.15.2", "1.15.3", "1.15.4", "1.15.5")
PIP = "pip<22"
PACKAGES = ("matplotlib<3.4",)
# What a notebook's runs need there (notebook_on_tf1.py): the last releases pip 21.3.1 resolves
# for Python 3.6 (2026-12-07), added to an environment when a notebook first runs on it.
NOTEBOOK_PACKAGES = ("nbclient==0.5.9", "ipykernel==5.5.6", "jupyter_client==7.1.2")
NOTEBOOK_VERSIONS_CODE = ("import json, IPython, ipykernel, jupyter_client, nbclient, nbformat; "
                          "print(json.dumps({m.__name__: m.__version__ for m in (IPython, "
                          "ipykernel, jupyter_client, nbclient, nbformat)}))")
PYTHON_VERSION = "3.6"
PYENV_HINT = "pyenv install 3.6.15"
# What a reference environment reports about itself, as run records name their versions.
VERSIONS_CODE = ("import json, platform, numpy, tensorflow; print(json.dumps(dict(python="
                 "platform.python_version(), tensorflow=tensorflow.__version__, "
                 "numpy=numpy.__version__)))")


def cache_dir():
    """$XDG_CACHE_HOME/legacy-sae, or ~/.cache/legacy-sae."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "legacy-sae")


def _runs_as(candidate):
    """The 'X.Y' version of interpreter `candidate`, None when it does not run (a pyenv shim of
    a version not selected here does not)."""
    try:
        completed = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def find_python(python=None):
    """The interpreter to build on: `python` when given (it must run), else the first Python 3.6
    that runs among python3.6 on PATH and pyenv's 3.6 releases; a LegacySAEError naming the fix
    when there is none."""
    if python is not None:
        if _runs_as(python) is None:
            raise LegacySAEError(f"--python {python!r} is not an interpreter that runs. Give the "
                                 f"path of a Python {PYTHON_VERSION}.")
        return python
    root = os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    candidates = [shutil.which(f"python{PYTHON_VERSION}")] + sorted(
        glob.glob(os.path.join(root, "versions", f"{PYTHON_VERSION}.*", "bin", "python")),
        reverse=True)
    for candidate in filter(None, candidates):
        if _runs_as(candidate) == PYTHON_VERSION:
            return candidate
    raise LegacySAEError(f"no Python {PYTHON_VERSION} found (TensorFlow 1.x publishes wheels for "
                         f"it, and for no Python that runs TensorFlow 2). Install one "
                         f"(`{PYENV_HINT}`) or pass --python PATH.")


def check_release(tf_version):
    """A LegacySAEError naming the releases there are, for a version without a Python 3.6 wheel."""
    if tf_version not in RELEASES:
        raise LegacySAEError(f"TensorFlow {tf_version!r} has no Python {PYTHON_VERSION} wheel to "
                             f"run it on; --tf takes {RELEASES[0]} to {RELEASES[-1]}: "
                             f"{', '.join(RELEASES)}.")


def environment_dir(tf_version):
    return os.path.join(cache_dir(), f"tensorflow-{tf_version}")


def _pip_install(env_python, log, *requirements):
    with open(log, "a", encoding="utf-8") as stream:
        status = subprocess.run([env_python, "-m", "pip", "install", *requirements],
                                stdout=stream, stderr=subprocess.STDOUT).returncode
    if status != 0:
        with open(log, encoding="utf-8", errors="replace") as stream:
            last = [line.strip() for line in stream if line.strip()][-1:]
        raise LegacySAEError(
            f"pip could not install {' '.join(requirements)} for the reference environment "
            f"({last[0] if last else f'exit status {status}'}); its whole output is in {log}. "
            f"TensorFlow 0.12.1 to 1.15.5 have Python {PYTHON_VERSION} wheels; check --tf and "
            f"that --python is a Python {PYTHON_VERSION}.")


def ensure(tf_version, python=None, say=print):
    """The Python of the virtualenv holding TensorFlow `tf_version`, made when missing. It is
    built in a partial folder of this process's own that replaces nothing until every install
    has succeeded, so a failed or stopped install is made again from the start next time, and
    two commands making it at once each finish with one whole environment."""
    check_release(tf_version)
    folder = environment_dir(tf_version)
    env_python = os.path.join(folder, "bin", "python")
    if os.path.exists(os.path.join(folder, "versions.json")):
        return env_python
    interpreter = find_python(python)
    partial = f"{folder}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    say(f"making the TensorFlow {tf_version} environment in {folder} with {interpreter} "
        f"(once; about a minute)")
    if subprocess.run([interpreter, "-m", "venv", partial], capture_output=True).returncode:
        raise LegacySAEError(f"{interpreter} could not make a virtualenv (python -m venv). "
                             f"Give a Python {PYTHON_VERSION} with its venv module: --python PATH.")
    log = os.path.join(partial, "install.log")
    partial_python = os.path.join(partial, "bin", "python")
    _pip_install(partial_python, log, "--upgrade", PIP)
    _pip_install(partial_python, log, f"tensorflow=={tf_version}", *PACKAGES)
    # A virtualenv's scripts name its folder; the interpreter and `-m pip` do not need them.
    with open(os.path.join(partial, "versions.json"), "w", encoding="utf-8") as stream:
        stream.write(versions(partial_python, check=False))
    if os.path.exists(folder) and not os.path.exists(os.path.join(folder, "versions.json")):
        shutil.rmtree(folder)  # a folder there that is no finished environment
    try:
        os.rename(partial, folder)
    except OSError:  # another command finished it first: keep theirs
        shutil.rmtree(partial, ignore_errors=True)
    return env_python


def versions(env_python, check=True):
    """Python, TensorFlow and numpy of the environment, as JSON text (parsed when `check`)."""
    completed = subprocess.run([env_python, "-c", VERSIONS_CODE], capture_output=True, text=True)
    if completed.returncode != 0:
        raise LegacySAEError(f"TensorFlow does not import in {env_python}: "
                             f"{(completed.stderr.strip().splitlines() or ['?'])[-1]}")
    text = completed.stdout.strip().splitlines()[-1]
    return json.loads(text) if check else text


def recorded_versions(tf_version):
    with open(os.path.join(environment_dir(tf_version), "versions.json"), encoding="utf-8") as f:
        return json.load(f)


def ensure_notebook_packages(tf_version, say=print):
    """The kernel packages of NOTEBOOK_PACKAGES in the `tf_version` environment (made first with
    `ensure`), installed once; their versions are recorded in notebook-versions.json and
    returned."""
    folder = environment_dir(tf_version)
    recorded = os.path.join(folder, "notebook-versions.json")
    if not os.path.exists(recorded):
        env_python = os.path.join(folder, "bin", "python")
        say(f"installing {', '.join(NOTEBOOK_PACKAGES)} into the TensorFlow {tf_version} "
            f"environment, to run notebooks there (once)")
        _pip_install(env_python, os.path.join(folder, "install.log"), *NOTEBOOK_PACKAGES)
        completed = subprocess.run([env_python, "-c", NOTEBOOK_VERSIONS_CODE],
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            raise LegacySAEError(f"the kernel packages do not import in {env_python}: "
                                 f"{(completed.stderr.strip().splitlines() or ['?'])[-1]}")
        with open(recorded + ".partial", "w", encoding="utf-8") as stream:
            stream.write(completed.stdout.strip().splitlines()[-1])
        os.replace(recorded + ".partial", recorded)
    with open(recorded, encoding="utf-8") as stream:
        return json.load(stream)

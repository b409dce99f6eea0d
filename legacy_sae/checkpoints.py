"""The checkpoint folders of `legacy-sae stacked` and `legacy-sae sda`, kept safe from faults: a
clear message each time, and nothing the user had lost or silently replaced.

* Every message names the command and the function of the model that was run (`MODELS`) and
  carries TensorFlow's own reason (`tensorflow_reason`), not the "Graph execution error:" its
  errors begin with; a failed write also names the cause in plain words (`WRITE_FAILURES`).
* One run per folder: `FolderLock` holds an OS lock on `.legacy-sae.lock` for the whole run, so
  a second run stops at once, naming the process that holds it. The OS drops the lock when that
  process ends, however it ends, so a run killed with `kill -9` blocks nothing.
* Relocatable: the Saver writes the `checkpoint` index relative to the folder
  (`save_relative_paths=True`), and `latest` reads every index entry, older absolute ones too, as
  a file of this folder, so a copied or moved folder restores its own files.
* `restore` first compares the checkpoint's variables with the graph's, naming a missing variable
  or a shape that differs; a file that cannot be read is reported as damaged. Either way the
  folder is left as it is.
* `save` leaves no partial file behind when writing fails (a full disk, Ctrl-C), and the previous
  checkpoint stays restorable: TensorFlow writes under temporary names and renames at the end.
* `max_to_keep=1` keeps one: `adopt` hands the Saver the checkpoint restored at start, so that the
  next save removes it like any older one. Only checkpoints the index named are ever removed.
"""
import dataclasses
import errno
import fcntl
import os
import sys

from legacy_sae.checks import LegacySAEError

LOCK_NAME = ".legacy-sae.lock"


class CheckpointError(LegacySAEError):
    """A checkpoint folder that cannot be used as it is; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Model:
    """How fault messages name a model: the command and the Python function that run it, and its
    graph."""
    command: str
    function: str
    graph: str


MODELS = {
    "stacked": Model("legacy-sae stacked", "stacked_auto_encoder",
                     "the stacked autoencoder's graph"),
    "sda": Model("legacy-sae sda", "stacked_denoising_autoencoder", "the SdA's graph"),
}

# Why a checkpoint could not be written, by the C library's error text that TensorFlow's reason
# ends with: the cause in plain words, and when a run on the same folder can resume.
WRITE_FAILURES = {
    os.strerror(errno.ENOSPC): ("no space left on the device", "once there is room"),
    os.strerror(errno.EDQUOT): ("the disk quota is used up", "once there is room"),
    os.strerror(errno.EFBIG): ("a file would grow past the largest size this process or the "
                               "file system allows", "once the limit allows it"),
    os.strerror(errno.EROFS): ("the file system is read-only", "once it is writable"),
    os.strerror(errno.EACCES): ("no permission to write there", "once it is writable"),
}

# The lines of a TensorFlow error that are not its reason: the header of graph errors, where the
# failing op was defined, the op's name, and hints.
_NOT_THE_REASON = ("Graph execution error:", "Detected at node", "File \"", "Node:", "[[{{node",
                   "Hint:")


def tensorflow_reason(error):
    """TensorFlow's own reason for `error` on one line. A graph error's message begins with
    "Graph execution error:" and where the op was defined; the reason is on the lines after."""
    message = getattr(error, "message", None) or str(error)
    message = message.split("\n\nOriginal stack trace")[0]
    reason = [line.strip() for line in message.splitlines()
              if line.strip() and not line.strip().startswith(_NOT_THE_REASON)]
    return " ".join(reason) or message.strip()


def _kept(folder, model):
    return (f"The folder {folder!r} was left as it is. Start afresh with `{model.command} "
            f"--fresh` ({model.function}(fresh=True)), which starts a new run there, or choose "
            f"another folder with --checkpoint-dir (checkpoint_dir=DIR).")


class FolderLock:
    """An exclusive lock on a checkpoint folder for the life of a run (see the module docstring)."""

    def __init__(self, folder, model):
        self.path = os.path.join(folder, LOCK_NAME)
        self.model = model
        self._file = None

    def __enter__(self):
        lock_file = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "another process"
            lock_file.close()
            raise CheckpointError(
                f"Another run is using the checkpoint folder {os.path.dirname(self.path)!r} "
                f"({holder}). Wait for it to end, or give this `{self.model.command}` run its own "
                f"folder with --checkpoint-dir ({self.model.function}(checkpoint_dir=DIR))."
            ) from None
        lock_file.truncate(0)
        lock_file.write(f"process {os.getpid()}: {' '.join(sys.argv)}\n")
        lock_file.flush()
        self._file = lock_file
        return self

    def __exit__(self, *exc_info):
        os.remove(self.path)  # while still holding the lock, so no other run is using the file
        self._file.close()


def latest(folder, tf, model):
    """The checkpoint to restore from `folder`, or None for a folder without an index."""
    index = os.path.join(folder, "checkpoint")
    if not os.path.exists(index):
        return None
    try:
        state = tf.train.get_checkpoint_state(folder)
    except Exception as err:  # TensorFlow raises a protobuf ParseError for a damaged index
        state, reason = None, tensorflow_reason(err)
    else:
        reason = "it names no checkpoint"
    if state is None or not state.model_checkpoint_path:
        raise CheckpointError(f"The 'checkpoint' index in {folder!r} cannot be read ({reason}). "
                              + _kept(folder, model))
    named = state.model_checkpoint_path
    local = os.path.join(folder, os.path.basename(named))
    if not os.path.exists(local + ".index"):
        raise CheckpointError(
            f"The 'checkpoint' index in {folder!r} names {named}, whose files are not in the "
            f"folder. " + _kept(folder, model))
    return local


def _variables_that_do_not_fit(checkpoint, tf):
    stored = dict(tf.train.list_variables(checkpoint))
    problems = []
    for variable in tf.global_variables():
        name, shape = variable.op.name, variable.shape.as_list()
        if name not in stored:
            problems.append(f"the checkpoint has no variable {name}")
        elif list(stored[name]) != shape:
            problems.append(f"{name} is {shape} in the graph but {list(stored[name])} in the "
                            f"checkpoint")
    return problems


def restore(saver, sess, checkpoint, folder, tf, model):
    """Restore `checkpoint` into `sess`, or raise CheckpointError saying what is wrong with it."""
    try:
        problems = _variables_that_do_not_fit(checkpoint, tf)
    except (tf.errors.OpError, ValueError) as err:
        raise CheckpointError(
            f"The checkpoint {checkpoint} is damaged: TensorFlow cannot read its index "
            f"({tensorflow_reason(err)}). " + _kept(folder, model)) from None
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CheckpointError(f"The checkpoint {checkpoint} does not fit {model.graph}: "
                              f"{problems[0]}{more}. " + _kept(folder, model))
    try:
        saver.restore(sess, checkpoint)
    except (tf.errors.OpError, ValueError) as err:
        raise CheckpointError(
            f"The checkpoint {checkpoint} is damaged: TensorFlow cannot read it "
            f"({tensorflow_reason(err)}). " + _kept(folder, model)) from None


def adopt(saver, checkpoint):
    """Let the Saver remove `checkpoint`, restored at start, at its next save (max_to_keep)."""
    saver.recover_last_checkpoints([checkpoint])


def _named(folder):
    """The checkpoint the folder's index names (its base name), None when there is none."""
    try:
        with open(os.path.join(folder, "checkpoint"), encoding="utf-8") as stream:
            first = stream.readline()
    except OSError:
        return None
    name = first.partition(":")[2].strip().strip('"')
    return os.path.basename(name) if first.startswith("model_checkpoint_path") else None


def save(saver, sess, prefix, step, folder, tf, model):
    """`saver.save` that leaves no partial file when it fails or is interrupted; a failure to
    write is raised as CheckpointError naming the folder and the checkpoint still there.

    The Saver writes the new checkpoint, then names it in the index, then removes the older one
    (max_to_keep). Stopped before the index names it, the new files are partial and removed;
    stopped after, the new checkpoint is whole and kept, and what is left of the older one is
    removed as the Saver was removing it."""
    before, was = set(os.listdir(folder)), _named(folder)
    try:
        return saver.save(sess, prefix, global_step=step)
    except BaseException as error:
        now = _named(folder)
        saved = now is not None and now != was and os.path.exists(
            os.path.join(folder, now + ".index"))
        for name in os.listdir(folder):
            if (name not in before and not (saved and name.startswith(now + "."))) or (
                    saved and was is not None and name.startswith(was + ".")):
                os.remove(os.path.join(folder, name))
        if not isinstance(error, (tf.errors.OpError, OSError)):
            raise
        raise CheckpointError(write_failure(folder, tensorflow_reason(error), tf, model)) from None


def write_cause(reason):
    """(the cause in plain words or None, when a rerun can resume) for the reason a write failed."""
    return next(((cause, when) for text, (cause, when) in WRITE_FAILURES.items() if text in reason),
                (None, "once it can be written"))


def write_failure(folder, reason, tf, model):
    """The message for a checkpoint that could not be written into `folder`, for TensorFlow's or
    the OS's `reason`: the cause in plain words where it is known, and what is still there."""
    cause, when = write_cause(reason)
    kept = latest(folder, tf, model)
    return (f"Could not write a checkpoint into {folder!r}: "
            + (f"{cause} ({reason}). " if cause else f"{reason}. ")
            + (f"The previous checkpoint {os.path.basename(kept)} is intact there; {when}, "
               f"`{model.command}` without --fresh on the same --checkpoint-dir "
               f"({model.function}(fresh=False)) resumes from it. " if kept else "")
            + "No partial file was left.")

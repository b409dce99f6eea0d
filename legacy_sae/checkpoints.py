"""The stacked port's checkpoint folder, kept safe from faults: a clear message each time, and
nothing the user had lost or silently replaced.

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
import fcntl
import os
import sys

from legacy_sae.checks import LegacySAEError

LOCK_NAME = ".legacy-sae.lock"


class CheckpointError(LegacySAEError):
    """A checkpoint folder that cannot be used as it is; the message says why and what to do."""


def _kept(folder):
    return (f"The folder {folder!r} was left as it is. Start fresh with --fresh "
            f"(stacked_auto_encoder(fresh=True)), which replaces its checkpoint, or choose another "
            f"folder with --checkpoint-dir.")


class FolderLock:
    """An exclusive lock on a checkpoint folder for the life of a run (see the module docstring)."""

    def __init__(self, folder):
        self.path = os.path.join(folder, LOCK_NAME)
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
                f"({holder}). Wait for it to end, or give this run its own folder with "
                f"--checkpoint-dir.") from None
        lock_file.truncate(0)
        lock_file.write(f"process {os.getpid()}: {' '.join(sys.argv)}\n")
        lock_file.flush()
        self._file = lock_file
        return self

    def __exit__(self, *exc_info):
        os.remove(self.path)  # while still holding the lock, so no other run is using the file
        self._file.close()


def latest(folder, tf):
    """The checkpoint to restore from `folder`, or None for a folder without an index."""
    index = os.path.join(folder, "checkpoint")
    if not os.path.exists(index):
        return None
    try:
        state = tf.train.get_checkpoint_state(folder)
    except Exception as err:  # TensorFlow raises a protobuf ParseError for a damaged index
        state, reason = None, str(err).splitlines()[0]
    else:
        reason = "it names no checkpoint"
    if state is None or not state.model_checkpoint_path:
        raise CheckpointError(f"The 'checkpoint' index in {folder!r} cannot be read ({reason}). "
                              + _kept(folder))
    named = state.model_checkpoint_path
    local = os.path.join(folder, os.path.basename(named))
    if not os.path.exists(local + ".index"):
        raise CheckpointError(
            f"The 'checkpoint' index in {folder!r} names {named}, whose files are not in the "
            f"folder. " + _kept(folder))
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


def restore(saver, sess, checkpoint, folder, tf, what):
    """Restore `checkpoint` into `sess`, or raise CheckpointError saying what is wrong with it.
    `what` names the graph in messages ("the stacked autoencoder")."""
    try:
        problems = _variables_that_do_not_fit(checkpoint, tf)
    except (tf.errors.OpError, ValueError) as err:
        raise CheckpointError(f"The checkpoint {checkpoint} is damaged: TensorFlow cannot read its "
                              f"index ({_first_line(err)}). " + _kept(folder)) from None
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CheckpointError(f"The checkpoint {checkpoint} does not fit {what}: {problems[0]}"
                              f"{more}. " + _kept(folder))
    try:
        saver.restore(sess, checkpoint)
    except (tf.errors.OpError, ValueError) as err:
        raise CheckpointError(f"The checkpoint {checkpoint} is damaged: {_first_line(err)}. "
                              + _kept(folder)) from None


def _first_line(error):
    message = getattr(error, "message", None) or str(error)
    return message.strip().splitlines()[0]


def adopt(saver, checkpoint):
    """Let the Saver remove `checkpoint`, restored at start, at its next save (max_to_keep)."""
    saver.recover_last_checkpoints([checkpoint])


def save(saver, sess, prefix, step, folder, tf):
    """`saver.save` that leaves no partial file when it fails or is interrupted; a failure to
    write is raised as CheckpointError naming the folder and the checkpoint still there."""
    before = set(os.listdir(folder))
    try:
        return saver.save(sess, prefix, global_step=step)
    except BaseException as error:
        for name in set(os.listdir(folder)) - before:
            os.remove(os.path.join(folder, name))
        if not isinstance(error, (tf.errors.OpError, OSError)):
            raise
        kept = latest(folder, tf)
        raise CheckpointError(
            f"Could not write a checkpoint into {folder!r} ({_first_line(error)}). "
            + (f"The previous checkpoint {os.path.basename(kept)} is intact there; once there is "
               f"room, a run on that folder without --fresh resumes from it. " if kept else "")
            + "No partial file was left.") from None

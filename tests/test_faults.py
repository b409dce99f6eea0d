"""Faults around the checkpoints of `legacy-sae stacked` and `legacy-sae sda` and around sweeps:
each ends in one clear message, carrying TensorFlow's reason and naming the command and function
of the model that was run, and an exit status that says so; nothing the user had is lost (folders
are hashed before and after). Full disks are real ones where the machine allows it: a small tmpfs
mounted by root.
"""
import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from legacy_sae.regression import gates
from legacy_sae.checkpoints import LOCK_NAME
from conftest import processes_mentioning, run_cli, run_python

# What the messages must say, from the issue (#21) and the C library's own error texts.
FULL_DISK = "no space left on the device"
NOT_THE_REASON = "Graph execution error"


def folder_hashes(folder):
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def stacked(folder, *options, epochs=1, **kwargs):
    return run_cli("stacked", "--epochs", epochs, "--seed", 1, "--checkpoint-dir", folder,
                   "--figures", folder.parent / "figures", *options, cwd=folder.parent, **kwargs)


def start_stacked(folder, epochs=20):
    return subprocess.Popen(
        [sys.executable, "-m", "legacy_sae", "stacked", "--epochs", str(epochs), "--checkpoint-dir",
         str(folder), "--figures", str(folder.parent / "figures")],
        cwd=folder.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path, process, seconds=300):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A checkpoint folder from a one-epoch run (its checkpoint: mnist_model.cpkt-0)."""
    folder = tmp_path_factory.mktemp("saved") / "ckpt"
    result = stacked(folder)
    assert result.returncode == 0, result.stderr
    return folder


def copy_of(saved, tmp_path, name="ckpt"):
    return shutil.copytree(saved, tmp_path / name)


def assert_refused(result, *fragments):
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "[[{{node" not in result.stderr
    assert NOT_THE_REASON not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_a_truncated_data_file_is_reported_as_damaged_and_kept(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    data = folder / "mnist_model.cpkt-0.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:100000])
    before = folder_hashes(folder)
    # TensorFlow's reason for a file shorter than its index says (its table reader's words).
    assert_refused(stacked(folder), "mnist_model.cpkt-0 is damaged", str(folder),
                   "Read less bytes than requested", "`legacy-sae stacked --fresh` "
                   "(stacked_auto_encoder(fresh=True))")
    assert folder_hashes(folder) == before


def write_foreign_checkpoint(folder):
    """A checkpoint of another graph, one variable of shape [3], with its index, in `folder`."""
    code = ("from legacy_sae import compat\ntf = compat.tf1()\nv = tf.Variable(tf.zeros([3]))\n"
            "with tf.Session() as s:\n    s.run(tf.global_variables_initializer())\n"
            f"    tf.train.Saver().save(s, {str(folder / 'other.ckpt')!r})\n")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_a_foreign_checkpoint_names_what_does_not_fit(tmp_path):
    folder = tmp_path / "foreign"
    write_foreign_checkpoint(folder)
    before = folder_hashes(folder)
    result = stacked(folder)
    assert_refused(result, "does not fit the stacked autoencoder's graph: Variable is [784, 256] "
                           "in the graph but [3] in the checkpoint (and ")
    assert "Original error" not in result.stderr
    assert folder_hashes(folder) == before


def _fill_disk_at(limit):
    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_file_size


def test_a_full_disk_while_saving_keeps_the_previous_checkpoint(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    before = folder_hashes(folder)
    # The .data file of a checkpoint is 8.5 MB: a 2 MB limit on file size makes its write fail
    # as a full disk would.
    result = stacked(folder, "--epochs", 3, preexec_fn=_fill_disk_at(2 * 2**20))
    assert_refused(result, f"Could not write a checkpoint into '{folder}': a file would grow past "
                           f"the largest size this process or the file system allows", os.strerror(errno.EFBIG),
                   "The previous checkpoint mnist_model.cpkt-0 is intact there",
                   "(stacked_auto_encoder(fresh=False)) resumes from it",
                   "No partial file was left.")
    assert folder_hashes(folder) == before
    again = stacked(folder)
    assert again.returncode == 0 and f"kpt: {folder}/mnist_model.cpkt-0" in again.stdout


class SmallDisk:
    """A real small file system: a tmpfs that root mounts at `mountpoint` (`mount(size)`), grows
    (`resize(size)`) and unmounts when the test ends. Where mounting is not allowed the test is
    skipped, saying so; the RLIMIT_FSIZE test above still reaches the same fault."""

    def __init__(self, mountpoint):
        self.mountpoint = mountpoint
        self.mounted = False

    def mount(self, size):
        if os.geteuid() != 0:
            pytest.skip("a full disk is tested on a small tmpfs, which only root may mount")
        self.mountpoint.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(self.mountpoint)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"this machine does not let root mount a tmpfs ({done.stderr.strip()})")
        self.mounted = True
        return self.mountpoint

    def resize(self, size):
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.mountpoint)], check=True)

    def unmount(self):
        if self.mounted:
            subprocess.run(["umount", str(self.mountpoint)], check=True)


@pytest.fixture
def small_disk(tmp_path, request):
    disk = SmallDisk(tmp_path / "small-disk")
    request.addfinalizer(disk.unmount)
    return disk


def test_a_really_full_disk_is_named_and_the_run_resumes_once_there_is_room(small_disk):
    # A checkpoint of the stacked port is 8.7 MB and TensorFlow writes the next one before the
    # Saver removes it: a 12 MB file system (the issue's) holds the first, not the second.
    folder = small_disk.mount("12m") / "ckpt"
    result = stacked(folder, epochs=2)
    assert_refused(result, f"Could not write a checkpoint into '{folder}': {FULL_DISK} (",
                   os.strerror(errno.ENOSPC),
                   "The previous checkpoint mnist_model.cpkt-0 is intact there; once there is "
                   "room, `legacy-sae stacked` without --fresh on the same --checkpoint-dir "
                   "(stacked_auto_encoder(fresh=False)) resumes from it.",
                   "No partial file was left.")
    assert sorted(os.listdir(folder)) == ["checkpoint", "mnist_model.cpkt-0.data-00000-of-00001",
                                          "mnist_model.cpkt-0.index", "mnist_model.cpkt-0.meta"]
    small_disk.resize("30m")
    again = stacked(folder)
    assert again.returncode == 0 and f"kpt: {folder}/mnist_model.cpkt-0" in again.stdout


def test_a_copied_or_moved_folder_restores_its_own_files(saved, tmp_path):
    original = copy_of(saved, tmp_path, "original")
    assert str(tmp_path) not in (original / "checkpoint").read_text()  # relative entries
    copied = copy_of(original, tmp_path, "copied")
    result = stacked(copied)
    assert result.returncode == 0 and f"kpt: {copied}/mnist_model.cpkt-0" in result.stdout
    moved = tmp_path / "moved"
    original.rename(moved)
    result = stacked(moved)
    assert result.returncode == 0 and f"kpt: {moved}/mnist_model.cpkt-0" in result.stdout


def test_an_older_index_with_absolute_entries(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    elsewhere = tmp_path / "elsewhere" / "mnist_model.cpkt-0"
    (folder / "checkpoint").write_text(f'model_checkpoint_path: "{elsewhere}"\n'
                                       f'all_model_checkpoint_paths: "{elsewhere}"\n')
    result = stacked(folder)
    assert result.returncode == 0 and f"kpt: {folder}/mnist_model.cpkt-0" in result.stdout

    gone = copy_of(saved, tmp_path, "gone")
    (gone / "checkpoint").write_text(f'model_checkpoint_path: "{elsewhere.parent}/model-7"\n')
    before = folder_hashes(gone)
    assert_refused(stacked(gone), f"names {elsewhere.parent}/model-7, whose files are not in "
                                  f"the folder")
    assert folder_hashes(gone) == before


def test_max_to_keep_1_also_replaces_the_restored_checkpoint(tmp_path):
    folder = tmp_path / "ckpt"
    assert stacked(folder, epochs=3).returncode == 0  # leaves mnist_model.cpkt-2
    (folder / "notes.txt").write_text("the user's own file")
    result = stacked(folder, epochs=1)  # restores cpkt-2, saves cpkt-0
    assert result.returncode == 0 and "mnist_model.cpkt-2" in result.stdout
    assert sorted(os.listdir(folder)) == [
        "checkpoint", "mnist_model.cpkt-0.data-00000-of-00001", "mnist_model.cpkt-0.index",
        "mnist_model.cpkt-0.meta", "notes.txt"]


def test_one_run_per_folder_and_a_killed_run_does_not_block(tmp_path):
    folder = tmp_path / "ckpt"
    first = start_stacked(folder)
    try:
        wait_for(folder / LOCK_NAME, first)
        second = stacked(folder)
        assert_refused(second, f"Another run is using the checkpoint folder '{folder}' "
                               f"(process {first.pid}:")
    finally:
        first.kill()  # SIGKILL: no chance to clean up
        first.communicate()
    assert (folder / LOCK_NAME).exists()
    third = stacked(folder)
    assert third.returncode == 0, third.stderr
    assert not (folder / LOCK_NAME).exists()


@pytest.mark.parametrize("sent, status, said", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                                (signal.SIGTERM, 143, "stopped (SIGTERM)")])
def test_ctrl_c_and_sigterm_stop_cleanly_and_the_run_resumes(tmp_path, sent, status, said):
    folder = tmp_path / "ckpt"
    run = start_stacked(folder)
    wait_for(folder / "checkpoint", run)
    time.sleep(2)  # into the next epochs and their saves
    run.send_signal(sent)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == status, stderr
    assert "Traceback" not in stderr
    assert f"legacy-sae: {said}. The last checkpoint, mnist_model.cpkt-" in stderr
    assert f"`legacy-sae stacked --checkpoint-dir {folder}` resumes from it." in stderr
    names = os.listdir(folder)
    assert LOCK_NAME not in names and not any("tempstate" in name for name in names)
    resumed = stacked(folder)
    assert resumed.returncode == 0 and f"kpt: {folder}/mnist_model.cpkt-" in resumed.stdout


# A Saver stopped at one of the steps of its save: after writing the new checkpoint but before
# naming it in the index, or after naming it while it removes the older one (max_to_keep=1).
INTERRUPTED_SAVE = """
import os
from legacy_sae import checkpoints, compat
tf = compat.tf1()
folder, model = {folder!r}, checkpoints.MODELS["stacked"]
os.makedirs(folder)
tf.Variable([1.0, 2.0])
saver = tf.train.Saver(max_to_keep=1, save_relative_paths=True)
prefix = os.path.join(folder, "model.ckpt")

def stop(*args, **kwargs):
    if {while_removing!r}:  # the older checkpoint half removed
        os.remove(os.path.join(folder, "model.ckpt-0.index"))
    raise KeyboardInterrupt

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    checkpoints.save(saver, sess, prefix, 0, folder, tf, model)
    setattr(saver, {step!r}, stop)
    try:
        checkpoints.save(saver, sess, prefix, 1, folder, tf, model)
    except KeyboardInterrupt:
        print(" ".join(sorted(os.listdir(folder))))
        print(os.path.basename(checkpoints.latest(folder, tf, model)))
"""


@pytest.mark.parametrize("step, while_removing, kept, meta", [
    ("_RecordLastCheckpoint", False, "model.ckpt-0", True),
    ("_MaybeDeleteOldCheckpoints", True, "model.ckpt-1", False)])
def test_a_save_stopped_midway_leaves_one_whole_checkpoint(tmp_path, step, while_removing, kept,
                                                            meta):
    """Stopped before the index names the new checkpoint, the older one stays; stopped after,
    the new one stays, whole, and what was left of the older one goes (a Ctrl-C landing there
    once left an index naming removed files, and the run could not resume). The Saver writes the
    .meta graph last: the second keeps its variables, which is what a restore reads."""
    result = run_python(INTERRUPTED_SAVE.format(folder=str(tmp_path / "ckpt"), step=step,
                                                while_removing=while_removing))
    assert result.returncode == 0, result.stderr[-3000:]
    files, latest = result.stdout.splitlines()[-2:]
    assert files.split() == ["checkpoint", f"{kept}.data-00000-of-00001", f"{kept}.index"] \
        + [f"{kept}.meta"] * meta
    assert latest == kept


def test_an_interrupted_sweep_keeps_its_runs_stops_its_children_and_resumes(tmp_path):
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "legacy_sae", "regress", "--runs", "2", "--mode", "faithful",
               "--no-dae", "--epochs", "1", "--out", str(out)]
    sweep = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    wait_for(out / "runs" / "stacked-faithful-e1-s2.log", sweep)
    time.sleep(3)  # the second run is training
    sweep.send_signal(signal.SIGTERM)
    stdout, stderr = sweep.communicate(timeout=120)
    assert sweep.returncode == 143, stdout[-2000:] + stderr[-2000:]
    assert "[stacked-faithful-e1-s2] stopped; not recorded" in stdout
    assert f"sweep stopped; the 1 runs recorded in {out} are kept" in stdout
    assert processes_mentioning(str(out)) == []  # no run left orphaned
    resumed = run_cli(*command[3:], cwd=tmp_path)
    # One epoch is a setting the baseline has no runs at: the sweep ends but is not gated.
    assert resumed.returncode == gates.EXIT_NOT_GATED, resumed.stdout[-2000:]
    assert "2 runs planned, 1 already recorded" in resumed.stdout


@pytest.mark.parametrize("command", ["stacked", "sda"])
def test_a_stop_while_tensorflow_loads_ends_in_one_line(tmp_path, command):
    """SIGTERM can come while TensorFlow is still importing (a sweep stopped just after starting
    a run): the message must not import it again, which fails on a half-imported TensorFlow."""
    code = textwrap.dedent(f"""
        import sys
        from legacy_sae.checks import Terminated
        from legacy_sae.compat import startup

        def stopped_while_loading():
            raise Terminated()  # as raise_terminated does when SIGTERM arrives here

        startup._import_quietly = stopped_while_loading
        from legacy_sae.cli import main
        sys.exit(main(["{command}", "--checkpoint-dir", "ck"]))
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 143, result.stderr[-2000:]
    assert result.stderr == ("legacy-sae: stopped (SIGTERM) while TensorFlow was loading, before "
                             "the run began; nothing was saved.\n")


def test_ctrl_c_in_a_script_run_as_is_ends_in_one_line(tmp_path):
    (tmp_path / "stop.py").write_text("import os, signal\nimport tensorflow as tf\n"
                                      "os.kill(os.getpid(), signal.SIGINT)\n")
    result = run_cli("run", "stop.py", cwd=tmp_path)
    assert result.returncode == 130 and result.stderr == "KeyboardInterrupt\n"


# The same fault table for `legacy-sae sda`: a one-layer SdA on the full training set, one
# pretraining and one fine-tuning epoch (a few seconds).
SDA_SMALL = ["--layers", "16", "--corruption", "0.1", "--pretraining-epochs", "1",
             "--batch-size", "500", "--max-finetune-epochs", "1"]
# Long enough to be stopped while pretraining: 8 epochs of it.
SDA_LONG = ["--layers", "16", "--corruption", "0.1", "--pretraining-epochs", "8",
            "--batch-size", "500", "--max-finetune-epochs", "1"]
# One 500-unit layer: 1.6 MB checkpoints.
SDA_BIG_LAYER = ["--layers", "500", "--corruption", "0.1", "--pretraining-epochs", "2",
                 "--batch-size", "500", "--max-finetune-epochs", "1"]


def sda(folder, *options, settings=SDA_SMALL, **kwargs):
    return run_cli("sda", *settings, "--seed", 1, "--checkpoint-dir", folder, "--figures",
                   folder.parent / "figures", *options, cwd=folder.parent, **kwargs)


def start_sda(folder, settings=SDA_LONG):
    return subprocess.Popen(
        [sys.executable, "-m", "legacy_sae", "sda", *settings, "--checkpoint-dir", str(folder),
         "--figures", str(folder.parent / "figures")],
        cwd=folder.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def saved_sda(tmp_path_factory):
    """An SdA run's folder: latest/, best/ and state.json of a finished small run."""
    folder = tmp_path_factory.mktemp("saved-sda") / "ckpt"
    result = sda(folder)
    assert result.returncode == 0, result.stderr
    return folder


def test_a_damaged_sda_checkpoint_names_the_sda_command_and_function(saved_sda, tmp_path):
    folder = copy_of(saved_sda, tmp_path)
    data, = (folder / "latest").glob("sda.ckpt-*.data-00000-of-00001")
    data.write_bytes(data.read_bytes()[:1000])
    before = folder_hashes(folder)
    result = sda(folder)
    assert_refused(result, f"{folder / 'latest'}/sda.ckpt-", "is damaged",
                   "Read less bytes than requested",
                   "`legacy-sae sda --fresh` (stacked_denoising_autoencoder(fresh=True))")
    assert "stacked_auto_encoder" not in result.stderr and "legacy-sae stacked" not in result.stderr
    assert folder_hashes(folder) == before


def test_a_foreign_checkpoint_in_an_sda_folder_names_the_sdas_graph(saved_sda, tmp_path):
    folder = copy_of(saved_sda, tmp_path)
    shutil.rmtree(folder / "latest")
    write_foreign_checkpoint(folder / "latest")
    before = folder_hashes(folder)
    result = sda(folder)
    assert_refused(result, "does not fit the SdA's graph: ",
                   "`legacy-sae sda --fresh` (stacked_denoising_autoencoder(fresh=True))")
    assert "stacked autoencoder" not in result.stderr
    assert folder_hashes(folder) == before


def test_a_really_full_disk_during_an_sda_run_is_named_and_the_run_resumes(small_disk, tmp_path):
    # One 500-unit layer makes a 1.6 MB checkpoint: a 3 MB file system holds the first epoch's,
    # not the second beside it.
    folder = small_disk.mount("3m") / "ckpt"
    result = sda(folder, settings=SDA_BIG_LAYER)
    assert_refused(result, f"Could not write a checkpoint into '{folder / 'latest'}': {FULL_DISK} (",
                   os.strerror(errno.ENOSPC),
                   "The previous checkpoint sda.ckpt-1 is intact there; once there is room, "
                   "`legacy-sae sda` without --fresh on the same --checkpoint-dir "
                   "(stacked_denoising_autoencoder(fresh=False)) resumes from it.",
                   "No partial file was left.")
    assert sorted(os.listdir(folder / "latest")) == [
        "checkpoint", "sda.ckpt-1.data-00000-of-00001", "sda.ckpt-1.index", "sda.ckpt-1.meta"]
    small_disk.resize("20m")
    again = sda(folder, settings=SDA_BIG_LAYER)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"Resuming from {folder}: pretrain, layer 1, after epoch 1" in again.stdout


def test_a_full_disk_while_writing_the_sda_state_is_named(small_disk):
    from legacy_sae import checkpoints, sda as sda_module
    folder = small_disk.mount("1m")
    (folder / "state.json").write_text("{}")
    filler = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError):  # until every block of the file system is taken
            while True:
                os.write(filler, b"\0" * 65536)
    finally:
        os.close(filler)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        sda_module._write_state(str(folder), {"epochs": list(range(100000))},
                                checkpoints.MODELS["sda"])
    assert f"Could not write state.json into '{folder}': {FULL_DISK}" in str(refused.value)
    assert "`legacy-sae sda` without --fresh" in str(refused.value)
    assert (folder / "state.json").read_text() == "{}"
    assert sorted(os.listdir(folder)) == ["filler", "state.json"]


def test_a_second_sda_run_on_a_busy_folder_is_refused_at_once(tmp_path):
    folder = tmp_path / "ckpt"
    first = start_sda(folder)
    try:
        wait_for(folder / LOCK_NAME, first)
        second = sda(folder)
        assert_refused(second, f"Another run is using the checkpoint folder '{folder}' "
                               f"(process {first.pid}:",
                       "give this `legacy-sae sda` run its own folder with --checkpoint-dir "
                       "(stacked_denoising_autoencoder(checkpoint_dir=DIR))")
    finally:
        first.kill()
        first.communicate()


@pytest.mark.parametrize("sent, status, said", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                                (signal.SIGTERM, 143, "stopped (SIGTERM)")])
def test_ctrl_c_and_sigterm_stop_an_sda_run_which_says_how_to_resume(tmp_path, sent, status,
                                                                     said):
    folder = tmp_path / "ckpt"
    run = start_sda(folder)
    wait_for(folder / "state.json", run)
    run.send_signal(sent)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == status, stderr
    assert "Traceback" not in stderr
    assert f"legacy-sae: {said}. The SdA run in '{folder}' is saved after epoch " in stderr
    assert (" of pretraining layer 1: `legacy-sae sda` with the same options, without --fresh, "
            "resumes it.") in stderr
    left = [path.name for path in folder.rglob("*")]
    assert LOCK_NAME not in left and not any("tempstate" in name or name.endswith(".partial")
                                             for name in left)
    if sent == signal.SIGTERM:  # the run resumes alike after either; that is checked once
        return
    saved_epoch = stderr.split("is saved after epoch ")[1].split()[0]
    resumed = sda(folder, settings=SDA_LONG)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (f"Resuming from {folder}: pretrain, layer 1, after epoch {saved_epoch}"
            in resumed.stdout)

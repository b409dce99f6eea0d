"""The `legacy-sae` command (also `python -m legacy_sae`).

  legacy-sae run [--figures DIR] SCRIPT [ARGS...]   run an unmodified TF1 script
  legacy-sae run [--out PATH] NOTEBOOK.ipynb        execute a TF1-era notebook
  legacy-sae check SCRIPT...                        what TF1 scripts need from the shims
  legacy-sae dae [options]                          the denoising autoencoder port
  legacy-sae stacked [options]                      the stacked autoencoder port
  legacy-sae sda [options]                          a stacked denoising autoencoder as published
  legacy-sae regress [options]                      regression report over several runs
  legacy-sae reference SCRIPT [options]             runs of a script on real TensorFlow 1.x
  legacy-sae compare SCRIPT [options]               a script on real TensorFlow 1.x and here
"""
import argparse
import dataclasses
import os
import signal
import sys

from legacy_sae import documented, preflight
from legacy_sae.checks import LegacySAEError, Terminated, raise_terminated, writable_dir
from legacy_sae.files import write_json
from legacy_sae.reference import command as reference_command, compare as compare_command
from legacy_sae.regression import command as regress_command


def _figures_option(parser):
    parser.add_argument("--figures", default="figures", metavar="DIR",
                        help="folder for the PNG files of the figures shown (default: ./figures)")


def _notebook_options(parser, default=None):
    """`legacy-sae run`'s options for a notebook; `default` (argparse.SUPPRESS) when they are
    read again from the arguments after the notebook."""
    parser.add_argument("--out", default=default, metavar="PATH",
                        help="a notebook's executed copy (default: NAME.executed.ipynb beside it)")
    parser.add_argument("--allow-errors", action="store_true", default=default,
                        help="a notebook: go on after a failing cell, and list them at the end")
    parser.add_argument("--timeout", type=float, default=default, metavar="S",
                        help="a notebook: seconds a cell may take (default: no limit)")


def _training_options(parser):
    parser.add_argument("--seed", type=int, default=None,
                        help="seed numpy and TensorFlow for a repeatable run (default: unseeded, "
                             "as the tutorial)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="MNIST folder; missing files are copied there from the bundled copy "
                             "(default: read the bundled copy in place)")
    parser.add_argument("--logdir", default=None, metavar="DIR",
                        help="write TensorBoard events there: the graph, every epoch's cost, the "
                             "test results (view with: tensorboard --logdir DIR)")
    parser.add_argument("--result-json", default=None, metavar="FILE",
                        help="also write what the run measured to FILE as JSON (replacing FILE)")
    _figures_option(parser)


def _numbers(kind):
    def parse(text):
        try:
            return tuple(kind(part) for part in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {kind.__name__} values, got {text!r}") from None
    return parse


# legacy-sae sda's training options: flag, SdASettings field, type (or choices), metavar, help.
SDA_OPTIONS = [
    ("--layers", "hidden_layers", _numbers(int), "N,N,...", "hidden layer sizes"),
    ("--corruption", "corruption", _numbers(float), "C,C,...", "masking-noise level per layer"),
    ("--pretraining-epochs", "pretraining_epochs", int, "N",
     "epochs per layer; 0 fine-tunes the random initial weights"),
    ("--pretrain-lr", "pretrain_lr", float, "LR", "pretraining learning rate"),
    ("--finetune-lr", "finetune_lr", float, "LR", "fine-tuning learning rate"),
    ("--max-finetune-epochs", "max_finetune_epochs", int, "N", "most fine-tuning epochs"),
    ("--batch-size", "batch_size", int, "N", "minibatch size"),
    ("--patience", "patience", int, "N", "early stopping's starting patience, in epochs"),
    ("--optimizer", "optimizer", ("sgd", "momentum"), None, "fine-tuning optimizer (momentum: "
                                                            "0.9)"),
]


def _sda_options(parser):
    from legacy_sae.sda import DEFAULT_CHECKPOINT_DIR, FAST_SETTINGS, SdASettings
    published = SdASettings()

    def shown(value):
        return ",".join(map(str, value)) if isinstance(value, tuple) else value

    for flag, field, kind, metavar, help_text in SDA_OPTIONS:
        default, fast = getattr(published, field), getattr(FAST_SETTINGS, field)
        choices = kind if isinstance(kind, tuple) else None
        parser.add_argument(flag, type=None if choices else kind, choices=choices,
                            metavar=metavar, default=None,
                            help=f"{help_text} (default: {shown(default)}"
                                 + (f"; with --fast: {shown(fast)})" if fast != default else ")"))
    parser.add_argument("--fast", action="store_true",
                        help="start from the faster setting measured in the README instead of "
                             "the published one; options given explicitly still apply")
    parser.add_argument("--checkpoint-dir", default=DEFAULT_CHECKPOINT_DIR, metavar="DIR",
                        help=f"checkpoints and state, resumed from (default: "
                             f"{DEFAULT_CHECKPOINT_DIR})")
    parser.add_argument("--fresh", action="store_true", help="do not resume; replace the run")
    _training_options(parser)


def sda_settings(args):
    """The SdASettings that `legacy-sae sda` options ask for: the published setting, or with
    --fast the faster one, with every option given explicitly on top."""
    from legacy_sae import sda
    given = {field: getattr(args, flag[2:].replace("-", "_")) for flag, field, *_ in SDA_OPTIONS}
    return dataclasses.replace(sda.FAST_SETTINGS if args.fast else sda.SdASettings(),
                               **{field: value for field, value in given.items()
                                  if value is not None})


def build_parser():
    parser = argparse.ArgumentParser(
        prog="legacy-sae",
        description="Run a 2018 TensorFlow 1.x autoencoder tutorial on current TensorFlow, offline.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run an unmodified TF1 script or notebook with the compat shims",
        description="Run SCRIPT as `python SCRIPT ARGS...` would, with `import tensorflow` giving "
                    "the TF1 API, the removed MNIST tutorial loader available offline, and "
                    "figures written as PNG files. A NOTEBOOK.ipynb runs cell by cell in a fresh "
                    "kernel with `%load_ext legacy_sae`, into an executed copy; its options may "
                    "also follow it.")
    _figures_option(run)
    _notebook_options(run)
    run.add_argument("--loader-rules", default=None, metavar="RULES",
                     help="how mnist.train.next_batch draws batches, as TensorFlow's loader did "
                          "from that release: 0.x (TF 0.x and 1.0: no shuffle before the first "
                          "epoch, numpy not reseeded), 1.1, or 1.2 (1.2 to 1.15, the default)")
    run.add_argument("script", metavar="SCRIPT", help="the Python file or notebook (.ipynb) to run")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                     help="arguments passed to the script")

    check = commands.add_parser(
        "check", help="list what TF1 scripts need from the shims, without running them",
        description=preflight.__doc__.split("\n\n")[0])
    check.add_argument("scripts", nargs="+", metavar="SCRIPT", help="Python files to check")

    dae = commands.add_parser("dae", help="train the denoising autoencoder (dae_tutorial.py)")
    dae.add_argument("--epochs", type=int, default=20, help="epochs (tutorial: 20)")
    _training_options(dae)
    dae.add_argument("--keep-prob", type=float, default=1.0,
                     help="dropout keep probability while training (tutorial: 1.0; it suggests "
                          "0.5)")

    stacked = commands.add_parser("stacked",
                                  help="train the stacked autoencoder (stacked_tutorial.py)")
    regress_command.add_epochs_arguments(stacked)
    _training_options(stacked)
    stacked.add_argument("--carry-weights", action="store_true",
                         help="corrected mode: each stage starts from the weights the previous "
                              "stage trained (the tutorial re-initialises them)")
    stacked.add_argument("--checkpoint-dir", default=None, metavar="DIR",
                         help="the Saver's folder (default: checkpoints/stacked_encoder)")
    stacked.add_argument("--fresh", action="store_true",
                         help="do not restore the latest checkpoint; replace it")

    _sda_options(commands.add_parser(
        "sda", help="a stacked denoising autoencoder done as published (legacy_sae/sda.py)",
        description="Greedy layer-wise pretraining of denoising autoencoders (masking noise, "
                    "tied weights, cross-entropy), then fine-tuning with early stopping on the "
                    "validation set. Defaults: the published setting; --fast: the faster one "
                    "measured in the README."))

    regress_command.add_arguments(commands.add_parser(
        "regress", help="regression report against the tutorial's documented accuracies",
        description=regress_command.__doc__.split("\n\n")[0]))
    reference_command.add_arguments(commands.add_parser(
        "reference", help="run a TF1-era script on real TensorFlow 1.x, N times, recorded",
        description=reference_command.__doc__.split("\n\n")[0]))
    compare_command.add_arguments(commands.add_parser(
        "compare", help="a TF1-era script on real TensorFlow 1.x and on legacy-sae, figure by "
                        "figure",
        description=compare_command.__doc__.split("\n\n")[0]))
    return parser


def print_progress(stage, epoch, epochs):
    """Progress beside the tutorial's own log, on stderr so that stdout stays the tutorial's."""
    end = "\r" if sys.stderr.isatty() and epoch < epochs else "\n"
    print(f"[legacy-sae] {stage}: epoch {epoch}/{epochs}", end=end, file=sys.stderr, flush=True)


def accuracy_line(result):
    """The stacked run's last line: its accuracies, beside the documented ones only when the run
    used their setting (a faithful run at 50 epochs per stage)."""
    before, after = result.accuracy_before_finetuning, result.accuracy_after_finetuning
    figures = (documented.DOCUMENTED["accuracy_before_finetuning"],
               documented.DOCUMENTED["accuracy_after_finetuning"])
    if result.epochs == documented.DOCUMENTED_EPOCHS and not result.carry_weights:
        return (f"Test accuracy: {before:.4f} before fine-tuning (tutorial {figures[0]:.4f}), "
                f"{after:.4f} after (tutorial {figures[1]:.4f}), at the setting of the "
                f"tutorial's documented run ({documented.DOCUMENTED_EPOCHS} epochs per stage)")
    setting = (f"{result.epochs} epoch{'s' * (result.epochs != 1)} per stage"
               + (", corrected mode" * result.carry_weights))
    return (f"Test accuracy: {before:.4f} before fine-tuning, {after:.4f} after ({setting}). "
            f"The tutorial's {figures[0]:.4f} and {figures[1]:.4f} belong to a faithful "
            f"run at {documented.DOCUMENTED_EPOCHS} epochs per stage, its step-by-step section's "
            f"setting: `legacy-sae stacked --documented`.")


def _write_result(result, path):
    if path:
        # default=float: under numpy 2 the listings' cost sums are numpy float32 (NEP 50).
        write_json(path, dataclasses.asdict(result), indent=1, default=float)
    return 0


def _interrupted(args, stop):
    """The message and exit status of a dae, stacked or sda run stopped by Ctrl-C or SIGTERM."""
    how, status = (("interrupted (Ctrl-C)", 130) if isinstance(stop, KeyboardInterrupt)
                   else ("stopped (SIGTERM)", 143))
    if args.command == "dae":
        return (f"legacy-sae: {how}. The DAE tutorial keeps no checkpoint; nothing else was "
                f"lost."), status
    from legacy_sae.compat import startup
    if not startup.imported():  # looking for checkpoints would import TensorFlow again
        return (f"legacy-sae: {how} while TensorFlow was loading, before the run began; "
                f"nothing was saved."), status
    if args.command == "sda":
        from legacy_sae.sda import interrupted_message
        return interrupted_message(how, args.checkpoint_dir), status
    from legacy_sae import checkpoints, compat
    from legacy_sae.stacked import DEFAULT_CHECKPOINT_DIR
    folder = args.checkpoint_dir or DEFAULT_CHECKPOINT_DIR
    try:
        kept = checkpoints.latest(folder, compat.tf1(), checkpoints.MODELS["stacked"])
    except checkpoints.CheckpointError:
        kept = None
    if kept is None:
        return f"legacy-sae: {how} before the first checkpoint was saved in {folder!r}.", status
    return (f"legacy-sae: {how}. The last checkpoint, {os.path.basename(kept)}, is intact in "
            f"{folder!r}: `legacy-sae stacked --checkpoint-dir {folder}` resumes from it."), status


# The commands whose SCRIPT's own arguments may follow `--`, whatever they look like.
SCRIPT_ARGUMENTS_AFTER_DASHES = ("reference", "compare")


def parse_arguments(argv):
    """The parsed command line; for `reference` and `compare`, what follows `--` goes to the
    script as it is (argparse would take `--foo` there for an option of its own)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    script_args = []
    if argv and argv[0] in SCRIPT_ARGUMENTS_AFTER_DASHES and "--" in argv:
        argv, script_args = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    args = build_parser().parse_args(argv)
    if script_args:  # only reference and compare, whose parsers take ARGS
        args.args += script_args
    return args


def _run(args):
    """`legacy-sae run`: a notebook through `notebook`, a script through `runner`."""
    if args.script.endswith(".ipynb"):
        from legacy_sae.notebook import run_notebook
        after = argparse.ArgumentParser(prog="legacy-sae run NOTEBOOK.ipynb", add_help=False)
        _notebook_options(after, default=argparse.SUPPRESS)
        given, notebook_args = after.parse_known_args(args.args)
        vars(args).update(vars(given))
        return run_notebook(args.script, notebook_args, out=args.out,
                            allow_errors=args.allow_errors, timeout=args.timeout,
                            loader_rules=args.loader_rules,
                            say=lambda message: print(message, file=sys.stderr, flush=True))
    if args.out is not None or args.allow_errors or args.timeout is not None:
        raise LegacySAEError("--out, --allow-errors and --timeout are for notebooks "
                             "(NOTEBOOK.ipynb); a script's own options follow the script.")
    from legacy_sae.runner import run_script
    return run_script(args.script, args.args, figures_dir=args.figures,
                      loader_rules=args.loader_rules)


def main(argv=None):
    args = parse_arguments(argv)
    # Scripts run as-is keep Python's own SIGTERM behaviour; a notebook's run keeps its copy.
    if args.command != "run" or args.script.endswith(".ipynb"):
        signal.signal(signal.SIGTERM, raise_terminated)
    try:
        if getattr(args, "result_json", None):
            writable_dir(os.path.dirname(os.path.abspath(args.result_json)), "result folder")
        if args.command == "run":
            return _run(args)
        if args.command == "check":
            return preflight.main(args.scripts)
        if args.command == "dae":
            from legacy_sae.dae import denoising_auto_encoder
            result = denoising_auto_encoder(
                epochs=args.epochs, keep_prob=args.keep_prob, seed=args.seed,
                data_dir=args.data_dir, figures_dir=args.figures, progress=print_progress,
                logdir=args.logdir)
            print(f"Test reconstruction MSE: gaussian {result.gaussian_mse:.5f}, "
                  f"salt-and-pepper {result.salt_pepper_mse:.5f}")
            return _write_result(result, args.result_json)
        if args.command == "stacked":
            from legacy_sae.stacked import DEFAULT_CHECKPOINT_DIR, stacked_auto_encoder
            result = stacked_auto_encoder(
                epochs=regress_command.chosen_epochs(args), seed=args.seed,
                carry_weights=args.carry_weights, data_dir=args.data_dir,
                checkpoint_dir=args.checkpoint_dir or DEFAULT_CHECKPOINT_DIR, fresh=args.fresh,
                figures_dir=args.figures, progress=print_progress, logdir=args.logdir)
            print(accuracy_line(result))
            return _write_result(result, args.result_json)
        if args.command == "sda":
            from legacy_sae import sda
            result = sda.stacked_denoising_autoencoder(
                sda_settings(args), seed=args.seed, data_dir=args.data_dir,
                checkpoint_dir=args.checkpoint_dir, fresh=args.fresh, figures_dir=args.figures,
                progress=print_progress, logdir=args.logdir)
            published = "; ".join(f"{name.split(',')[0]} {100 * (1 - error):.2f} %"
                                  for name, error, _ in documented.LITERATURE)
            print(f"Test accuracy: {result.test_accuracy:.4f} at the best validation epoch, "
                  f"{result.best_epoch} ({100 * result.best_validation_accuracy:.2f} % on "
                  f"validation). Published: {published}")
            return _write_result(result, args.result_json)
        if args.command == "reference":
            return reference_command.main(args)
        if args.command == "compare":
            return compare_command.main(args)
        return regress_command.main(args)
    except LegacySAEError as err:
        print(f"legacy-sae: error: {err}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Terminated) as stop:
        if args.command not in ("dae", "stacked", "sda"):
            raise
        message, status = _interrupted(args, stop)
        print(message, file=sys.stderr)
        return status

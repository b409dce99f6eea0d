"""legacy-sae: a 2018 TensorFlow 1.x tutorial on denoising and stacked autoencoders, runnable
as-is on current TensorFlow, offline.

Modules, by layer:
  compat       the TF1 API and the import shims unmodified TF1 scripts need (all compat glue,
               one module per family: tutorials, keras, contrib, removed, devices, startup,
               square, tf0 for TF 0.x code, era for 2018's matplotlib and numpy, python2
               for Python 2 scripts and notebook cells)
  preflight    `legacy-sae check`: what a TF1 script needs from the shims, before it runs
  input_data   the vendored MNIST loader, with the data bundled in `legacy_sae/data/`
  dae, stacked the tutorial's two models, ported line for line
  sda          a stacked denoising autoencoder done as published, beside them
  checkpoints  the stacked port's checkpoint folder, safe from faults; events: TensorBoard files
  runner, cli  `legacy-sae run SCRIPT` for unmodified scripts, and the `legacy-sae` command
  notebook     `legacy-sae run NOTEBOOK.ipynb`: a notebook executed headless into a copy
  processes    the child-process runner of the sweeps and of `reference`, and how a run ended
  documented   the tutorial's documented figures and settings, the published SdA results
  figures      headless figures: what `plt.show()` would display, saved as PNG files
  regression   regression sweeps against the recorded baseline and the documented accuracies
               (plan, records, gates, report, the local and Ray executors, the command)
  checks       the user-facing error type and the argument checks
In Jupyter, `%load_ext legacy_sae` installs the shims in the running kernel.
"""
import sys

__version__ = "0.1.0"


_python2_modules = None  # the finder of Python 2 modules in the working folder, while loaded


def load_ipython_extension(ipython):
    """`%load_ext legacy_sae`: TF1 imports work in this kernel, and figures show inline.
    TensorFlow starts here, in the cell that loads the extension. A TF1 name that TensorFlow 2
    removed shows its one-line message instead of a traceback through the shims. Cells written
    in Python 2, and Python 2 modules they import from the working folder, run converted."""
    global _python2_modules
    import os
    from legacy_sae import compat
    from legacy_sae.compat import python2
    compat.install()
    if python2.cell_transformer not in ipython.input_transformers_post:
        ipython.input_transformers_post.append(python2.cell_transformer)
    if _python2_modules is None:
        _python2_modules = python2.PythonTwoFinder(os.getcwd())
        sys.meta_path.insert(0, _python2_modules)
    compat.warm_up()
    ipython.run_line_magic("matplotlib", "inline")

    def show_removed(shell, kind, error, tb, tb_offset=None):
        print(f"legacy-sae: {error}", file=sys.stderr)

    ipython.set_custom_exc((compat.RemovedInTF2Error,), show_removed)


def unload_ipython_extension(ipython):
    global _python2_modules
    from legacy_sae import compat
    from legacy_sae.compat import python2
    compat.uninstall()
    if python2.cell_transformer in ipython.input_transformers_post:
        ipython.input_transformers_post.remove(python2.cell_transformer)
    if _python2_modules is not None:
        sys.meta_path.remove(_python2_modules)
        _python2_modules = None
    ipython.set_custom_exc((), None)

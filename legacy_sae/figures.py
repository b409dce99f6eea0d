"""Figures without a screen: what `plt.show()` would display is written to PNG files instead.

The runner wraps unmodified scripts in `headless()`, and the ports use it when given a figures
folder. Inside it nothing waits for a person: `plt.show()` saves and closes the open figures,
`plt.pause`, `waitforbuttonpress` and `ginput` return at once, and `input()` with no standard
input answers an empty line. Figures still open when the block ends are saved too. Existing files
are never replaced: each figure takes the first free name `PREFIX-NN.png`.

`show_image_rows` draws the grid of digits both tutorial listings show.
"""
import builtins
import contextlib
import os

import matplotlib
import numpy as np

from legacy_sae.checks import writable_dir


class FigureWriter:
    """Saves figures into `directory` as `PREFIX-01.png`, `PREFIX-02.png`, ... skipping taken names."""

    def __init__(self, directory, prefix):
        self.directory = writable_dir(directory, "figures folder")
        self.prefix = prefix
        self._number = 0

    def _claim_path(self):
        while True:
            self._number += 1
            path = os.path.join(self.directory, f"{self.prefix}-{self._number:02d}.png")
            try:
                return path, open(path, "xb")  # "x": fails rather than replace a user's file
            except FileExistsError:
                continue

    def save_open_figures(self):
        """Save each open figure and say where; a figure with nothing drawn on it (no Axes,
        text, image or shape) is reported as empty instead, and no file is written."""
        import matplotlib.pyplot as plt
        for number in plt.get_fignums():
            figure = plt.figure(number)
            if not (figure.axes or figure.texts or figure.images or figure.lines
                    or figure.patches or figure.legends or figure.subfigs):
                plt.close(figure)
                print(f"[legacy-sae] figure {number} is empty (nothing was drawn on it); "
                      f"not saved", flush=True)
                continue
            path, stream = self._claim_path()
            with stream:
                figure.savefig(stream, format="png")
            plt.close(figure)
            print("[legacy-sae] figure saved:", path, flush=True)


def _answer_without_stdin(prompt=""):
    try:
        return _real_input(prompt)
    except (EOFError, RuntimeError):  # RuntimeError: sys.stdin is None
        print("\n[legacy-sae] no standard input: input() answers an empty line", flush=True)
        return ""


_real_input = builtins.input


@contextlib.contextmanager
def headless(directory, prefix):
    """Run a block with figures saved to `directory` and no call waiting for a person."""
    writer = FigureWriter(directory, prefix)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    replacements = {
        (plt, "show"): lambda *args, **kwargs: writer.save_open_figures(),
        (plt, "pause"): lambda interval: None,
        (plt, "waitforbuttonpress"): lambda *args, **kwargs: None,
        (Figure, "waitforbuttonpress"): lambda self, *args, **kwargs: None,
        (plt, "ginput"): lambda *args, **kwargs: [],
        (Figure, "ginput"): lambda self, *args, **kwargs: [],
        (builtins, "input"): _answer_without_stdin,
    }
    originals = {key: getattr(*key) for key in replacements}
    for (owner, name), replacement in replacements.items():
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        try:
            writer.save_open_figures()
        finally:
            for (owner, name), original in originals.items():
                setattr(owner, name, original)


@contextlib.contextmanager
def saved_to(directory, prefix):
    """`headless(directory, prefix)`, or nothing at all when `directory` is None."""
    if directory is None:
        yield
    else:
        with headless(directory, prefix):
            yield


def show_image_rows(rows, shapes, count=10):
    """The tutorials' 3 x `count` figure: one row per image set (e.g. original / noisy /
    reconstruction), each image reshaped to its row's shape, then `plt.show()`."""
    import matplotlib.pyplot as plt
    plt.figure(figsize=(1.0 * count, 1 * 2))
    for i in range(count):
        for row, (images, shape) in enumerate(zip(rows, shapes)):
            plt.subplot(len(rows), count, i + count * row + 1)
            plt.imshow(np.reshape(images[i], shape), cmap='gray')
            plt.axis('off')
    plt.show()

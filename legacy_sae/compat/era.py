"""The matplotlib and numpy of 2016-2018 that TF1-era MNIST code calls, where serving it is exact.

Each entry below is a name that library later removed or changed, with what it was then. Under
the shims (`compat.install()`), a script that uses one gets that object, and one line on stderr
the first time. `legacy-sae check` reads the same tables. What cannot be served exactly (e.g.
`plt.hold(False)`, `scipy.misc.imread`) is listed in docs/tf0-and-python2.md, not here.

  NUMPY       aliases numpy 1.24 and 2.0 removed (`np.float`, `np.asscalar`, `np.NaN`, ...)
  PILLOW      `Image.ANTIALIAS` and the other resampling aliases Pillow 10 removed
  MATPLOTLIB  matplotlib calls removed from 2.2 to 3.9 (`Axes3D(fig)` attaching itself to its
              figure, `fig.gca(projection='3d')`, `cm.get_cmap`, `hist(normed=)`,
              `hold(True)`, ...)
"""
import functools
import math
import sys

ABSENT = object()  # what `patch()` records for a name it added, so that undoing deletes it

# name numpy 1.x had: (its value then, the numpy version that removed it)
NUMPY = {
    "float": (float, "1.24"), "int": (int, "1.24"), "object": (object, "1.24"),
    "str": (str, "1.24"), "complex": (complex, "1.24"), "unicode": (str, "1.24"),
    "asscalar": (lambda a: a.item(), "1.23"),
    "float_": ("float64", "2.0"), "complex_": ("complex128", "2.0"),
    "string_": ("bytes_", "2.0"), "unicode_": ("str_", "2.0"), "round_": ("round", "2.0"),
    "product": ("prod", "2.0"), "cumproduct": ("cumprod", "2.0"),
    "alltrue": ("all", "2.0"), "sometrue": ("any", "2.0"), "mat": ("asmatrix", "2.0"),
    "NaN": (math.nan, "2.0"), "Inf": (math.inf, "2.0"), "Infinity": (math.inf, "2.0"),
    "infty": (math.inf, "2.0"), "PINF": (math.inf, "2.0"), "NINF": (-math.inf, "2.0"),
    "msort": (lambda a: __import__("numpy").sort(a, axis=0), "2.0"),
}

# what matplotlib changed: (the old call, the matplotlib version that changed it)
MATPLOTLIB = {
    "Axes3D(fig)": "3.4 (Axes3D(fig) no longer adds itself to fig; 3.6 made it final)",
    "Figure.gca(projection=...)": "3.6 (gca() no longer takes keywords)",
    "pyplot.gca(projection=...)": "3.6 (gca() no longer takes keywords)",
    "matplotlib.cm.get_cmap": "3.9 (use matplotlib.colormaps[name])",
    "Axes.hist(normed=...)": "3.1 (normed= became density=)",
    "Axes.set_axis_bgcolor": "2.2 (use set_facecolor)",
    "Axes.get_axis_bgcolor": "2.2 (use get_facecolor)",
    "hold(True)": "3.0 (plots always add to the Axes now; hold(False) is not served)",
    "Axes3D.w_xaxis": "3.8 (use xaxis)",
    "Axes3D.w_yaxis": "3.8 (use yaxis)",
    "Axes3D.w_zaxis": "3.8 (use zaxis)",
}

# Pillow constants removed in Pillow 10 (2023): old name: the name it was an alias of
PILLOW = {"ANTIALIAS": "LANCZOS", "LINEAR": "BILINEAR", "CUBIC": "BICUBIC"}

_said = set()


def _say_once(old, library, version):
    if old not in _said:
        _said.add(old)
        print(f"legacy-sae: {old} is {library} before {version}; served as it was then.",
              file=sys.stderr, flush=True)


def _numpy_patches():
    import numpy
    original = vars(numpy).get("__getattr__")

    def expired_name(name):
        if name in NUMPY:
            value, version = NUMPY[name]
            _say_once(f"np.{name}", "numpy", version)
            return getattr(numpy, value) if isinstance(value, str) else value
        if original is None:
            raise AttributeError(f"module 'numpy' has no attribute {name!r}")
        return original(name)

    return [(numpy, "__getattr__", expired_name)]


def _noticed(old, version, function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        _say_once(old, "matplotlib", version.split(" ")[0])
        return function(*args, **kwargs)
    return call


def _matplotlib_patches():
    import matplotlib
    import matplotlib.axes
    import matplotlib.cm
    import matplotlib.figure
    import matplotlib.pyplot
    from mpl_toolkits.mplot3d import axes3d

    def version(name):
        return MATPLOTLIB[name].split(" ")[0]

    attach_init = axes3d.Axes3D.__init__

    @functools.wraps(attach_init)
    def axes3d_init(self, fig, *args, **kwargs):
        attach_init(self, fig, *args, **kwargs)
        if self not in fig.axes:  # created as Axes3D(fig), not by add_subplot or add_axes
            _say_once("Axes3D(fig)", "matplotlib", version("Axes3D(fig)"))
            self._projection_init = (type(self), {})
            fig.add_axes(self)

    figure_gca = matplotlib.figure.FigureBase.gca

    def gca(self, **kwargs):
        """The current Axes; with keywords (matplotlib < 3.6), a new one unless it matches."""
        if not kwargs:
            return figure_gca(self)
        _say_once("Figure.gca(projection=...)", "matplotlib", version("Figure.gca(projection=...)"))
        current = self._axstack.current()
        if current is not None and current.name == kwargs.get("projection", "rectilinear") \
                and len(kwargs) == 1:
            return current
        return self.add_subplot(**kwargs)

    def pyplot_gca(**kwargs):
        return matplotlib.pyplot.gcf().gca(**kwargs)

    axes_hist = matplotlib.axes.Axes.hist

    @functools.wraps(axes_hist)
    def hist(self, *args, **kwargs):
        if "normed" in kwargs:
            _say_once("Axes.hist(normed=...)", "matplotlib", version("Axes.hist(normed=...)"))
            kwargs["density"] = kwargs.pop("normed")
        return axes_hist(self, *args, **kwargs)

    def hold(*args, **kwargs):
        """matplotlib < 3.0's hold: on by default; hold(True) changed nothing. hold(False)
        cleared the Axes before each plot, which no call serves exactly."""
        state = (args or [kwargs.get("b")])[0] if (args or kwargs) else None
        if state not in (True, "on"):
            raise NotImplementedError(
                "hold() and hold(False) left matplotlib in 3.0 and legacy-sae cannot serve them "
                "exactly: call plt.cla() (or ax.cla()) before the plot that should replace the "
                "last one.")
        _say_once("hold(True)", "matplotlib", version("hold(True)"))

    def get_cmap(name=None, lut=None):
        return matplotlib.pyplot.get_cmap(name, lut)

    axis_property = {axis: property(lambda self, axis=axis: getattr(self, axis[2:]))
                     for axis in ("w_xaxis", "w_yaxis", "w_zaxis")}
    return [
        (axes3d.Axes3D, "__init__", axes3d_init),
        (matplotlib.figure.FigureBase, "gca", gca),
        (matplotlib.pyplot, "gca", pyplot_gca),
        (matplotlib.axes.Axes, "hist", hist),
        (matplotlib.pyplot, "hold", hold),
        (matplotlib.axes.Axes, "hold", lambda self, *args, **kwargs: hold(*args, **kwargs)),
        (matplotlib.cm, "get_cmap", _noticed("matplotlib.cm.get_cmap",
                                             version("matplotlib.cm.get_cmap"), get_cmap)),
        (matplotlib.axes.Axes, "set_axis_bgcolor", _noticed(
            "Axes.set_axis_bgcolor", version("Axes.set_axis_bgcolor"),
            matplotlib.axes.Axes.set_facecolor)),
        (matplotlib.axes.Axes, "get_axis_bgcolor", _noticed(
            "Axes.get_axis_bgcolor", version("Axes.get_axis_bgcolor"),
            matplotlib.axes.Axes.get_facecolor)),
        *[(axes3d.Axes3D, name, value) for name, value in axis_property.items()],
    ]


def _pillow_patches():
    from PIL import Image
    return [(Image, old, getattr(Image, new)) for old, new in PILLOW.items()
            if not hasattr(Image, old)]


def patch():
    """Serve the tables' old names; returns [(owner, name, original or ABSENT)] to undo it."""
    patches = _numpy_patches()
    for more in (_matplotlib_patches, _pillow_patches):
        try:
            patches += more()
        except ImportError:  # that library is not installed: nothing of it to serve
            pass
    undo = []
    for owner, name, value in patches:
        undo.append((owner, name, vars(owner).get(name, ABSENT)))
        setattr(owner, name, value)
    return undo

"""`tensorflow.examples.tutorials.mnist`, the package TF 1.x's MNIST tutorials imported from.

It held two modules, both removed in TF 2: `input_data`, the loader that downloaded MNIST (here
`legacy_sae.input_data`, with the data bundled), and `mnist`, the model functions of the feed
tutorial (here `legacy_sae.compat.mnist`).
"""
import importlib
import types

PACKAGE = "tensorflow.examples.tutorials.mnist"

# module a TF1 script imports: (the module that serves it, how)
TUTORIALS = {
    PACKAGE + ".input_data": ("legacy_sae.input_data",
                              "legacy-sae's MNIST loader, data bundled, nothing downloaded"),
    PACKAGE + ".mnist": ("legacy_sae.compat.mnist", "legacy-sae's mnist model module"),
}


def modules():
    """{module name: module} for sys.modules: the three packages and the two modules."""
    shims = {}
    for package in ("tensorflow.examples", "tensorflow.examples.tutorials", PACKAGE):
        shims[package] = types.ModuleType(package, "Shim for TF 1.x's removed tutorials package.")
        shims[package].__path__ = []
    for name, (target, _) in TUTORIALS.items():
        shims[name] = importlib.import_module(target)
    for name in list(shims)[1:]:
        parent, child = name.rsplit(".", 1)
        setattr(shims[parent], child, shims[name])
    return shims

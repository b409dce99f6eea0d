"""`Forwarding`, the module type every shim is made of: a few names of its own over a real module."""
import types

from legacy_sae.compat import removed


class Forwarding(types.ModuleType):
    """A module whose own attributes override those of `target`; the rest are looked up there.

    A name listed in `removed.REMOVED` raises `RemovedInTF2Error`. A name that neither has raises
    `missing(attr)` when given, else the usual AttributeError (a typo stays a typo)."""

    def __init__(self, name, target, missing=None, **overrides):
        super().__init__(name, target.__doc__)
        self.__dict__.update(overrides, _target=target, _missing=missing)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            return getattr(self._target, attr)
        full_name = f"{removed.canonical(self.__name__)}.{attr}"
        if full_name in removed.REMOVED:
            raise removed.RemovedInTF2Error(full_name)
        try:
            return getattr(self._target, attr)
        except AttributeError:
            if self._missing is None:
                raise
            raise self._missing(attr) from None

    def __dir__(self):
        return sorted(set(dir(self._target)) | set(self.__dict__))

"""`Forwarding`, the module type every shim is made of: a few names of its own over a real module."""
import types

from legacy_sae.compat import removed


class Forwarding(types.ModuleType):
    """A module whose own attributes override those of `target`; the rest are looked up there.

    `late` maps names to loaders called when the name is first asked for (TF 0.x names, which
    say so once); the loaded value then stays an attribute of its own. A name listed in
    `removed.REMOVED` raises `RemovedInTF2Error`. A name that none of these has raises
    `missing(attr)` when given, else the usual AttributeError (a typo stays a typo)."""

    def __init__(self, name, target, missing=None, late=None, **overrides):
        super().__init__(name, target.__doc__)
        self.__dict__.update(overrides, _target=target, _missing=missing, _late=late or {})

    def __getattr__(self, attr):
        if attr.startswith("__"):
            return getattr(self._target, attr)
        full_name = f"{removed.canonical(self.__name__)}.{attr}"
        if full_name in removed.REMOVED:
            raise removed.RemovedInTF2Error(full_name)
        if attr in self._late:
            value = self._late[attr]()
            setattr(self, attr, value)
            return value
        try:
            return getattr(self._target, attr)
        except AttributeError:
            if self._missing is None:
                raise
            raise self._missing(attr) from None

    def __dir__(self):
        return sorted(set(dir(self._target)) | set(self.__dict__) | set(self._late))

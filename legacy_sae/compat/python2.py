"""Python 2 scripts, their local helper modules and notebook cells, converted to Python 3 as they
run; the files on disk are never changed.

Conversion is fissix's (the maintained fork of lib2to3, the engine of `2to3`), with the changes
that keep Python 2's meaning where a plain `2to3` would change results, as python-future's
`futurize` does:

  * `a / b` is `_py2_div(a, b)`: floor division when both are integers (Python ints, numpy
    integers and integer arrays, integer tensors), true division otherwise. Not where the file
    says `from __future__ import division`.
  * `cPickle` (and `pickle` in Python 2 code) reads pickles written by Python 2, whose strings
    are bytes: `load`/`loads` default to `encoding='latin1'`, as numpy documents for them, and
    accept files opened in text mode, as Python 2 on Linux did.
  * fixers that would add import lines at the top (`reduce`, `intern`, `reload`, `sort(cmp=)`)
    have their imports run before the module instead, so every line keeps its number and
    tracebacks point at the original file's lines (`compile` is given the original path).

`FIXES` says, for each fixer, what `legacy-sae check` reports it converts. `convert()` is the
one entry point, used by the runner, by `PythonTwoFinder` (local modules imported by a converted
script) and by the notebook extension's input transformer.
"""
import ast
import importlib.abc
import importlib.machinery
import importlib.util
import io
import numbers
import os
import pickle
import re
import sys
import types

# fissix fixer: what it converts, as `check` reports it
FIXES = {
    "print": "print statements", "xrange": "xrange", "dict": "dict.iteritems()/keys()/values()",
    "has_key": "dict.has_key", "raw_input": "raw_input", "input": "input() (evaluated in Py2)",
    "imports": "renamed modules (StringIO, Queue, urllib2, ...)", "imports2": "renamed modules",
    "urllib": "urllib/urllib2", "except": "except E, e", "raise": "raise E, msg",
    "unicode": "unicode", "long": "long", "basestring": "basestring", "map": "map() lists",
    "filter": "filter() lists", "zip": "zip() lists", "next": ".next()", "exec": "exec",
    "execfile": "execfile", "apply": "apply", "numliterals": "octal/long literals",
    "ne": "<>", "repr": "backquotes", "reduce": "reduce", "itertools": "itertools.izip/imap",
    "itertools_imports": "itertools imports", "sorted": "sort(cmp=)", "tuple_params":
    "tuple parameters", "division": "integer division (/ between ints floors, as in Py2)",
    "metaclass": "__metaclass__", "methodattrs": "im_func/im_self", "funcattrs": "func_name",
    "getcwdu": "os.getcwdu", "nonzero": "__nonzero__", "standarderror": "StandardError",
    "sys_exc": "sys.exc_type", "throw": "generator.throw", "types": "types.StringType",
    "xreadlines": "xreadlines", "renames": "sys.maxint", "intern": "intern", "reload": "reload",
    "isinstance": "isinstance", "paren": "list comprehension tuples", "asserts": "assertEquals",
    "import": "implicit relative imports", "future": "__future__ imports",
}

# fixers not run: 2to3's opt-in ones, and fix_imports (replaced below, which keeps cPickle)
_SKIPPED = {"buffer", "idioms", "set_literal", "ws_comma", "imports", "exitfunc", "operator"}


def classic_division(a, b):
    """`a / b` as Python 2 computed it: floor division when both operands are integers."""
    __tracebackhide__ = True  # IPython shows the error at the user's line, not here
    if _is_integer(a) and _is_integer(b):
        return a // b
    return a / b


def _is_integer(value):
    if isinstance(value, numbers.Integral):
        return True
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return False
    return bool(getattr(dtype, "is_integer", False)) or getattr(dtype, "kind", "") in ("i", "u")


def _binary(file):
    """Python 2 on Linux read and wrote pickles through files opened in text mode."""
    if isinstance(file, io.TextIOBase) and hasattr(file, "buffer"):
        file.flush()
        return file.buffer
    return file


def _pickle_module():
    """`cPickle` for Python 2 code: pickle, reading Python 2's pickles as numpy advises."""
    module = types.ModuleType("cPickle", "pickle for Python 2 code: Python 2 pickles load.")
    module.__dict__.update({name: getattr(pickle, name) for name in pickle.__all__})
    module.HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL

    def load(file, encoding="latin1", **kwargs):
        return pickle.load(_binary(file), encoding=encoding, **kwargs)

    def loads(data, encoding="latin1", **kwargs):
        return pickle.loads(data, encoding=encoding, **kwargs)

    def dump(obj, file, protocol=None, **kwargs):
        return pickle.dump(obj, _binary(file), protocol, **kwargs)

    class Unpickler(pickle.Unpickler):
        def __init__(self, file, encoding="latin1", **kwargs):
            super().__init__(_binary(file), encoding=encoding, **kwargs)

    module.__dict__.update(load=load, loads=loads, dump=dump, Unpickler=Unpickler)
    return module


PICKLE = _pickle_module()


def _set_default_encoding(encoding):
    """Python 2's `reload(sys); sys.setdefaultencoding('utf8')` let str and unicode mix; Python 3
    has only Unicode text and UTF-8 source, so there is nothing left to set."""


# names a converted module gets: the division helper, and Python 2 builtins with no fixer
GLOBALS = {
    "_py2_div": classic_division,
    "cmp": lambda a, b: (a > b) - (a < b),
    "file": open,
}


def _tool():
    from fissix import fixer_base, pytree, refactor
    from fissix.fixer_util import Call, Comma, Name
    from fissix.fixes import fix_imports
    from fissix.pgen2 import token
    from fissix.pygram import python_symbols as syms

    class FixDivision(fixer_base.BaseFix):
        """`a / b` -> `_py2_div(a, b)`, `x /= y` -> `x = _py2_div(x, y)`."""
        BM_compatible = False
        PATTERN = "term< any+ > | expr_stmt< any '/=' any >"

        def transform(self, node, results):
            if self.filename in _TRUE_DIVISION:
                return None
            if node.type == syms.expr_stmt:
                target, _, value = node.children
                left = target.clone()
                left.prefix = ""
                right = value.clone()
                right.prefix = " "
                return pytree.Node(syms.expr_stmt, [
                    target.clone(), pytree.Leaf(token.EQUAL, "=", prefix=" "),
                    Call(Name("_py2_div"), [left, Comma(), right], prefix=" ")],
                    prefix=node.prefix)
            if not any(child.type == token.SLASH for child in node.children):
                return None
            result = node.children[0].clone()
            result.prefix = ""
            for operator, operand in zip(node.children[1::2], node.children[2::2]):
                operand = operand.clone()
                if operator.type == token.SLASH:
                    operand.prefix = " "
                    result = Call(Name("_py2_div"), [result, Comma(), operand])
                else:
                    result = pytree.Node(syms.term, [result, operator.clone(), operand])
            result.prefix = node.prefix
            return result

    class FixImports(fix_imports.FixImports):
        """fix_imports, keeping `cPickle` (served by `PICKLE`) and taking `pickle` to it too."""
        mapping = {**{old: new for old, new in fix_imports.MAPPING.items() if old != "cPickle"},
                   "pickle": "cPickle"}

    class Tool(refactor.RefactoringTool):
        def get_fixers(self):
            pre, post = super().get_fixers()
            post += [FixImports(self.options, self.fixer_log),
                     FixDivision(self.options, self.fixer_log)]
            for fixer in pre + post:
                _record_use(fixer)
            return pre, post

    names = [name for name in refactor.get_fixers_from_package("fissix.fixes")
             if name.rsplit(".fix_", 1)[1] not in _SKIPPED]
    return Tool(names)


def _record_use(fixer):
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(fixer).__name__[3:]).lower()
    transform = fixer.transform

    def recorded(node, results):
        before = str(node)
        new = transform(node, results)
        if new is not None or str(node) != before:  # some fixers change the tree in place
            _USED.setdefault(name, None)
        return new
    fixer.transform = recorded


_USED = {}
_TRUE_DIVISION = set()  # files being converted that import division from __future__
_tool_instance = None


class Converted:
    """A Python 2 source converted: `source` (same lines), `prelude` (imports that fixers would
    have added at the top, run first instead) and `fixes` (what was converted, for `check`)."""

    def __init__(self, source, prelude, fixes):
        self.source, self.prelude, self.fixes = source, prelude, fixes
        self.markers = None  # the Python 2 names that told a Python 3-parsable file apart

    def namespace(self, module_globals):
        """Give a module's globals what the converted code expects."""
        module_globals.update(GLOBALS)
        exec(compile(self.prelude, "<legacy-sae python 2 prelude>", "exec"), module_globals)
        sys.modules.setdefault("cPickle", PICKLE)
        if not hasattr(sys, "setdefaultencoding"):
            sys.setdefaultencoding = _set_default_encoding


# What marks a file that parses as Python 3 as Python 2 all the same, when it does not define
# the name itself or import the module inside `try: ... except ImportError:`.
PYTHON2_ONLY = {
    "builtins": {"xrange", "raw_input", "unicode", "basestring", "unichr", "execfile", "long"},
    "modules": {"cPickle", "urllib2", "StringIO", "cStringIO", "Queue", "ConfigParser",
                "Tkinter", "commands", "httplib", "urlparse", "cookielib", "__builtin__"},
    "methods": {"iteritems", "iterkeys", "itervalues", "has_key"},
}


def is_python3(source, filename="<input>"):
    try:
        compile(source, filename, "exec", dont_inherit=True)
        return True
    except SyntaxError:
        return False


def _guarded_imports(tree):
    """Import statements inside `try:` bodies whose handlers catch ImportError (or anything)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                handler.type is None or "Error" in ast.unparse(handler.type)
                or "Exception" in ast.unparse(handler.type) for handler in node.handlers):
            guarded.update(id(inner) for statement in node.body for inner in ast.walk(statement)
                           if isinstance(inner, (ast.Import, ast.ImportFrom)))
    return guarded


def python2_markers(tree):
    """The Python 2-only names a Python 3-parsable tree uses (see PYTHON2_ONLY)."""
    bound, loaded, markers = set(), set(), set()
    guarded = _guarded_imports(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            if id(node) not in guarded and node.__dict__.get("level", 0) == 0:
                markers.update(m for m in modules if m.split(".")[0] in PYTHON2_ONLY["modules"])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in PYTHON2_ONLY["methods"]:
            markers.add(f".{node.func.attr}()")
    markers.update((loaded - bound) & PYTHON2_ONLY["builtins"])
    return sorted(markers)


def python2_conversion(source, filename="<input>"):
    """`source` converted when it is Python 2 (not Python 3, or Python 3 syntax using Python 2's
    names), else None: Python 3 code, or code neither parses (Python reports its error)."""
    try:
        markers = python2_markers(ast.parse(source, filename))
        if not markers:
            return None
    except (SyntaxError, ValueError):
        markers = None
    converted = convert(source, filename)
    if converted is None or not is_python3(converted.source, filename):
        converted = convert(_spaces_for_tabs(source), filename)
        if converted is None or not is_python3(converted.source, filename):
            return None
    converted.markers = markers
    return converted


def _spaces_for_tabs(source):
    """Indentation as Python 2 read it (a tab: on to the next multiple of 8 columns); Python 3
    refuses indentation that mixes tabs and spaces."""
    return re.sub(r"(?m)^[ \t]+", lambda match: match.group(0).expandtabs(8), source)


def convert(source, filename="<input>"):
    """`source` (Python 2) as Python 3, or None when fissix cannot parse it either."""
    global _tool_instance
    from fissix.pgen2.parse import ParseError
    from fissix.pygram import python_symbols as syms
    if _tool_instance is None:
        _tool_instance = _tool()
    if not source.endswith("\n"):
        source += "\n"
    if re.search(r"^\s*from\s+__future__\s+import\s[^#\n]*\bdivision\b", source, re.M):
        _TRUE_DIVISION.add(filename)
    _USED.clear()
    try:
        tree = _tool_instance.refactor_string(source, filename)
    except ParseError:
        return None
    finally:
        _TRUE_DIVISION.discard(filename)
    if tree is None:
        return None
    prelude = []
    for statement in list(tree.children):  # added imports: no leaf of them has a line number
        if statement.type == syms.simple_stmt and all(leaf.lineno == 0 for leaf in
                                                      statement.leaves()):
            prelude.append(str(statement).strip())
            statement.remove()
    fixes = [FIXES.get(name, name) for name in _USED if name != "future"]
    return Converted(str(tree), "\n".join(prelude) + "\n", fixes)


def say_converted(what, converted, unchanged=" (the file is unchanged)"):
    print(f"legacy-sae: {what} is Python 2; converted to Python 3 as it runs{unchanged}: "
          f"{', '.join(converted.fixes)}.", file=sys.stderr, flush=True)


class PythonTwoLoader(importlib.machinery.SourceFileLoader):
    """A local module's source; converted when it is Python 2, and then never cached as .pyc."""

    def source_to_code(self, data, path, *, _optimize=-1):
        self.converted = converted = python2_conversion(importlib.util.decode_source(data), path)
        if converted is None:
            return super().source_to_code(data, path, _optimize=_optimize)
        say_converted(os.path.relpath(path), converted)
        return compile(converted.source, path, "exec", dont_inherit=True)

    def set_data(self, path, data, *, _mode=0o666):
        if getattr(self, "converted", None) is None:
            super().set_data(path, data, _mode=_mode)

    def exec_module(self, module):
        code = self.get_code(module.__name__)
        if getattr(self, "converted", None) is not None:
            self.converted.namespace(module.__dict__)
        exec(code, module.__dict__)


class PythonTwoFinder(importlib.abc.MetaPathFinder):
    """Modules and packages in `folder` (a script's own) load through `PythonTwoLoader`."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)

    def _inside(self, path):
        return os.path.commonpath([self.folder, os.path.abspath(path)]) == self.folder

    def find_spec(self, name, path=None, target=None):
        search = [self.folder] if path is None else [entry for entry in path
                                                     if self._inside(entry)]
        spec = importlib.machinery.PathFinder.find_spec(name, search) if search else None
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        spec.loader = PythonTwoLoader(spec.name, spec.origin)
        return spec


def cell_transformer(lines):
    """IPython input transformer: a cell that is not Python 3 but is Python 2 runs converted."""
    source = "".join(lines)
    converted = python2_conversion(source, "<cell>")
    if converted is None:
        return lines  # Python 3, or IPython reports the SyntaxError as usual
    from IPython import get_ipython
    converted.namespace(get_ipython().user_ns)
    if _last_cell_said[0] != source:  # IPython transforms a cell more than once
        _last_cell_said[0] = source
        say_converted("this cell", converted, unchanged="")
    return converted.source.splitlines(keepends=True)


_last_cell_said = [None]

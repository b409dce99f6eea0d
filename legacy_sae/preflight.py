"""`legacy-sae check SCRIPT...`: what a TF1-era script needs from the shims, known before it runs.

Each script is parsed, never run. Every TensorFlow name it uses (`tf.placeholder`,
`tf.contrib.layers.flatten`, `from tensorflow.examples.tutorials.mnist import input_data`, ...)
is looked up in the tables the shims themselves are built from (`legacy_sae.compat`), in this
order: the removed APIs, the tutorials package, tf.contrib, legacy Keras, GPU pinning, TF 0.x,
and last `tf.compat.v1`. Listed are the names that need the shims: those TensorFlow 2 lacks, or
gives another object under the same name (`tf.nn.dropout`, whose second argument changed
meaning). Names that are the same in both, such as `tf.float32` or `tf.matmul`, are not listed.

Also listed: a script in Python 2 (read as `compat.python2` converts it, with what it converts),
TF 0.x calls (`tf.split(0, 2, x)`, positional cross-entropy calls), the numpy and matplotlib
names of `compat.era`, imports that are not installed (with the pip command), and modules
imported from the script's own folder, which are then checked too, each under its own name.

Exit status: 0 when every name is served, 1 when a name will fail, 2 when a script cannot be
read or parsed.
"""
import ast
import collections
import importlib
import importlib.util
import json
import os
import sys
import tokenize

from legacy_sae.checks import LegacySAEError
from legacy_sae.compat import contrib, devices, era, keras, python2, tf0, tutorials
from legacy_sae.compat.removed import advice_for, canonical
from legacy_sae.compat.startup import import_tensorflow

FAILS = "FAILS"

# the modules whose names are checked, by the prefix their canonical names take
TRACKED = {"tensorflow": "tf", "numpy": "numpy", "matplotlib": "matplotlib",
           "mpl_toolkits": "mpl_toolkits", "PIL": "PIL"}

# import name: the pip package that installs it, where the two differ
PIP_NAMES = {"cv2": "opencv-python", "sklearn": "scikit-learn", "PIL": "Pillow",
             "skimage": "scikit-image", "yaml": "PyYAML", "bs4": "beautifulsoup4"}

# attribute calls of matplotlib objects that compat.era serves: (attribute, keyword or None)
ERA_METHODS = {("gca", "projection"): "Figure.gca(projection=...)",
               ("hist", "normed"): "Axes.hist(normed=...)",
               ("set_axis_bgcolor", None): "Axes.set_axis_bgcolor",
               ("get_axis_bgcolor", None): "Axes.get_axis_bgcolor",
               ("hold", None): "hold(True)",
               ("w_xaxis", None): "Axes3D.w_xaxis", ("w_yaxis", None): "Axes3D.w_yaxis",
               ("w_zaxis", None): "Axes3D.w_zaxis"}


def _canonical(module_name):
    top, _, rest = module_name.partition(".")
    return TRACKED[top] + ("." + rest if rest else "")


class Script:
    """One parsed file: its tree, and how it reached Python 3 (None, or its conversion). A
    notebook's code cells are converted one by one, as `%load_ext legacy_sae` runs them, so
    Python 2 cells and Python 3 cells can sit in one notebook."""

    def __init__(self, path):
        try:
            if path.endswith(".ipynb"):
                cells = _notebook_cells(path)
            else:
                with tokenize.open(path) as stream:
                    source = stream.read()
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError, KeyError) as err:
            raise LegacySAEError(f"Cannot read {path!r} ({getattr(err, 'strerror', None) or err})"
                                 f": give the path of a Python script or notebook.") from None
        self.path = path
        self.python2_cells = []  # a notebook's code cells that are Python 2, counted from 1
        if path.endswith(".ipynb"):
            self.converted, self.python2_cells, source = _converted_cells(cells, path)
        else:
            self.converted = python2.python2_conversion(source, path)
            source = self.converted.source if self.converted else source
        try:
            self.tree = ast.parse(source, path)
        except SyntaxError as err:
            raise LegacySAEError(f"{path} is not valid Python 3 or Python 2 (line {err.lineno}: "
                                 f"{err.msg}); legacy-sae check reads Python scripts.") from None


def _notebook_cells(path):
    """A notebook's code cells, IPython's `%magic` and `!shell` lines blanked (IPython runs them
    as calls), each cell's source ending in a newline."""
    with open(path, encoding="utf-8") as stream:
        cells = json.load(stream)["cells"]
    sources = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines = source.splitlines(keepends=True)
            sources.append("".join("\n" if line.lstrip().startswith(("%", "!")) else line
                                   for line in lines).rstrip("\n") + "\n")
    return sources


def _converted_cells(cells, path):
    """(the notebook's conversion or None, the numbers of its Python 2 cells, its code as one
    source): each cell converted on its own when it is Python 2, as the extension's cell
    transformer does. A conversion keeps a cell's lines, so line numbers count through the
    code cells."""
    sources, python2_cells, prelude, fixes = [], [], [], []
    for number, cell in enumerate(cells, start=1):
        converted = python2.python2_conversion(cell, path)
        sources.append(cell if converted is None else converted.source)
        if converted is not None:
            python2_cells.append(number)
            prelude += [line for line in converted.prelude.splitlines() if line not in prelude]
            fixes += [fix for fix in converted.fixes if fix not in fixes]
    source = "".join(sources)
    if not python2_cells:
        return None, [], source
    return python2.Converted(source, "\n".join(prelude) + "\n", fixes), python2_cells, source


def used_names(tree):
    """({canonical name: [line, ...]}, [(canonical name, call node)]) for every name of a tracked
    module (TensorFlow, numpy, matplotlib) the tree uses, and the calls of such names."""
    aliases = {}  # local name -> canonical name it stands for
    uses = collections.defaultdict(list)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in TRACKED:
                    full = _canonical(alias.name)
                    top = _canonical(alias.name.split(".")[0])
                    aliases[alias.asname or alias.name.split(".")[0]] = full if alias.asname else top
                    if full != top:
                        uses[full].append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and not node.level \
                and (node.module or "").split(".")[0] in TRACKED:
            for alias in node.names:
                full = f"{_canonical(node.module)}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                uses[full].append(node.lineno)
    # An attribute chain is read from its outermost node: `tf.nn.relu`, not also `tf.nn`.
    inner_nodes = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names_of = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner_nodes:
            chain, inner = [], node
            while isinstance(inner, ast.Attribute):
                chain.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in aliases:
                names = [aliases[inner.id], *chain]
                dunder = next((k for k, part in enumerate(names) if part.startswith("__")), None)
                names_of[id(node)] = ".".join(names[:dunder])
                uses[names_of[id(node)]].append(node.lineno)
        elif isinstance(node, ast.Name) and node.id in aliases:
            names_of[id(node)] = aliases[node.id]
    calls = [(names_of[id(node.func)], node) for node in ast.walk(tree)
             if isinstance(node, ast.Call) and id(node.func) in names_of]
    return {name: sorted(set(lines)) for name, lines in uses.items()}, calls


def _resolve(module, parts):
    for part in parts:
        module = getattr(module, part)
    return module


def _served_module_has(module, parts):
    try:
        _resolve(module, parts)
        return True
    except Exception:  # a missing name, or a shim's RemovedInTF2Error
        return False


def classify(name):
    """(how the shims serve `name`, or FAILS; why) — None when TensorFlow 2 alone serves it."""
    if not name.startswith("tf.") and name != "tf":
        return _classify_era(name)
    parts = name.split(".")
    advice = advice_for(name)
    if advice:
        return FAILS, f"removed in TensorFlow 2. {advice}"
    tutorial_modules = {canonical(module): entry for module, entry in tutorials.TUTORIALS.items()}
    if name.startswith(canonical(tutorials.PACKAGE)):
        module_name = ".".join(parts[:5])
        if module_name not in tutorial_modules:
            return FAILS, f"TF 1.x's tutorials package had no {module_name}"
        target, how = tutorial_modules[module_name]
        if not _served_module_has(importlib.import_module(target), parts[5:]):
            return FAILS, f"{module_name} has no {'.'.join(parts[5:])}"
        return how, None
    if name in tf0.RENAMED:
        return tf0.describe(name), None
    if parts[1:2] == ["python"]:
        return _classify_internal("tensorflow" + name[2:])
    if parts[1:2] == ["models"]:
        return _classify_old_module(name)
    if parts[:2] == ["tf", "contrib"]:
        if len(parts) == 2:
            return "legacy-sae's tf.contrib shim", None
        if parts[2] not in contrib.CONTRIB:
            return FAILS, (f"TensorFlow 2 removed tf.contrib; legacy-sae serves its parts "
                           f"{', '.join(contrib.CONTRIB)}")
        how, load = contrib.CONTRIB[parts[2]]
        if not _served_module_has(load(), parts[3:]):
            return FAILS, f"{how} has no {'.'.join(parts[3:])}"
        return how, None
    for table in (keras.LEGACY_KERAS, devices.PINNING):
        for prefix, how in table.items():
            if name == prefix or name.startswith(prefix + "."):
                return how, None
    tensorflow = import_tensorflow()
    try:
        tf1_object = _resolve(tensorflow.compat.v1, parts[1:])
    except AttributeError:
        return FAILS, "not in tf.compat.v1: TensorFlow 2 has no such name"
    try:
        if _resolve(tensorflow, parts[1:]) is tf1_object:
            return None
    except AttributeError:
        pass
    return "tf.compat.v1", None


def _classify_internal(full_name):
    """`tensorflow.python....`: TensorFlow's own modules, which scripts of every era imported."""
    import_tensorflow()  # first, and quietly
    module_name, attr = full_name.rsplit(".", 1)
    if attr in tf0.INTERNAL_MODULES.get(module_name, {}):
        new = tf0.INTERNAL_MODULES[module_name][attr]
        return f"TF 0.x name, served as {new}", None
    for end in range(full_name.count(".") + 1, 1, -1):
        module_name = ".".join(full_name.split(".")[:end])
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if _served_module_has(module, full_name.split(".")[end:]):
            return None
        break
    return FAILS, f"TensorFlow 2.21 has no {full_name}"


def _classify_old_module(name):
    """`tensorflow.models.rnn.*`, TF 0.5-0.8's RNN modules (tf0.OLD_MODULES)."""
    for module_name, (served_by, names) in tf0.OLD_MODULES.items():
        prefix = canonical(module_name)
        if name == prefix or name.startswith(prefix + "."):
            rest = name[len(prefix) + 1:]
            if rest in names:
                return f"TF 0.x name, served as {names[rest]}", None
            if rest and not _served_module_has(
                    import_tensorflow().compat.v1, (served_by[3:] + "." + rest).split(".")):
                return FAILS, f"{served_by}, which serves {prefix}, has no {rest}"
            return f"TF 0.x module, served as {served_by}", None
        if prefix.startswith(name + "."):
            return "TF 0.x package path, served", None
    return FAILS, "not in TensorFlow 2 nor in its 0.x tables"


def _classify_era(name):
    parts = name.split(".")
    if parts[0] == "numpy" and len(parts) == 2 and parts[1] in era.NUMPY:
        return f"removed in numpy {era.NUMPY[parts[1]][1]}; served as numpy had it", None
    if parts[-1] == "Axes3D" and parts[0] == "mpl_toolkits":
        return None  # listed where it is called: Axes3D(fig)
    if parts[0] == "PIL" and parts[-1] in era.PILLOW:
        return f"removed in Pillow 10; served as Image.{era.PILLOW[parts[-1]]}", None
    if name == "matplotlib.cm.get_cmap":
        return f"matplotlib {era.MATPLOTLIB[name]}; served as matplotlib had it", None
    return None


def _literal_int(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, int) \
        and not isinstance(node.value, bool)


def _is_0x_call(name, call):
    """Whether a call is TF 0.x's, as far as its source shows (tf0.REORDERED and CHANGED)."""
    args = call.args
    if name in ("tf.split", "tf.concat"):
        return bool(args) and (_literal_int(args[0]) or (
            name == "tf.concat" and len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple))))
    if name == "tf.reverse":
        return len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple)) and all(
            isinstance(item, ast.Constant) and isinstance(item.value, bool)
            for item in args[1].elts)
    if name in ("tf.nn.nce_loss", "tf.nn.sampled_softmax_loss"):
        return len(args) >= 4  # told apart at run time, by which argument holds integers
    if name == "tf.image.resize_images":
        return len(args) > 2 and not isinstance(args[1], (ast.List, ast.Tuple))
    if name == "tf.svd":
        return len(args) > 1
    if name in ("tf.zeros_initializer", "tf.ones_initializer"):
        return bool(args) and isinstance(args[0], (ast.List, ast.Tuple))
    return bool(args) and name in tf0.REORDERED


def _call_rows(calls):
    rows = []
    for name, call in calls:
        if (name in tf0.REORDERED or name in tf0.CHANGED or name in tf0.AMBIGUOUS) \
                and _is_0x_call(name, call):
            rows.append(([call.lineno], f"{name}(...)", tf0.describe(name), None))
        elif name.startswith("mpl_toolkits") and name.endswith("Axes3D"):
            rows.append(([call.lineno], "Axes3D(fig)",
                         "attached to its figure as before matplotlib 3.4, so it is drawn", None))
    return rows


def _era_method_rows(tree):
    rows = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            keywords = {keyword.arg for keyword in node.keywords}
            for (attr, keyword), old in ERA_METHODS.items():
                if node.func.attr == "hold" == attr and not (
                        node.args and isinstance(node.args[0], ast.Constant)
                        and node.args[0].value in (True, "on")):
                    rows.append(([node.lineno], "hold(False)", FAILS,
                                 "matplotlib 3.0 removed hold(); hold(False) and hold() are not "
                                 "served (call plt.cla() before the plot instead)"))
                elif node.func.attr == attr and (keyword is None or keyword in keywords):
                    rows.append(([node.lineno], old, f"matplotlib {era.MATPLOTLIB[old]}; served "
                                                     f"as matplotlib had it", None))
        elif isinstance(node, ast.Attribute) and (node.attr, None) in ERA_METHODS \
                and node.attr.startswith("w_"):
            old = ERA_METHODS[(node.attr, None)]
            rows.append(([node.lineno], old, f"matplotlib {era.MATPLOTLIB[old]}; served", None))
    return rows


def _local_module(folder, module_name):
    """The file of `module_name` inside `folder` (module.py or package/__init__.py), or None."""
    base = os.path.join(folder, *module_name.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _import_rows(script, folder):
    """(rows for imports not installed or served, [(line, local module file)]) of a script."""
    rows, local = [], []
    guarded = python2._guarded_imports(script.tree)
    here = os.path.dirname(script.path) or "."
    for node in ast.walk(script.tree):
        if isinstance(node, ast.Import):
            wanted = [(alias.name, folder) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here if node.level else folder
            for _ in range(max(node.level - 1, 0)):
                base = os.path.dirname(base)
            module = node.module or ""
            wanted = [(f"{module}.{alias.name}".strip("."), base) for alias in node.names]
            if module:
                wanted.insert(0, (module, base))
        else:
            continue
        for module_name, base in wanted:
            found = _local_module(base, module_name)
            if found:
                local.append((node.lineno, found))
                continue
            top = module_name.split(".")[0]
            if os.path.isdir(os.path.join(base, top)) or os.path.isdir(os.path.join(here, top)):
                continue  # a folder of the script's own, imported as a namespace package
            if isinstance(node, ast.ImportFrom) and (node.level or module_name != node.module):
                continue  # a name imported from a module, not a module of its own
            if top in TRACKED or top in sys.stdlib_module_names or id(node) in guarded \
                    or _local_module(folder, top) or _local_module(here, top):
                continue
            if top == "cPickle" and script.converted is not None:
                rows.append(([node.lineno], top, "pickle reading Python 2 pickles "
                                                 "(encoding='latin1')", None))
            elif importlib.util.find_spec(top) is None:
                rows.append(([node.lineno], top, FAILS, f"not installed: pip install "
                                                        f"{PIP_NAMES.get(top, top)}"))
    return rows, local


def check_script(path, out=sys.stdout, checked=None):
    """Print the report for one script, then for the local modules it imports; return how many
    of their names will fail."""
    checked = set() if checked is None else checked
    checked.add(os.path.abspath(path))
    script = Script(path)
    rows = []
    if script.converted is not None:
        if script.python2_cells:
            cells = script.python2_cells
            why = f"code cell{'s' * (len(cells) > 1)} {', '.join(map(str, cells))}"
        elif script.converted.markers:
            why = f"uses {', '.join(script.converted.markers)}"
        else:
            why = "not Python 3"
        how = f"{why}; converted as it runs: {', '.join(script.converted.fixes)}"
        prelude = script.converted.prelude.strip()
        if prelude:
            how += "; run first: " + prelude.replace("\n", "; ")
        rows.append(([1], "Python 2", how, None))
    uses, calls = used_names(script.tree)
    for name, lines in uses.items():
        verdict = classify(name)
        if verdict is not None:
            rows.append((lines, name, *verdict))
    rows += _call_rows(calls) + _era_method_rows(script.tree)
    import_rows, local = _import_rows(script, os.path.dirname(path) or ".")
    rows += import_rows
    for line, module_path in local:
        rows.append(([line], os.path.relpath(module_path, os.path.dirname(path) or "."),
                     "local module: checked below", None))
    rows.sort(key=lambda row: row[0][0])
    print(path, file=out)
    labels = [name + (f" ({len(lines)} uses)" if len(lines) > 1 else "")
              for lines, name, _, _ in rows]
    width = max(map(len, labels), default=0)
    for label, (lines, _, how, why) in zip(labels, rows):
        verdict = f"{FAILS}: {why}" if how == FAILS else how
        print(f"  line {lines[0]:>4}  {label:<{width}}  {verdict}", file=out)
    failing = sum(how == FAILS for _, _, how, _ in rows)
    summary = (f"{len(rows)} TF1 names need the shims; "
               + (f"{failing} will fail." if failing else "all are served."))
    print(f"{path}: {summary}", file=out)
    for module_path in dict.fromkeys(module_path for _, module_path in local):
        if os.path.abspath(module_path) not in checked:
            failing += check_script(module_path, out, checked)
    return failing


def main(scripts):
    keras.use_legacy_keras()  # the shims' Keras, so that tf.contrib.rnn's cells can be looked up
    failing = sum(check_script(path) for path in scripts)
    return 1 if failing else 0

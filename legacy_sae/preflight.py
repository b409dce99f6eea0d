"""`legacy-sae check SCRIPT...`: what a TF1 script needs from the shims, known before it runs.

Each script is parsed, never run. Every TensorFlow name it uses (`tf.placeholder`,
`tf.contrib.layers.flatten`, `from tensorflow.examples.tutorials.mnist import input_data`, ...)
is looked up in the tables the shims themselves are built from (`legacy_sae.compat`), in this
order: the removed APIs, the tutorials package, tf.contrib, legacy Keras, GPU pinning, and last
`tf.compat.v1`. Listed are the names that need the shims: those TensorFlow 2 lacks, or gives
another object under the same name (`tf.nn.dropout`, whose second argument changed meaning).
Names that are the same in both, such as `tf.float32` or `tf.matmul`, are not listed.

Exit status: 0 when every name is served, 1 when a name will fail, 2 when a script cannot be
read or parsed.
"""
import ast
import collections
import importlib
import sys

from legacy_sae.checks import LegacySAEError
from legacy_sae.compat import contrib, devices, keras, tutorials
from legacy_sae.compat.removed import advice_for, canonical
from legacy_sae.compat.startup import import_tensorflow

FAILS = "FAILS"


def used_names(source, filename):
    """{canonical TF name: [line, ...]} for every TensorFlow name `source` uses."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as err:
        raise LegacySAEError(f"{filename} is not valid Python (line {err.lineno}: {err.msg}); "
                             f"legacy-sae check reads Python 3 scripts.") from None
    aliases = {}  # local name -> canonical TF name it stands for
    uses = collections.defaultdict(list)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tensorflow":
                    full = canonical(alias.name)
                    aliases[alias.asname or "tensorflow"] = full if alias.asname else "tf"
                    if full != "tf":
                        uses[full].append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tensorflow":
            for alias in node.names:
                full = f"{canonical(node.module)}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                uses[full].append(node.lineno)
    # An attribute chain is read from its outermost node: `tf.nn.relu`, not also `tf.nn`.
    inner_nodes = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner_nodes:
            chain, inner = [], node
            while isinstance(inner, ast.Attribute):
                chain.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in aliases:
                names = [aliases[inner.id], *chain]
                dunder = next((k for k, part in enumerate(names) if part.startswith("__")), None)
                uses[".".join(names[:dunder])].append(node.lineno)
    return {name: sorted(set(lines)) for name, lines in uses.items()}


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


def check_script(path, out=sys.stdout):
    """Print the report for one script; return how many of its names will fail."""
    try:
        with open(path, encoding="utf-8") as stream:
            source = stream.read()
    except OSError as err:
        raise LegacySAEError(f"Cannot read {path!r} ({err.strerror or err}): give the path of "
                             f"a Python script.") from None
    rows = []
    for name, lines in sorted(used_names(source, path).items(), key=lambda item: item[1][0]):
        verdict = classify(name)
        if verdict is not None:
            rows.append((lines, name, *verdict))
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
    return failing


def main(scripts):
    keras.use_legacy_keras()  # the shims' Keras, so that tf.contrib.rnn's cells can be looked up
    failing = sum(check_script(path) for path in scripts)
    return 1 if failing else 0

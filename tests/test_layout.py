"""The package's layout: no import circle anywhere in legacy_sae/, and the modules of the
regression and reference packages, one job each, depending only downwards (regression: plan,
records, gates, report, then the executors, then the command; reference: the environments, the
runs, the session both commands share, then the commands, above the regression package, which
never imports it). One child-process runner serves both; the tutorial's documented figures have a
module of their own."""
import ast
import os

import pytest

from conftest import REPO

PACKAGE = os.path.join(REPO, "legacy_sae")
ORDER = {"regression": ["plan", "records", "gates", "report", "local", "ray", "command"],
         "reference": ["environments", "runs", "session", "comparison", "report", "command",
                       "compare"]}


def module_name(path):
    relative = os.path.relpath(path, REPO)[:-len(".py")].replace(os.sep, ".")
    return relative[:-len(".__init__")] if relative.endswith(".__init__") else relative


def modules():
    """{module name: path} of every module in legacy_sae/."""
    found = {}
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py"):
                found[module_name(os.path.join(folder, name))] = os.path.join(folder, name)
    return found


def imports(path, known, own):
    """The modules of `known` that the module `own` at `path` imports, at its top or inside a
    function: `from P import M` counts as importing P.M when that is a module, else P."""
    with open(path, encoding="utf-8") as stream:
        tree = ast.parse(stream.read())
    package = own if path.endswith("__init__.py") else own.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known and name != own)
    return found


def import_graph():
    known = modules()
    return {name: imports(path, known, name) for name, path in known.items()}


def find_circle(graph):
    """One import circle as a list of modules (first = last), or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for neighbour in sorted(graph[node]):
            if state.get(neighbour) == "open":
                return path[path.index(neighbour):] + [neighbour]
            if neighbour not in state:
                circle = visit(neighbour, path + [neighbour])
                if circle:
                    return circle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            circle = visit(start, [start])
            if circle:
                return circle
    return None


def test_no_import_circle_in_the_package():
    assert find_circle(import_graph()) is None


def test_find_circle_sees_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_circle(graph) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("package", sorted(ORDER))
def test_modules_import_only_those_below_them(package):
    graph = import_graph()
    for position, name in enumerate(ORDER[package]):
        below = {f"legacy_sae.{package}.{other}" for other in ORDER[package][:position]}
        inside = {m for m in graph[f"legacy_sae.{package}.{name}"]
                  if m.startswith(f"legacy_sae.{package}")}
        assert inside <= below, f"{name} imports {sorted(inside - below)}"


def test_the_regression_package_never_imports_the_reference_package():
    graph = import_graph()
    for name in ORDER["regression"]:
        assert not {m for m in graph[f"legacy_sae.regression.{name}"]
                    if m.startswith("legacy_sae.reference")}, name


def test_the_two_reference_commands_share_the_session_not_each_other():
    graph = import_graph()
    for command, other in (("command", "compare"), ("compare", "command")):
        assert "legacy_sae.reference.session" in graph[f"legacy_sae.reference.{command}"]
        assert f"legacy_sae.reference.{other}" not in graph[f"legacy_sae.reference.{command}"]


def test_one_child_process_runner_serves_reference_and_regress():
    graph = import_graph()
    users = sorted(name for name, imported in graph.items() if "legacy_sae.processes" in imported)
    assert {"legacy_sae.reference.runs", "legacy_sae.regression.local",
            "legacy_sae.regression.ray"} <= set(users)
    for name, path in modules().items():  # no other module starts a run of its own
        with open(path, encoding="utf-8") as stream:
            source = stream.read()
        if name != "legacy_sae.processes":
            assert "os.wait4" not in source and "Popen(" not in source, name


def test_the_documented_figures_have_a_module_that_cli_and_regression_import():
    graph = import_graph()
    assert "legacy_sae.documented" in graph["legacy_sae.cli"]
    assert "legacy_sae.documented" in graph["legacy_sae.regression.gates"]
    assert not {m for m in graph["legacy_sae.cli"] if m.startswith("legacy_sae.regression.")
                and m != "legacy_sae.regression.command"}


@pytest.mark.parametrize("package", sorted(ORDER))
def test_each_module_says_its_job_in_under_300_lines(package):
    for name in ORDER[package]:
        path = os.path.join(PACKAGE, package, f"{name}.py")
        with open(path, encoding="utf-8") as stream:
            source = stream.read()
        assert ast.get_docstring(ast.parse(source)), name
        assert source.count("\n") <= 300, f"{name}: {source.count(chr(10))} lines"

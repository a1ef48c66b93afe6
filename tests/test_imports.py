"""The package's modules import one way: no cycle, and the core above no estimator.

Read from the source (every ``import`` statement, at module level or inside a
function), so that a lazy import that climbs back counts as well.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skperceptron"

#: The core: knows nothing of scikit-learn, the estimators or the trainer.
CORE = {"_activations", "_losses", "_kernels", "_compiled", "_network", "_optimizers"}


def _module_name(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """Return the package modules and the other modules ``path`` imports."""
    name = _module_name(path)
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    internal, external = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
                names = [alias.name for alias in node.names]
                modules = {f"{target}.{n}".strip(".") for n in names}
                internal |= {m for m in modules if m in ALL} or {target}
            else:
                external.add(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("skperceptron."):
                    internal.add(alias.name.removeprefix("skperceptron."))
                else:
                    external.add(alias.name)
    return internal - {"", name}, external


ALL = {_module_name(path) for path in PACKAGE.rglob("*.py")}
GRAPH = {_module_name(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def test_the_imports_have_no_cycle():
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(GRAPH.get(module, (set(), set()))[0]):
            if state.get(target) == "open":
                pytest.fail("import cycle: " + " -> ".join([*path, module, target]))
            if target not in state:
                visit(target, [*path, module])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_imports_only_the_core(module):
    internal, external = GRAPH[module]
    assert internal <= CORE, f"{module} imports {sorted(internal - CORE)}"
    # scikit-learn's vendored array-api-compat is no estimator API.
    assert not {
        name
        for name in external
        if name.split(".")[0] == "sklearn" and name != "sklearn.externals"
    }


def test_the_trainer_knows_no_estimator():
    internal, _ = GRAPH["_training"]
    assert not internal & {"_mlp", "_base", "_params"}


def test_the_trainer_knows_no_callback_api():
    # scikit-learn's callbacks reach the trainer as plain hooks, built by the
    # estimators' _callbacks module, which the trainer does not import.
    internal, external = GRAPH["_training"]
    assert "_callbacks" not in internal
    assert not {name for name in external if name.startswith("sklearn.callback")}
    callbacks_internal, _ = GRAPH["_callbacks"]
    assert not callbacks_internal & {"_training", "_mlp", "_base"}


#: The apps' packages: each module may import only the modules listed before it.
APP_LAYERS = {
    "_demo": ["progress", "plots", "stories", "report", "command"],
    "_bench": [
        "settings",
        "timing",
        "floor",
        "fresh",
        "recipe",
        "sections",
        "report",
        "command",
    ],
}


@pytest.mark.parametrize("app", sorted(APP_LAYERS))
def test_the_apps_modules_import_one_way(app):
    layers = APP_LAYERS[app]
    assert sorted(layers) == sorted(
        path.stem for path in (PACKAGE / app).glob("*.py") if path.stem != "__init__"
    )
    for position, name in enumerate(layers):
        siblings = {
            module.removeprefix(f"{app}.")
            for module in GRAPH[f"{app}.{name}"][0]
            if module.startswith(f"{app}.")
        }
        assert siblings <= set(layers[:position]), (name, siblings)

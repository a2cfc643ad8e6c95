"""Rules about the shape of the code and the tests, checked by reading the source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The shared homes for test helpers besides tango.testing and the conftest.py files.
SHARED_TEST_MODULES = {"tests.factories"}
# Not our code, or generated.
SKIPPED_DIRS = {".venv", "node_modules", "var", "staticfiles", "migrations", ".git"}

MAX_MODULE_LINES = 400
# Where the environment may be read besides rewards_admin/settings.py (which reads every knob).
ENVIRON_READERS = {
    # The simulator is its own program, configured by its own environment variables.
    "tango_sim/config.py",
    "tango_sim/testing.py",  # starts the simulator process with the caller's environment
    # bench/ command-line tools: their own knobs, and the environment of the processes they
    # start (a throwaway database, workers, a driver).
    "bench/check_data.py",
    "bench/generate.py",
    "bench/run.py",
    "bench/load.py",  # starts gunicorn against the bench database
    "bench/chaos/environment.py",
    "bench/chaos/driver.py",
}
# These may only point Django at the settings: os.environ.setdefault("DJANGO_SETTINGS_MODULE").
SETTINGS_MODULE_DEFAULTS = {
    "manage.py",
    "rewards_admin/wsgi.py",
    "rewards_admin/asgi.py",
    "rewards_admin/celery.py",
}
# The writers never import a task module (they enqueue by task name through core.jobs).
NO_TASK_IMPORTS = ("orders/actions", "orders/sync", "orders/webhooks.py")


def _python_files(*, include_tests: bool = False) -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIPPED_DIRS:
            continue
        if not include_tests and path.relative_to(ROOT).parts[0] == "tests":
            continue
        yield path


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imported_modules(path: Path, *, package: list[str] | None = None) -> set[str]:
    """Every module `path` imports, anywhere (inside functions too), relative imports resolved;
    `from a import b` counts as a and a.b (b may be a module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    if package is None:
        package = list(path.relative_to(ROOT).with_suffix("").parts)
        package = package if package[-1] == "__init__" else package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def _shared(module: str) -> bool:
    """tests.factories, or a conftest (the plan's homes for what tests share)."""
    return any(module == home or module.startswith(f"{home}.") for home in SHARED_TEST_MODULES) or (
        module.split(".")[-1] == "conftest" or ".conftest." in module
    )


def test_no_test_module_imports_fakes_or_helpers_from_another_test_module() -> None:
    offenders = {
        _name(path): sorted(
            name
            for name in _imported_modules(path)
            if name.startswith("tests.") and not _shared(name)
        )
        for path in (ROOT / "tests").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_module_is_over_400_lines_outside_migrations_and_tests() -> None:
    sizes = {_name(path): len(path.read_text().splitlines()) for path in _python_files()}
    assert sizes, "no module found: the walk is broken"
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def _environ_uses(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.AST | None]]:
    """Every read of the environment (os.environ, os.getenv, `from os import environ`), with
    the node that uses it (the call of `os.environ.setdefault(...)`, say)."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(alias.name in {"environ", "getenv", "environb"} for alias in node.names):
                yield node, None
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in {"environ", "getenv", "environb"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            parent = parents.get(node)
            yield node, parents.get(parent) if parent is not None else None


def _is_settings_module_default(use: ast.AST, call: ast.AST | None) -> bool:
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "setdefault"
        and call.func.value is use
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == "DJANGO_SETTINGS_MODULE"
    )


def test_the_environment_is_read_only_in_settings() -> None:
    offenders: dict[str, list[int]] = {}
    for path in _python_files():
        name = _name(path)
        if name == "rewards_admin/settings.py" or name in ENVIRON_READERS:
            continue
        tree = ast.parse(path.read_text(), filename=name)
        for use, call in _environ_uses(tree):
            if name in SETTINGS_MODULE_DEFAULTS and _is_settings_module_default(use, call):
                continue
            offenders.setdefault(name, []).append(use.lineno)
    assert offenders == {}
    # The exceptions are real: a file that stopped reading the environment leaves the list.
    stale = {
        name
        for name in ENVIRON_READERS | SETTINGS_MODULE_DEFAULTS
        if not any(_environ_uses(ast.parse((ROOT / name).read_text())))
    }
    assert stale == set()


def test_the_writers_never_import_a_task_module() -> None:
    """Actions, the sync and the webhook application enqueue by task name (core.jobs), never
    by importing a task, not even inside a function (that is how the old cycles hid)."""
    checked: dict[str, list[str]] = {}
    for home in NO_TASK_IMPORTS:
        target = ROOT / home
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            checked[_name(path)] = sorted(
                module
                for module in _imported_modules(path)
                if module == "orders.tasks" or module.startswith("orders.tasks.")
            )
    assert len(checked) > 10, "the writers were not found"
    assert {name: modules for name, modules in checked.items() if modules} == {}


def test_the_layout_rules_catch_what_they_are_for(tmp_path: Path) -> None:
    """The checks themselves: a task import inside a function and an environment read."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "import os\n"
        "def place():\n"
        "    from orders.tasks.placement import place_order_task\n"
        "    from ..tasks import staff\n"
        "    return os.environ.get('X'), place_order_task, staff\n"
    )
    imported = _imported_modules(sneaky, package=["orders", "actions"])
    assert {"orders.tasks.placement", "orders.tasks.staff"} <= imported
    uses = list(_environ_uses(ast.parse(sneaky.read_text())))
    assert len(uses) == 1 and not _is_settings_module_default(*uses[0])
    allowed = ast.parse("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x')\n")
    assert all(_is_settings_module_default(use, call) for use, call in _environ_uses(allowed))

"""Start-up stays fast and the core stays free of the terminal.

Heavy libraries load only inside the functions that need them; nothing below
the faces (TUI, CLI, server) imports Textual or click."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import oncall_tui

from ..conftest import DEMO_NAME

PACKAGE = Path(oncall_tui.__file__).parent
HEAVY = ["ortools", "httpx", "icalendar", "recurring_ical_events", "starlette", "uvicorn", "psycopg", "msgspec"]
HEAVY_WE_IMPORT = HEAVY  # psycopg too: oncall_tui/_peewee.py keeps peewee from loading it
FACES = ["textual", "click"]
#: The package's faces (terminal, command line, server) and what only they use; every other
#: module and package of `oncall_tui` is below them and is checked here, new ones included.
FACE_MODULES = {"__main__", "app", "launch", "connect", "messages", "formatting", "cli", "screens", "widgets",
                "server"}


def _core_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.iterdir()):
        name = path.stem if path.suffix == ".py" else path.name
        if name in FACE_MODULES or name.startswith((".", "__pycache__")) or name == "data":
            continue
        if path.is_dir():
            files += sorted(path.rglob("*.py"))
        elif path.suffix == ".py":
            files.append(path)
    return files


def test_the_checked_modules_are_derived_from_the_package():
    names = {_module_name(f) for f in _core_files()}
    assert {"oncall_tui.core.domain", "oncall_tui.store.db", "oncall_tui.backend.local",
            "oncall_tui.services.planning", "oncall_tui.scheduler.cpsat"} <= names
    assert not any(n.startswith(("oncall_tui.screens", "oncall_tui.cli", "oncall_tui.app")) for n in names)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def _startup_modules() -> list[str]:
    startup = ["oncall_tui.app", "oncall_tui.cli", "oncall_tui.screens.home", "oncall_tui.screens.welcome",
               "oncall_tui.screens.placeholder", "oncall_tui.connect"]
    startup += [_module_name(f) for f in _core_files()
                if f.parent.name in ("backend", "services", "store", "models")]
    return startup


def test_starting_the_app_and_cli_loads_no_heavy_library():
    loaded = _loaded_after_importing(_startup_modules())
    heavy = set(HEAVY_WE_IMPORT)
    assert not loaded & heavy, f"imported at start-up: {sorted(loaded & heavy)}"
    assert "textual" in loaded and "click" in loaded  # the check itself works


def test_starting_the_app_does_not_load_the_postgres_driver():
    assert "psycopg" not in _loaded_after_importing(_startup_modules())


def test_the_core_loads_neither_textual_nor_click_at_run_time():
    loaded = _loaded_after_importing([_module_name(f) for f in _core_files()])
    assert not loaded & set(FACES), f"the core pulled in {sorted(loaded & set(FACES))}"


def _top_level_imports(path: Path) -> list[tuple[int, str]]:
    """Imports that run when the module is imported (not inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # only read by type checkers
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import) and not in_function:
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and not in_function and child.level == 0 and child.module:
                found.append((child.lineno, child.module))
            visit(child, inside)

    visit(tree, False)
    return found


def _all_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_core_module_imports_textual_or_click_anywhere():
    offenders = [
        f"{f.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for f in _core_files()
        for line, name in _all_imports(f)
        if name.split(".")[0] in FACES
    ]
    assert not offenders, "\n".join(offenders)


def test_no_module_imports_a_heavy_library_at_its_top_level():
    offenders = [
        f"{f.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for f in sorted(PACKAGE.rglob("*.py"))
        for line, name in _top_level_imports(f)
        if name.split(".")[0] in HEAVY and f.parent.name != "server" and f.name != "remote.py"
    ]
    assert not offenders, "\n".join(offenders)


# -- start-up loads only what the home screen needs ------------------------------------------------
#: Modules of the other areas (their dataclasses, the planner, recommendations): loaded when their
#: screens, commands or API methods are used, never to start the app.
AREA_MODULES = ["oncall_tui.core.domain_availability", "oncall_tui.core.domain_planning", "oncall_tui.core.domain_admin",
                "oncall_tui.core.planning", "oncall_tui.scheduler", "oncall_tui.core.recommend"]
#: What the home screen's requirements line needs: loaded by `home()`, not by importing.
HOME_ONLY = ["oncall_tui.core.domain_requirements", "oncall_tui.core.readiness"]
NOW_ENV = "2026-11-27T09:30:00+00:00"


def _modules_after(code: str, env_extra: dict[str, str] | None = None) -> set[str]:
    code += "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {**os.environ, "ONCALL_NOW": NOW_ENV, "ONCALL_LOGIN": "root", **(env_extra or {})}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _area_modules_in(loaded: set[str], names: list[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in names))


def test_importing_what_the_app_starts_with_loads_no_area_module():
    loaded = _modules_after("import oncall_tui.cli, oncall_tui.app, oncall_tui.connect, oncall_tui.screens.home, "
                            "oncall_tui.backend.local")
    assert not _area_modules_in(loaded, AREA_MODULES + HOME_ONLY)
    # and no area's CLI commands: they load when one of them runs
    assert not [m for m in loaded if m.startswith("oncall_tui.cli.") and m.endswith("_commands")]


def test_the_app_shows_home_with_its_data_loading_no_other_area(demo_db):
    """The real start (as launch.run_app does it): the first data read by a child process,
    the app on a backend made when first used, the first screen, then the backend itself."""
    loaded = _modules_after(f"""
import asyncio
import sys
from oncall_tui.cli import main
from oncall_tui.core.clock import clock_from_env
from oncall_tui.config import Target
from oncall_tui.launch import LookAhead
sys.path.insert(0, {str(PACKAGE.parent)!r})
from tests.foundation.helpers import wait_until

async def run():
    target, clock = Target(db_url={demo_db!r}), clock_from_env()
    look = LookAhead.start(target, None, clock).result()
    from oncall_tui.app import make_app
    app = make_app(target, clock=clock, look=look)
    async with app.run_test(size=(80, 24)) as pilot:
        # the backend is made after the first frame
        assert await wait_until(pilot, lambda: app.backend._backend is not None)
        status = str(app.screen.query_one("#status").render())
        assert "Swaps:" in status and "Requirements:" in status, status
        assert {DEMO_NAME!r} in str(app.screen.query_one("#shifts-label").render())

asyncio.run(run())
""")
    assert not _area_modules_in(loaded, AREA_MODULES), "the home screen pulled in other areas"


def test_other_areas_load_when_used(demo_db):
    loaded = _modules_after(f"""
from oncall_tui.backend.local import LocalBackend
backend = LocalBackend({demo_db!r}, actor="root")
backend.availability()
backend.plans()
""")
    assert {"oncall_tui.core.domain_availability", "oncall_tui.core.domain_planning"} <= loaded


def test_every_api_annotation_resolves_to_a_real_type():
    """The API modules import their dataclasses only for type checkers; the registry still
    hands the remote backend and the server real types."""
    from oncall_tui.backend.api import backend_methods

    def walk(tp):
        yield tp
        for arg in typing.get_args(tp):
            yield from walk(arg)

    area_types = set()
    for method in backend_methods().values():
        for hint in method.hints.values():
            for tp in walk(hint):
                assert not isinstance(tp, (str, typing.ForwardRef)), (method.name, hint)
                if getattr(tp, "__module__", "").startswith("oncall_tui.core.domain_"):
                    area_types.add(tp.__module__)
    assert {"oncall_tui.core.domain_availability", "oncall_tui.core.domain_planning", "oncall_tui.core.domain_requirements",
            "oncall_tui.core.domain_admin"} <= area_types


def test_the_cli_command_table_matches_the_command_modules():
    """`oncall_tui.cli.COMMAND_MODULES` names every command of every `cli/*_commands.py` module."""
    import importlib

    from oncall_tui.cli import COMMAND_MODULES

    found = {}
    for path in sorted((PACKAGE / "cli").glob("*_commands.py")):
        module = importlib.import_module(f"oncall_tui.cli.{path.stem}")
        found.update({command.name: path.stem for command in module.COMMANDS})
    assert COMMAND_MODULES == found

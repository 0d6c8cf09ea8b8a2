"""The layers are a contract a tool checks: import-linter reads it from pyproject.toml."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> subprocess.CompletedProcess:
    return subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_layer_contracts_hold():
    done = _lint_imports()
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_contracts_name_every_top_level_module(tmp_path):
    """A new top-level module or package must take its place in the layers."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {part.strip().split(".")[1] for layer in layers for part in layer.replace("|", ":").split(":")}
    package = ROOT / "oncall_tui"
    present = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    present |= {p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert present == named, f"not in a layer: {sorted(present - named)}; gone: {sorted(named - present)}"


def _tool(name: str) -> str:
    tool = shutil.which(name, path=str(Path(sys.executable).parent))
    assert tool, f"{name} is part of the test dependencies (pip install -e '.[test]')"
    return tool


def test_ruff_is_clean_on_the_package():
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", "oncall_tui"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]


def test_mypy_is_clean_on_the_checked_modules(tmp_path):
    done = subprocess.run([_tool("mypy"), "--cache-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]

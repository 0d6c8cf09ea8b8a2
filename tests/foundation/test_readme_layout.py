"""The README's "How the code is laid out" block matches the tree: every top-level module and
package of oncall_tui is named there, and every path it names exists."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How the code is laid out", 1)[1]
    return section.split("```", 2)[1]


def _named_paths(block: str) -> set[str]:
    """'oncall_tui/cli/, server/' names oncall_tui/cli/ and oncall_tui/server/."""
    named: set[str] = set()
    for line in block.splitlines():
        left = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0] if line[:1] not in (" ", "") else ""
        parent = ""
        for part in (p.strip() for p in left.split(",") if p.strip()):
            if "/" in part.rstrip("/"):
                parent = part.rstrip("/").rsplit("/", 1)[0] + "/"
                named.add(part)
            else:
                named.add(parent + part)
    return {n.replace("<area>/", "") for n in named}


def test_every_path_the_layout_names_exists():
    missing = [p for p in _named_paths(_layout_block()) if not (ROOT / p).exists()]
    assert not missing, f"the README's layout names what is not in the tree: {missing}"


def test_every_top_level_part_of_the_package_is_named():
    named = _named_paths(_layout_block())
    package = ROOT / "oncall_tui"
    parts = {f"oncall_tui/{p.name}/" for p in package.iterdir()
             if p.is_dir() and (p / "__init__.py").exists()}
    parts |= {f"oncall_tui/{p.name}" for p in package.glob("*.py") if not p.name.startswith("_")}
    unnamed = sorted(parts - named)
    assert not unnamed, f"not in the README's layout: {unnamed}"

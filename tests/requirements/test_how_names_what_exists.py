"""Every "how" a requirement shows names something that exists: each `oncall X [Y]` a command of
the CLI, each key a binding of the screen it is pressed on, each area by its own key.

The texts come from where users read them: the requirements the product ships (the demo team,
data/team.example.toml) and what the Requirements screen shows for every item of every demo
person (how, the state's words, and the "Next:" keys)."""
from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import click
import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.cli import main
from oncall_tui.screens import AREAS
from oncall_tui.screens.requirements import RequirementsScreen, item_detail
from oncall_tui.services.demo import ENGINEERS, MANAGERS, demo_team_toml

from ..conftest import DEMO_YOU

ROOT = Path(__file__).resolve().parents[2]
#: `oncall X`, `oncall X Y|Z` or (oncall X ...): a command named where a person reads what to do.
MENTION = re.compile(r"[`(]oncall ([a-z][a-z-]*)(?: ([a-z][a-z|-]*))?")
#: "press i" or "press i, then e": an area's key, then a key on that area's screen.
PRESS = re.compile(r"press ([a-z]), then ([a-zA-Z])|press ([a-zA-Z])\b")


def _screen_keys(cls) -> set[str]:
    return {k.strip() for b in cls.BINDINGS for k in b.key.split(",")}


def _area_screen(key: str):
    area = next(a for a in AREAS if a.key == key)
    return getattr(importlib.import_module(f"oncall_tui.screens.{area.module}"), area.cls)


APP_KEYS = {a.key for a in AREAS}


def _shipped_requirements() -> dict[str, str]:
    texts = {}
    for source, text in (("demo", demo_team_toml(DEMO_YOU)),
                         ("team.example.toml", (ROOT / "data" / "team.example.toml").read_text(encoding="utf-8"))):
        for r in tomllib.loads(text).get("requirements", []):
            texts[f"{source}: {r['slug']}"] = " ".join(str(r.get(k, "")) for k in ("how", "why", "command"))
    return texts


def _shown_on_requirements(demo_db, clock) -> dict[str, str]:
    texts = {}
    for login in [e[0] for e in ENGINEERS] + [m[0] for m in MANAGERS] + [DEMO_YOU]:
        readiness = LocalBackend(demo_db, actor=login, clock=clock).requirements()
        for item in readiness.items:
            texts[f"{login}: {item.requirement.slug}"] = item_detail(item, readiness)
    return texts


def problems_in(text: str) -> list[str]:
    found = []
    for command, sub in MENTION.findall(text):
        cmd = main.get_command(click.Context(main), command)
        if cmd is None:
            found.append(f"`oncall {command}` is no command")
        elif sub and isinstance(cmd, click.Group):
            for name in sub.split("|"):
                if name not in cmd.commands and cmd.get_command(click.Context(cmd), name) is None:
                    found.append(f"`oncall {command} {name}` is no command")
    for area_key, then_key, key in PRESS.findall(text):
        if area_key:
            if area_key not in APP_KEYS:
                found.append(f"press {area_key}: no area has that key")
            elif then_key not in _screen_keys(_area_screen(area_key)):
                found.append(f"press {area_key}, then {then_key}: that area's screen has no {then_key}")
        elif key not in APP_KEYS | _screen_keys(RequirementsScreen):
            found.append(f"press {key}: no such key")
    for area in AREAS:
        for shown in re.findall(re.escape(area.title) + r" \((\w)\)", text):
            if shown != area.key:
                found.append(f"{area.title} ({shown}): its key is {area.key}")
    next_line = next((line for line in text.splitlines() if line.startswith("[b]Next:[/b] ")), "")
    for step in filter(None, next_line.removeprefix("[b]Next:[/b] ").split(" · ")):
        key = step.split()[0]
        if key not in APP_KEYS | _screen_keys(RequirementsScreen):
            found.append(f"Next: {step!r} starts with no key of the Requirements screen or an area")
    return found


def test_the_shipped_requirements_name_only_what_exists():
    texts = _shipped_requirements()
    assert any("oncall profile" in t for t in texts.values()), "the device requirement says how to set it"
    bad = {where: problems for where, text in texts.items() if (problems := problems_in(text))}
    assert not bad, bad


def test_what_the_requirements_screen_says_to_do_names_only_what_exists(demo_db, clock):
    texts = _shown_on_requirements(demo_db, clock)
    assert any("Next:" in t for t in texts.values()) and len(texts) > 20
    bad = {where: problems for where, text in texts.items() if (problems := problems_in(text))}
    assert not bad, bad


@pytest.mark.parametrize("text, problem", [
    ("run `oncall profile set`", None),
    ("(oncall profiles)", "`oncall profiles` is no command"),
    ("`oncall team importt`", "`oncall team importt` is no command"),
    ("press i, then e", None),
    ("press i, then z", "press i, then z: that area's screen has no z"),
    ("in My profile (q)", "My profile (q): its key is i"),
    ("[b]Next:[/b] set your device (oncall profile)", "Next: 'set your device (oncall profile)' starts with no key"),
])
def test_the_check_itself_catches_what_it_is_for(text, problem):
    found = problems_in(text)
    if problem is None:
        assert not found
    else:
        assert any(problem in f for f in found), found

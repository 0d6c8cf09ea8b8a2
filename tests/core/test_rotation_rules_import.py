"""A rotation's rules are checked at import, each refusal one line naming the line at fault:
a misspelt rule is not silently ignored, duplicates and out-of-range values are refused, rules
that leave no shift anyone may take are refused.  A rotation stored before these checks is
refused by `oncall plan` in one line, never with a traceback."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from oncall_tui.cli import main
from oncall_tui.core.errors import InvalidInput
from oncall_tui.services.demo import demo_team_toml
from oncall_tui.services.team_file import parse_team_file

from ..conftest import DEMO_YOU

RULES = 'rules = { min_rest_hours = 0, max_consecutive = 2, max_shifts_per_period = 8, max_weekends_per_period = 2 }'
TEXT = demo_team_toml(DEMO_YOU)
assert RULES in TEXT


def _refused(text: str, marker: str) -> str:
    """The one-line refusal of `text`, checked to name the line holding `marker`."""
    line = next(i for i, t in enumerate(text.splitlines(), 1) if marker in t)
    with pytest.raises(InvalidInput) as info:
        parse_team_file(text, "team.toml")
    message = info.value.message
    assert "\n" not in message
    assert message.startswith(f"team.toml, line {line}: rotation 'platform-247': "), message
    return message


@pytest.mark.parametrize("rules, words", [
    ("max_consecutve = 1", "unknown rule 'max_consecutve' (expected one of min_rest_hours, max_consecutive"),
    ("max_consecutive = 0", "rule max_consecutive must be a whole number from 1 to 366, not 0 (0 would leave"),
    ("max_shifts_per_period = 0", "rule max_shifts_per_period must be a whole number from 1"),
    ("min_rest_hours = -1", "rule min_rest_hours must be a whole number from 0 to 168, not -1"),
    ("min_rest_hours = 1000", "rule min_rest_hours must be a whole number from 0 to 168, not 1000"),
    ("max_weekends_per_period = 7", "rule max_weekends_per_period must be a whole number from 0 to 6"),
])
def test_a_bad_rule_is_refused_with_its_line(rules, words):
    other = "max_weekends_per_period = 2" if rules.startswith("m") and "weekends" not in rules else "min_rest_hours = 0"
    inline = TEXT.replace(RULES, f"rules = {{ {other}, {rules} }}")
    assert words in _refused(inline, rules)
    # the same rule in a [rotations.rules] table names its own line
    table = TEXT.replace(RULES, "").replace("[[escalation]]", f"[rotations.rules]\n{other}\n{rules}\n\n"
                                            "[[escalation]]", 1)
    assert words in _refused(table, rules)


@pytest.mark.parametrize("before, after, marker, words", [
    ('handoff = "09:00"\nshift = "daily"', 'handoff = "09:00"\nshift = "weekly"\nhandoff_weekday = 9',
     "handoff_weekday", "handoff_weekday must be 0 (Monday) to 6 (Sunday), not 9"),
    ('roles = ["primary", "secondary", "shadow"]', 'roles = ["primary", "secondary", "primary"]', "roles =",
     "role 'primary' is listed twice"),
    ('roles = ["primary", "secondary", "shadow"]',
     'roles = ["primary"]\nwindows = [{ start = "07:00", region = "EMEA" }, { start = "7:00", region = "AMER" }]',
     "windows", "two windows start at 07:00"),
])
def test_duplicates_and_out_of_range_shapes_are_refused_with_their_line(before, after, marker, words):
    assert before in TEXT
    assert words in _refused(TEXT.replace(before, after, 1), marker)


def test_a_refused_rule_changes_nothing(as_user):
    manager = as_user(DEMO_YOU)
    text = manager.export_team("platform")
    broken = text.replace("max_consecutive = 2", "max_consecutve = 1", 1)
    assert broken != text
    with pytest.raises(InvalidInput) as info:
        manager.import_team(broken, "platform.toml")
    assert "unknown rule 'max_consecutve'" in info.value.message
    assert manager.export_team("platform") == text


@pytest.mark.parametrize("column, value, words", [
    ("rules", {"max_consecutve": 1}, "unknown rule 'max_consecutve'"),
    ("windows", [{"start": "07:00", "region": "EMEA"}, {"start": "07:00", "region": "AMER"}],
     "two windows start at 07:00"),
    ("roles", ["primary", "primary"], "role 'primary' is listed twice"),
    ("handoff_weekday", 9, "handoff_weekday must be 0 (Monday) to 6 (Sunday)"),
])
def test_oncall_plan_refuses_a_stored_rotation_it_cannot_plan_in_one_line(demo_db, column, value, words):
    """A database written before the import checked these: one line and a non-zero exit."""
    path = demo_db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        stored = json.dumps(value) if not isinstance(value, int) else value
        con.execute(f"UPDATE rotation SET {column} = ? WHERE slug = 'platform-247'", (stored,))
    result = CliRunner().invoke(main, ["--db", demo_db, "plan", "--rotation", "platform-247", "--month", "2026-12",
                                       "--time-limit", "2"], env={"ONCALL_LOGIN": DEMO_YOU})
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "rotation 'platform-247' cannot be planned" in lines[0] and words in lines[0]


@pytest.mark.parametrize("weights, words", [
    ("weeknd_points = 5", "unknown weight 'weeknd_points' (expected one of weekday_points, weekend_points"),
    ("weekend_points = 0", "weight weekend_points must be a whole number from 1 to 100, not 0"),
    ("fairness_max = -3", "weight fairness_max must be a whole number from 0 to 1000000, not -3"),
    ("wish = 1.5", "weight wish must be a whole number from 0 to 1000000, not 1.5"),
])
def test_a_bad_weight_is_refused_with_its_line(weights, words):
    """A rotation's `weights` (a shift's points, the planner's goal weights): a misspelt one was
    silently ignored and the default applied."""
    text = TEXT.replace(RULES, f"{RULES}\nweights = {{ weekday_points = 2, {weights} }}")
    assert words in _refused(text, weights)


def test_good_weights_import():
    text = TEXT.replace(RULES, f"{RULES}\nweights = {{ weekday_points = 2, weekend_points = 4, wish = 3 }}")
    parse_team_file(text, "team.toml")

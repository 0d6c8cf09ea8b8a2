"""recommend.py: levels show each person's fair share of the month (scheduler/fairness) against an
equal split (pure)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from oncall_tui.core.recommend import LoadFacts, recommend, shift_points, utilisation, weekday_count

HOURS = 23 * 8.0  # December 2026 has 23 weekdays
FIRST, LAST = date(2026, 12, 1), date(2026, 12, 31)


def facts(login, past=0.0, **kw):
    return LoadFacts(login=login, past_load=past, working_hours=HOURS, **kw)


def levels(people):
    return recommend(people, "Dec", first=FIRST, last=LAST)


def week(first: int) -> tuple[date, ...]:
    return tuple(FIRST + timedelta(days=first + i) for i in range(7))


def test_owed_points_lean_on_them_and_being_ahead_spares_them():
    recs = levels([facts("owed", past_excess=-40), facts("even"), facts("ahead", past_excess=40),
                   facts("also", past_excess=0)])
    assert recs["owed"].level >= recs["even"].level >= recs["ahead"].level
    assert recs["even"].level == 3
    assert "owed" in recs["owed"].explanation


def test_days_off_and_project_load_lower_the_level_once_and_busy_hours_or_past_load_do_not():
    recs = levels([facts("away", days_off=5, off_days=week(6)), facts("a", 400, busy_hours=46.0),
                   facts("c"), facts("d"), facts("b", 0, manual_pct=75)])
    assert recs["away"].level < recs["a"].level == recs["c"].level
    assert recs["a"].share == recs["c"].share
    assert recs["b"].level < recs["c"].level and "project 75%" in recs["b"].explanation
    assert "7 days off" in recs["away"].explanation
    # the away share is exactly the 24/31 of the month they are there, of a present person's
    assert recs["away"].share / recs["c"].share == pytest.approx(24 / 31, abs=0.02)
    assert recs["b"].utilisation == 0.75  # shown beside the level


def test_utilisation_counts_days_off_busy_hours_and_project_load_capped_at_one():
    assert utilisation(facts("x", 0, days_off=23)) == 1.0
    assert utilisation(facts("x", 0, busy_hours=46.0)) == 0.25
    assert utilisation(facts("x", 0, days_off=2, manual_pct=50)) == round(16 / HOURS + 0.5, 3)
    assert utilisation(facts("x", 0, manual_pct=100, busy_hours=10)) == 1.0


def test_levels_stay_between_one_and_five_and_explanations_are_short():
    people = [facts("new"), facts("vet", 100, past_excess=60), facts("mid", 50, off_days=week(0) + week(7))]
    for rec in levels(people).values():
        assert 1 <= rec.level <= 5
        assert 1 <= len(rec.explanation.splitlines()) <= 2


def test_weekend_shifts_weigh_more_and_shadowing_is_not_load():
    saturday = datetime(2026, 12, 5, 9, tzinfo=UTC)
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert shift_points(saturday, "Europe/London", "primary") > shift_points(monday, "Europe/London", "primary")
    assert shift_points(monday, "Europe/London", "shadow") == 0
    assert weekday_count(date(2026, 12, 1), date(2026, 12, 31)) == 23

"""recommend.py: levels from past load and this month's utilisation (pure)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from oncall_tui.core.recommend import LoadFacts, recommend, shift_points, utilisation, weekday_count

HOURS = 23 * 8.0  # December 2026 has 23 weekdays


def facts(login, past, **kw):
    return LoadFacts(login=login, past_load=past, working_hours=HOURS, **kw)


def test_less_past_load_and_a_light_month_lean_on_them():
    recs = recommend([facts("light", 10), facts("avg", 40, busy_hours=46.0), facts("heavy", 70)], "Dec")
    assert recs["light"].level > recs["avg"].level > recs["heavy"].level
    assert recs["avg"].level == 3
    assert "lean on them" in recs["light"].explanation
    assert "spare them" in recs["heavy"].explanation


def test_utilisation_lowers_the_level_of_an_otherwise_average_person():
    base = [facts("a", 40), facts("b", 40)]
    busy = [facts("a", 40, manual_pct=80), facts("b", 40)]
    assert recommend(busy, "Dec")["a"].level < recommend(base, "Dec")["a"].level
    assert recommend(busy, "Dec")["a"].utilisation == 0.8


def test_utilisation_counts_days_off_busy_hours_and_project_load_capped_at_one():
    assert utilisation(facts("x", 0, days_off=23)) == 1.0
    assert utilisation(facts("x", 0, busy_hours=46.0)) == 0.25
    assert utilisation(facts("x", 0, days_off=2, manual_pct=50)) == round(16 / HOURS + 0.5, 3)
    assert utilisation(facts("x", 0, manual_pct=100, busy_hours=10)) == 1.0


def test_levels_stay_between_one_and_five_and_explanations_are_short():
    people = [facts("new", 0), facts("vet", 100, manual_pct=90), facts("mid", 50)]
    for rec in recommend(people, "Dec").values():
        assert 1 <= rec.level <= 5
        assert 1 <= len(rec.explanation.splitlines()) <= 2
    assert "no on-call shifts yet" in recommend(people, "Dec")["new"].explanation.lower()


def test_a_team_with_no_history_is_judged_on_utilisation_only():
    recs = recommend([facts("a", 0), facts("b", 0, manual_pct=75)], "Dec")
    assert recs["a"].level == 4 and recs["b"].level == 1


def test_weekend_shifts_weigh_more_and_shadowing_is_not_load():
    saturday = datetime(2026, 12, 5, 9, tzinfo=timezone.utc)
    monday = datetime(2026, 12, 7, 9, tzinfo=timezone.utc)
    assert shift_points(saturday, "Europe/London", "primary") > shift_points(monday, "Europe/London", "primary")
    assert shift_points(monday, "Europe/London", "shadow") == 0
    assert weekday_count(date(2026, 12, 1), date(2026, 12, 31)) == 23

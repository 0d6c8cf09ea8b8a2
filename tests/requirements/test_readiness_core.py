"""The eligibility core: automatic rules, expiry at the exact boundary, role and moment."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from oncall_tui.core.domain_requirements import AutoRule, RequirementDef
from oncall_tui.core.readiness import PersonFacts, StatusFact, auto_check, expiry, make_checker, standing

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
AKL = ZoneInfo("Pacific/Auckland")


def ny(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY).astimezone(UTC)


def req(rid=1, method="self", roles=("primary", "secondary"), valid_days=None, auto=None, name="Training"):
    return RequirementDef(slug=f"r{rid}", name=name, roles=roles, method=method, auto=auto,
                          valid_days=valid_days, id=rid)


# -- automatic rules ---------------------------------------------------------------------
def test_shadow_shifts_count_only_those_ended_before_the_moment():
    rule = AutoRule(kind="shadow_shifts", min=2)
    ends = [ny(2026, 11, 2, 9), ny(2026, 11, 10, 9), ny(2026, 12, 3, 9)]
    facts = PersonFacts(shadow_ends=ends).sort()
    ok, text = auto_check(rule, facts, ny(2026, 11, 10, 8, 59), NY)
    assert not ok and text.startswith("1 of 2")
    assert "2 signed up" in text and "met after 10 Nov 2026" in text
    ok, text = auto_check(rule, facts, ny(2026, 11, 10, 9), NY)  # the second one just ended
    assert ok and text == "2 shadow shifts done (2 needed)"
    assert not auto_check(AutoRule(kind="shadow_shifts", min=4), facts, ny(2027, 1, 1), NY)[0]


def test_oncall_device_needs_device_and_phone():
    rule = AutoRule(kind="oncall_device")
    assert auto_check(rule, PersonFacts(device_set=True), ny(2026, 1, 1), NY)[0]
    ok, text = auto_check(rule, PersonFacts(device_set=False), ny(2026, 1, 1), NY)
    assert not ok and "profile" in text


def test_calendar_connected_needs_one_source():
    rule = AutoRule(kind="calendar_connected")
    assert not auto_check(rule, PersonFacts(calendars=0), ny(2026, 1, 1), NY)[0]
    ok, text = auto_check(rule, PersonFacts(calendars=2), ny(2026, 1, 1), NY)
    assert ok and text == "2 calendars connected"


def test_served_shifts_counts_finished_shifts_in_the_last_months():
    rule = AutoRule(kind="served_shifts", min=2, months=3)
    served = [(ny(2026, 8, 15, 9), ny(2026, 8, 16, 9)),  # started before the window
              (ny(2026, 9, 15, 9), ny(2026, 9, 16, 9)),  # starts exactly 3 months before: counts
              (ny(2026, 12, 15, 9), ny(2026, 12, 16, 9))]  # still running at the moment
    facts = PersonFacts(served=served).sort()
    ok, text = auto_check(rule, facts, ny(2026, 12, 15, 9), NY)
    assert not ok and text == "1 of 2 shifts served in the last 3 months"
    # A day later the December shift has ended, but September has left the window.
    ok, text = auto_check(rule, facts, ny(2026, 12, 16, 9), NY)
    assert not ok and text.startswith("1 of 2")
    facts.served.append((ny(2026, 11, 1, 9), ny(2026, 11, 2, 9)))
    facts.sort()
    assert auto_check(rule, facts, ny(2026, 12, 16, 9), NY)[0]


def test_served_shifts_window_end_of_month_is_clamped():
    rule = AutoRule(kind="served_shifts", min=1, months=1)
    facts = PersonFacts(served=[(ny(2026, 2, 28, 9), ny(2026, 3, 1, 9))]).sort()
    # One month before 31 March 09:00 is 28 February 09:00 (no 31 February).
    assert auto_check(rule, facts, ny(2026, 3, 31, 9), NY)[0]
    assert not auto_check(rule, facts, ny(2026, 3, 31, 9, 1) + timedelta(days=1), NY)[0]


# -- expiry ------------------------------------------------------------------------------
def test_expiry_is_the_end_of_the_local_day_in_a_non_utc_zone():
    # Met at 23:30 New York on 5 Jan (already 6 Jan in UTC), valid 14 days: expires on 19 Jan, local.
    met = ny(2026, 1, 5, 23, 30)
    assert met.date() == date(2026, 1, 6)
    last_day, first_invalid = expiry(met, 14, NY)
    assert last_day == date(2026, 1, 19)
    assert first_invalid == ny(2026, 1, 20, 0, 0)
    r = req(valid_days=14)
    status = StatusFact(state="attested", met_at=met)
    assert standing(r, status, None, ny(2026, 1, 19, 9), NY).counts  # a shift on the 19th: fine
    assert standing(r, status, None, ny(2026, 1, 19, 23, 59), NY).counts
    late = standing(r, status, None, ny(2026, 1, 20, 0, 0), NY)
    assert not late.counts and late.state == "expired" and late.detail == "expired on 19 Jan 2026"
    assert not standing(r, status, None, ny(2026, 1, 20, 9), NY).counts


def test_shift_on_the_expiry_day_is_eligible_the_next_day_is_not():
    r = req(valid_days=365)
    met = datetime(2025, 12, 20, 14, 0, tzinfo=AKL).astimezone(UTC)  # 20 Dec in Auckland, 19 Dec UTC
    check = make_checker([r], {(7, 1): StatusFact(state="approved", met_at=met)}, {7: PersonFacts()},
                         "Pacific/Auckland")
    on_20th = datetime(2026, 12, 20, 9, 0, tzinfo=AKL).astimezone(UTC)
    on_21st = datetime(2026, 12, 21, 9, 0, tzinfo=AKL).astimezone(UTC)
    assert check(7, "primary", on_20th) == (True, "")
    ok, why = check(7, "primary", on_21st)
    assert not ok and why == "Training: expired on 20 Dec 2026"
    assert check(7, "primary", datetime(2026, 12, 1, 9, tzinfo=UTC)) == (True, "")  # before: fine


def test_expiring_within_fourteen_days_still_counts():
    r = req(valid_days=30)
    met = ny(2026, 1, 1, 12)
    s = standing(r, StatusFact(state="approved", met_at=met), None, ny(2026, 1, 17, 12), NY)
    assert s.state == "expiring" and s.counts and "(in 14 days)" in s.detail
    s = standing(r, StatusFact(state="approved", met_at=met), None, ny(2026, 1, 16, 12), NY)
    assert s.state == "met"
    s = standing(r, StatusFact(state="approved", met_at=met), None, ny(2026, 1, 31, 12), NY)
    assert s.state == "expiring" and "(today)" in s.detail


def test_states_pending_rejected_waived_missing():
    r = req(method="manager", valid_days=365)
    at = ny(2026, 6, 1)
    assert standing(r, None, None, at, NY).state == "missing"
    pending = standing(r, StatusFact(state="pending", requested_at=ny(2026, 5, 30)), None, at, NY)
    assert (pending.state, pending.counts) == ("pending", False)
    rejected = standing(r, StatusFact(state="rejected", reason="no certificate"), None, at, NY)
    assert (rejected.state, rejected.detail) == ("rejected", "rejected: no certificate")
    waived = standing(r, StatusFact(state="waived", reason="contractor"), None, at, NY)
    assert waived.state == "waived" and waived.counts
    # A renewal waiting for verification does not take away a still-valid record.
    renewal = standing(r, StatusFact(state="pending", met_at=ny(2026, 1, 1)), None, at, NY)
    assert renewal.counts and "renewal waiting" in renewal.detail
    # Met in the future (relative to a past moment) does not count for that moment.
    assert not standing(r, StatusFact(state="approved", met_at=ny(2026, 7, 1)), None, at, NY).counts


# -- eligibility by role and moment ---------------------------------------------------------
def test_eligibility_depends_on_role():
    vpn = req(rid=2, method="manager", roles=("primary",), name="VPN")
    shadowing = req(rid=3, method="auto", auto=AutoRule(kind="shadow_shifts", min=1), name="Shadowing")
    check = make_checker([vpn, shadowing], {}, {1: PersonFacts(shadow_ends=[ny(2026, 1, 2)])}, "America/New_York")
    at = ny(2026, 2, 1)
    ok, why = check(1, "primary", at)
    assert not ok and why == "VPN: not done yet"
    assert check(1, "secondary", at) == (True, "")
    assert check(1, "shadow", at) == (True, "")  # no requirement names the shadow role
    ok, why = check(1, "secondary", ny(2026, 1, 1))  # before the shadow shift ended
    assert not ok and why.startswith("Shadowing: 0 of 1")


def test_inactive_requirements_do_not_block_and_unknown_people_are_blocked():
    on = req(rid=1)
    off = RequirementDef(slug="old", name="Old", id=2, active=False)
    check = make_checker([on, off], {(5, 1): StatusFact(state="attested", met_at=ny(2026, 1, 1))}, {5: PersonFacts()},
                         "UTC")
    assert check(5, "primary", ny(2026, 3, 1)) == (True, "")
    assert check(99, "primary", ny(2026, 3, 1))[0] is False

"""The hook the planner and the swap flow call: one checker per team, any moment."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from oncall_tui.backend.local import LocalBackend
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU

LONDON = ZoneInfo("Europe/London")


def london(y, mo, d, h=9):
    return datetime(y, mo, d, h, tzinfo=LONDON)


def test_checker_uses_the_team_zone_for_expiry_and_answers_per_role(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)

    def run():
        team = m.Team.get(m.Team.slug == "platform")
        check = backend.services.requirements.eligibility_checker(team)
        ids = {p.login: p.id for p in m.Person.select()}
        return check, ids

    check, ids = backend._read(run)
    ivan = ids["ivan"]  # incident training met 2025-12-06 (London), valid 365 days: through 2026-12-06
    assert check(ivan, "primary", london(2026, 12, 6, 9)) == (True, "")
    assert check(ivan, "primary", london(2026, 12, 6, 23)) == (True, "")
    ok, why = check(ivan, "primary", london(2026, 12, 7, 0))
    assert not ok and why == "Incident response training: expired on 6 Dec 2026"
    assert check(ivan, "shadow", london(2027, 1, 1)) == (True, "")
    kofi = ids["kofi"]
    ok, why = check(kofi, "secondary", london(2026, 12, 1))
    assert not ok and "Production VPN access" not in why  # primary only
    assert "On-call device set up" in why
    ok, why = check(kofi, "primary", london(2026, 12, 1))
    assert "Production VPN access: not done yet" in why
    assert check(ids["alice"], "primary", london(2026, 12, 1)) == (True, "")

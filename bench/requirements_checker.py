"""How long the planner's eligibility questions take for one month of the demo team.

Ours: `_eligibility_checker(team)` loads the whole team's statuses and facts in a few
queries, then answers every (person, role, shift) in memory.  Baseline: the obvious
alternative, loading one person's facts from the database for every question.

    .venv/bin/python bench/requirements_checker.py --repeat 5
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.clock import FixedClock
    from oncall_tui.readiness import make_checker
    from oncall_tui.services.demo import build_demo
    from oncall_tui.shifts import generate_shifts
    from oncall_tui.services import convert
    from oncall_tui.store import models as m

    clock = FixedClock(datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc))
    with tempfile.TemporaryDirectory() as tmp:
        backend = LocalBackend(str(Path(tmp) / "bench.db"), actor="root", clock=clock)
        build_demo(backend, clock)

        def setup():
            team = m.Team.get(m.Team.slug == "platform")
            rot = m.Rotation.get(m.Rotation.team == team)
            shifts = generate_shifts(convert.rotation(rot, team.slug), date(2026, 12, 1), date(2026, 12, 31))
            people = [ms.person_id for ms in m.Membership.select().where(m.Membership.team == team)]
            return team, [s.start for s in shifts], people, list(rot.roles)

        team, starts, people, roles = backend._read(setup)
        questions = [(p, r, s) for p in people for r in roles for s in starts]

        def ours():
            check = backend._eligibility_checker(team)
            return [check(p, r, s)[0] for p, r, s in questions]

        def baseline():
            out = []
            for p, r, s in questions:
                data = backend._team_facts(team, [p])
                out.append(make_checker(data.reqs, data.statuses, data.facts, team.tz)(p, r, s)[0])
            return out

        assert backend._read(ours) == backend._read(baseline)
        t_ours, t_base = [], []
        for _ in range(args.repeat):
            for fn, sink in ((baseline, t_base), (ours, t_ours)):
                start = time.perf_counter()
                backend._read(fn)
                sink.append(time.perf_counter() - start)
        mo, mb = statistics.median(t_ours), statistics.median(t_base)
        print(f"{len(questions)} questions ({len(people)} people x {len(roles)} roles x {len(starts)} shifts)")
        print(f"ours (one team load + in-memory checks): median {mo * 1000:.1f} ms")
        print(f"baseline (load per question): median {mb * 1000:.1f} ms")
        print(f"baseline / ours: {mb / mo:.0f}x")


if __name__ == "__main__":
    main()

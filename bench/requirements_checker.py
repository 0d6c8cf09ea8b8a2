"""How long the planner's eligibility questions take for one month of the demo team.

Ours: `eligibility_checker(team)` loads the whole team's statuses and facts in a few
queries, then answers every (person, role, shift) in memory.  Baseline: the obvious
alternative, loading one person's facts from the database for every question.

    .venv/bin/python bench/requirements_checker.py --repeat 5 [--no-write]

Writes bench/RESULTS.md "## Eligibility checker (requirements)" (only that section) unless --no-write.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.results import machine, write_section  # noqa: E402

SECTION = "## Eligibility checker (requirements)"


def section(repeat: int, people: int, requirements: int, roles: int, shifts: int, ours_s: float, base_s: float) -> str:
    """The body of the checker's section of bench/RESULTS.md (the heading is not part of it)."""
    questions = people * roles * shifts
    return "\n".join([
        f"`.venv/bin/python bench/requirements_checker.py --repeat {repeat}` — the demo team ({people} people, "
        f"{requirements} requirements, 6 months of published history), every (person, role, shift) of December "
        f"2026: {people} x {roles} x {shifts} = {questions:,} questions, the planner's load for one month. SQLite; "
        f"machine: {machine()}. Baseline and ours alternate within each round; medians over {repeat} rounds; both "
        "give the same answers (asserted).",
        "",
        "| measure | median |",
        "|---|---|",
        f"| baseline: load one person's statuses and facts from the database for every question | {base_s * 1000:,.0f} ms |",
        f"| ours: `eligibility_checker(team)` (one load of the whole team, 5 queries) + {questions:,} in-memory "
        f"checks | {ours_s * 1000:,.0f} ms |",
        f"| ratio (baseline / ours) | {base_s / ours_s:.0f}x |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args()

    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.core.readiness import make_checker
    from oncall_tui.services.demo import build_demo
    from oncall_tui.core.shifts import generate_shifts
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
            return team, [s.start for s in shifts], people, list(rot.roles), len(backend.services.requirements._team_facts(team).reqs)

        team, starts, people, roles, requirements = backend._read(setup)
        questions = [(p, r, s) for p in people for r in roles for s in starts]

        def ours():
            check = backend.services.requirements.eligibility_checker(team)
            return [check(p, r, s)[0] for p, r, s in questions]

        def baseline():
            out = []
            for p, r, s in questions:
                data = backend.services.requirements._team_facts(team, [p])
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
    if not args.no_write:
        write_section(SECTION, section(args.repeat, len(people), requirements, len(roles), len(starts), mo, mb))


if __name__ == "__main__":
    main()

"""Words and checks for the plan screen: who may take a cell (checked at once with the
scheduler's own validator), the diff, the warnings.  No widgets here."""
from __future__ import annotations

from ..core.domain_planning import PlanDiff, PlanProblem, PlanView
from ..core.planning import day_label, shift_id
from ..formatting import plural
from .plan_dialogs import Candidate


def several_a_day(view: PlanView) -> bool:
    starts = {c.start for c in view.cells}
    days = {day_label(s, view.tz) for s in starts}
    return len(starts) > len(days)


def cell_assignments(view: PlanView) -> dict[tuple[str, str], str]:
    return {(shift_id(c.start, view.tz), c.role): c.login for c in view.cells if c.login}


def candidates(view: PlanView, problem_data: PlanProblem, uid: str, names: dict[str, str]) -> list[Candidate]:
    """Every person for the cell `uid`, allowed or not, with the hard rule that stops them."""
    from ..scheduler.validate import validate

    problem = problem_data.problem()
    cell = next(c for c in view.cells if c.uid == uid)
    key = (shift_id(cell.start, view.tz), cell.role)
    current = cell_assignments(view)
    known = {v.message for v in validate(problem, current)}
    loads = {p.login: p for p in view.people}
    out = []
    for person in problem.people:
        trial = dict(current)
        trial[key] = person.id
        broken = [v for v in validate(problem, trial) if v.message not in known]
        load = loads.get(person.id)
        figures = f" · {load.points}/{load.target:.0f} points" if load else ""
        why = _why(broken[0], problem_data, key) if broken else ""
        why = why.split("; ")[0] + (" …" if "; " in why else "")
        out.append(Candidate(person.id, f"{names.get(person.id, person.id)}{figures}", not broken, why))
    out.sort(key=lambda c: (not c.ok, loads[c.login].deviation if c.login in loads else 0, c.login))
    return out


def _why(violation, problem_data: PlanProblem, key: tuple[str, str]) -> str:
    who = violation.person_id or ""
    if violation.rule == "not_eligible":
        reason = problem_data.not_eligible.get(f"{who}|{key[0]}|{key[1]}")
        if reason:
            return f"not eligible as {key[1]}: {reason}"
    if violation.rule == "unavailable":
        reason = problem_data.unavailable.get(f"{who}|{key[0]}")
        if reason:
            return reason
    text = violation.message.replace(f"{who} ", "", 1)
    return text.replace(f" in {key[0]}", "")


def diff_text(diff: PlanDiff, names: dict[str, str], several: bool) -> str:
    if diff.against_id is None:
        head = "Nothing is published for this period yet: publishing adds every cell below."
    else:
        head = (f"Against published #{diff.against_number} (plan {diff.against_id}): "
                f"{plural(len(diff.changes), 'cell')} change for {plural(len(diff.people), 'person', 'people')}.")
    if not diff.changes:
        return head + "\n\nNo differences."
    lines = [head, ""]
    for d in diff.changes:
        before = names.get(d.before, d.before) if d.before else "—"
        after = names.get(d.after, d.after) if d.after else "—"
        lines.append(f"{day_label(d.start, diff.tz, several)} {d.role:<9} {before} → {after}")
    lines += ["", "Per person:"]
    for p in diff.people:
        lines.append(f"  {p.name}: +{len(p.added)} −{len(p.removed)}")
    return "\n".join(lines)


def warnings_text(view: PlanView, several: bool) -> str:
    lines = []
    if view.gaps:
        lines.append(f"Gaps ({len(view.gaps)}): nobody can take these cells")
        for g in view.gaps:
            lines.append(f"  {day_label(g.start, view.tz, several)} {g.role}")
            lines += [f"    {r}" for r in g.reasons]
        lines.append("")
    lines.append(f"Warnings ({len(view.warnings)}): soft goals this plan misses" if view.warnings
                 else "No warnings: every soft goal is met.")
    lines += [f"  {w}" for w in view.warnings]
    if view.penalties:
        lines += ["", "Score by goal (lower is better): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(view.penalties.items()) if v)]
    return "\n".join(lines)

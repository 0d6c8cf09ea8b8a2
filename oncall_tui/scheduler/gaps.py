"""Why nobody fills a slot: for each uncovered slot, what stops each person.

Built on the validator: a person is tried in the empty slot and the rules their plan would newly
break are the reasons. Reasons are grouped by rule, e.g. ``"unavailable: ann, bob"``.
"""

from __future__ import annotations

from collections import defaultdict

from .problem import Gap, Problem, Slot
from .validate import _slot_violations, person_violations, uncovered

LABELS = {
    "not_eligible": "not eligible",
    "unavailable": "unavailable",
    "busy_elsewhere": "on call in another rotation",
    "double_role": "already in another role on this shift",
    "overlap": "rest rule (overlapping shift)",
    "min_rest": "rest rule (too little rest)",
    "forbidden_succession": "rest rule (forbidden succession)",
    "max_consecutive": "too many days in a row",
    "min_consecutive": "run of days too short",
    "max_shifts": "max shifts reached",
    "max_weekends": "max weekends reached",
}
ORDER = list(LABELS)
FREE = "allowed but not chosen (search stopped early?)"
"""The reason for people who could take an uncovered slot (a caller who knows better, such as
a cell emptied by hand, says so instead)."""


def explain_gaps(problem: Problem, assignments: dict[Slot, str]) -> list[Gap]:
    shifts = {s.id: s for s in problem.shifts}
    held: dict[str, list] = defaultdict(list)
    for (shift_id, role), person_id in assignments.items():
        if shift_id in shifts:
            held[person_id].append((shifts[shift_id], role))
    before = {p.id: {(v.rule, v.message) for v in person_violations(problem, p.id, held[p.id])}
              for p in problem.people}
    gaps = []
    for shift_id, role in uncovered(problem, assignments):
        shift = shifts[shift_id]
        by_rule: dict[str, list[str]] = defaultdict(list)
        free = []
        for person in problem.people:
            rules = {v.rule for v in _slot_violations(problem, shift, role, person.id)}
            if not rules:
                after = person_violations(problem, person.id, held[person.id] + [(shift, role)])
                rules = {v.rule for v in after if (v.rule, v.message) not in before[person.id]}
            if rules:
                first = min(rules, key=lambda r: ORDER.index(r) if r in ORDER else len(ORDER))
                by_rule[first].append(person.name or person.id)
            else:
                free.append(person.name or person.id)
        reasons = [f"{LABELS.get(rule, rule)}: {', '.join(names)}"
                   for rule, names in sorted(by_rule.items(), key=lambda kv: ORDER.index(kv[0]))]
        if free:
            reasons.append(f"{FREE}: {', '.join(free)}")
        if not problem.people:
            reasons.append("nobody in the team")
        gaps.append(Gap(shift_id, role, reasons))
    return gaps

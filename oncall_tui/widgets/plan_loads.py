"""Per-person load bars of a plan: past load, this plan's points and the fair target.

Readable without colour: the bar is filled blocks for this plan's points, a `│` marks the
target, and the figures are printed beside it."""
from __future__ import annotations

from ..core.domain_planning import PersonLoad
from ..formatting import escape

BAR = 10
NEW_MARK = "*"  # after a name: less experienced (paired with experienced people)
HEAD = f"who {NEW_MARK}new past plan │target"
"""The load list's column heads, the newcomer mark said in words."""


def short_names(people: list[tuple[str, str]]) -> dict[str, str]:
    """login -> first name, or the login where two people share a first name."""
    first = {login: (name.split() or [login])[0] for login, name in people}
    counts: dict[str, int] = {}
    for n in first.values():
        counts[n] = counts.get(n, 0) + 1
    return {login: (n if counts[n] == 1 else login) for login, n in first.items()}


def load_bar(points: float, target: float, scale: float, width: int = BAR) -> str:
    scale = max(scale, 1.0)
    filled = points / scale * width
    cells = ["█" if i < int(filled) else "·" for i in range(width)]
    if int(filled) < width and filled - int(filled) >= 0.5:
        cells[int(filled)] = "▌"
    mark = min(width - 1, max(0, round(target / scale * width) - (1 if target > 0 else 0)))
    cells[mark] = "┃" if cells[mark] in "█▌" else "│"
    return "".join(cells)


def load_line(p: PersonLoad, short: str, scale: float) -> str:
    """'Alice    73 ████████┃· 18/18 +0' (past, bar, this plan / target, deviation; ! when far off;
    `NEW_MARK` after the name of someone less experienced)."""
    newcomer = "" if p.experienced else NEW_MARK
    dev = round(p.deviation)
    flag = "!" if abs(p.deviation) > 2.5 else " "
    return escape(f"{(short[:6] + newcomer):<7} {p.past:>3.0f} {load_bar(p.points, p.target, scale)} "
                  f"{p.points:>2}/{p.target:<2.0f} {dev:+d}{flag}")


def load_scale(people: tuple[PersonLoad, ...]) -> float:
    return max([max(p.points, p.target) for p in people] + [1.0])

"""A shift, its partners and its escalation as lines of a given width, laid out here rather
than by the terminal's word wrap: a phone number, a name, a date or "(in 3 days)" is one unit
that is never broken across lines, and what matters less is shortened before anything wraps.

Lines are lists of (text, style) pieces, plain text (stored text made safe, never markup), each
at most `width` cells wide, so a widget that shows them with `text-wrap: nowrap` knows their
height without measuring: one line each.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from rich.cells import cell_len
from textual.content import Content

from ..core.domain import EscalationContact, OnCallNow, ShiftDetail
from ..formatting import local, relative, safe_text

Piece = tuple[str, str]  # (text, style): "" plain, "bold"
Unit = list[Piece]  # never broken across lines (but when wider than a whole line)
Group = list[Unit]  # kept on one line when it fits (one partner, one escalation contact)
Line = list[Piece]

#: The shortenings of a shift's first line, least important first; each level keeps the ones before.
LEVELS = (
    "in full",
    "the end without its date (its weekday and time say it)",
    "without the rotation's name (the detail view shows it)",
    "without the zone (the heading names it)",
    "without the weekdays",
)


class FitsItsWidth:
    """Mixed into a list whose options are laid out here at its own width: the cells a line
    may take, the list's own, or (before it has a size) the screen's less the scrollbar's place,
    as such a list takes the full width."""

    size: Any
    scrollable_content_region: Any
    app: Any

    def text_width(self) -> int:
        if self.size.width:
            return self.scrollable_content_region.width
        return max(1, self.app.size.width - 1)

    laid_out_at = 0  # the width the options were last laid out for

    def _options_at(self, width: int) -> list:  # the list's options laid out at `width`
        raise NotImplementedError

    def has_options(self) -> bool:  # whether there is anything to lay out again
        raise NotImplementedError

    def _on_resize(self) -> None:
        """At a new width, every option laid out again (none wraps: its height is its lines)."""
        super()._on_resize()  # type: ignore[misc]  # the OptionList's
        width = self.text_width()
        if self.has_options() and width != self.laid_out_at:
            for index, option in enumerate(self._options_at(width)):
                self.replace_option_prompt_at_index(index, option.prompt)  # type: ignore[attr-defined]


def content(lines: list[Line]) -> Content:
    """Laid-out lines as one Content to show (plain text: nothing in it is markup)."""
    return Content("\n").join(Content.assemble(*line) for line in lines)


def plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def _unit(text: str, style: str = "") -> Unit:
    return [(text, style)]


def _unit_width(unit: Unit) -> int:
    return sum(cell_len(text) for text, _ in unit)


def _split_unit(unit: Unit, width: int) -> list[Unit]:
    """A unit wider than a whole line, cut into line-wide parts (the last resort: nothing is lost)."""
    parts: list[Unit] = [[]]
    used = 0
    for text, style in unit:
        for char in text:
            w = cell_len(char)
            if used + w > width and parts[-1]:
                parts.append([])
                used = 0
            parts[-1].append((char, style))
            used += w
    return parts


def pack(groups: Iterable[Group], width: int, indent: int = 0, hanging: int | None = None,
         one_per_line: bool = False) -> list[Line]:
    """`groups` on lines of at most `width` cells, units separated by one space: the first line
    indented by `indent`, the next ones by `hanging` (default: `indent`).  A group goes whole on
    the current line if it fits (`one_per_line`: each but the first starts a line), else whole
    on a new line if it fits there, else unit by unit."""
    width = max(1, width)
    hanging = indent if hanging is None else hanging
    lines: list[Line] = []
    line: Line = []
    used = 0

    def new_line(first: bool = False) -> None:
        nonlocal line, used
        if not first:
            lines.append(line)
        pad = indent if first else hanging
        pad = pad if pad < width // 2 else 0  # a narrow line keeps its width for the text
        line = [(" " * pad, "")] if pad else []
        used = pad

    def fresh() -> bool:
        return _blank(line)

    def put(unit: Unit) -> None:
        nonlocal used
        w = _unit_width(unit)
        if not fresh() and used + 1 + w > width:
            new_line()
        if w > width - used and fresh() and w <= width:  # whole at the line's start, not indented
            line.clear()
            used = 0
        if w > width - used:
            for i, part in enumerate(_split_unit(unit, width - used if width - used > 0 else width)):
                if i:
                    new_line()
                put_raw(part)
            return
        put_raw(unit)

    def put_raw(unit: Unit) -> None:
        nonlocal used
        if not fresh():
            line.append((" ", ""))
            used += 1
        line.extend(unit)
        used += _unit_width(unit)

    new_line(first=True)
    for i, group in enumerate(groups):
        w = sum(_unit_width(u) for u in group) + len(group) - 1
        if not fresh() and (used + 1 + w > width or (one_per_line and i)):
            new_line()
        for unit in group:
            put(unit)
    lines.append(line)
    return [ln for ln in lines if not _blank(ln)] or [[]]


def _blank(line: Line) -> bool:
    return all(not text.strip() for text, _ in line)


def _day(dt: datetime, weekday: bool) -> str:
    return dt.strftime("%a %d %b %H:%M" if weekday else "%d %b %H:%M")


def _heading_units(detail: ShiftDetail, tz: str, now: datetime, level: int) -> list[Unit]:
    """The units of a shift's first line, shortened to `level` (an index into LEVELS)."""
    a = detail.assignment
    s, e = local(a.start, tz), local(a.end, tz)
    weekdays = level < 4
    units: list[Unit] = []
    if a.start <= now < a.end:
        units.append(_unit("▶ NOW"))
    units.append(_unit(_day(s, weekdays)))
    if s.date() == e.date():
        end = e.strftime("%H:%M")
    elif level >= 1 and weekdays and e.date() - s.date() < timedelta(days=6):
        end = e.strftime("%a %H:%M")
    else:
        end = _day(e, weekdays)
    units.append(_unit(f"→ {end}"))
    if level < 3:
        units.append(_unit(e.strftime("%Z")))
    if level < 2:
        units.append(_unit(f"· {safe_text(a.rotation_name)}"))
    units.append([("· ", ""), (safe_text(a.role.upper()), "bold")])
    units.append(_unit(f"({relative(a.start, now)})"))
    return units


def _partner_groups(detail: ShiftDetail) -> list[Group]:
    groups: list[Group] = []
    for i, p in enumerate(detail.partners):
        last = i == len(detail.partners) - 1
        units = [_unit(safe_text(p.person.name)), _unit(f"({safe_text(p.role)})")]
        if p.person.contact:
            units.append(_unit(safe_text(p.person.contact)))
        if not last:
            units[-1] = units[-1][:-1] + [(units[-1][-1][0] + ",", units[-1][-1][1])]
        groups.append(units)
    if not groups:
        groups = [[_unit("nobody yet")]]
    groups[0][0] = _unit("with " + plain(groups[0][0]))
    return groups


def shift_lines(details: Iterable[ShiftDetail], tz: str, now: datetime, width: int) -> list[list[Line]]:
    """Each shift as lines of at most `width` cells: its time, role and how soon, then whom
    it is with and how to reach them, in full.

    The one rule for what gives way when the width is short: the first line is shortened,
    all shifts alike, by the first of LEVELS at which every shift's first line fits (the end
    without its date, then the rotation's name, the zone, the weekdays); only then does it
    wrap, between units.  Partners' names, roles and numbers are never shortened: a partner
    who does not fit on the line goes whole onto the next."""
    details = list(details)
    level = len(LEVELS) - 1
    for candidate in range(len(LEVELS)):
        if all(_fits(_heading_units(d, tz, now, candidate), width) for d in details):
            level = candidate
            break
    out = []
    for d in details:
        heading = pack([[u] for u in _heading_units(d, tz, now, level)], width, hanging=3)
        partners = pack(_partner_groups(d), width, indent=3, hanging=8)
        out.append(heading + partners)
    return out


def _fits(units: list[Unit], width: int) -> bool:
    return sum(_unit_width(u) for u in units) + len(units) - 1 <= width


def escalation_lines(label: str, contacts: Iterable[EscalationContact], width: int) -> list[Line]:
    """'Escalate: 1. Maya Goldberg (engineering manager) +44 7700 900777 · 2. …' in at most
    `width` cells: on one line if all fit, else one contact a line (a number that does not fit
    after its name goes whole onto the next line)."""
    groups: list[Group] = []
    for c in contacts:
        units = [_unit(f"{c.position}. {safe_text(c.name)}")]
        if c.contact:
            units.append(_unit(safe_text(c.contact)))
        groups.append(units)
    if not groups:
        groups = [[_unit("none set")]]
    one_line = [list(g) for g in groups]
    for g in one_line[1:]:
        g[0] = _unit("· " + plain(g[0]))
    if label:
        one_line[0].insert(0, [(label, "bold")])
        groups[0].insert(0, [(label, "bold")])
    if _fits([u for g in one_line for u in g], width):
        return pack(one_line, width)
    return pack(groups, width, hanging=3 if label else 0, one_per_line=True)


#: A phone number (or a date and time) inside free text: kept whole on one line.
NUMBER_IN_TEXT = re.compile(r"\+?\d[\d ().:/-]{4,}\d")


def text_lines(label: str, text: str, width: int, indent: int = 0) -> list[Line]:
    """Free text (a handover note) after a bold label, wrapped between words; a phone number
    or a date in it is one unit, never split (`indent`: the first line's, the others keep 3 or it)."""
    glued = NUMBER_IN_TEXT.sub(lambda found: found.group().replace(" ", "\u00a0"), safe_text(text))
    words: list[Group] = [[_unit(w.replace("\u00a0", " "))] for w in re.split(r"[^\S\u00a0]+", glued) if w]
    return pack(([[[(label, "bold")]]] if label else []) + words, width, indent=indent, hanging=max(3, indent))


def now_lines(rows: Iterable[OnCallNow], tz: str, width: int) -> list[Line]:
    """Who is on call now, one row each in aligned columns (rotation, role, person, number,
    until when) of at most `width` cells.  Names and numbers are never cut: when the columns do
    not fit, the rotation's name goes first (for all rows alike); a row that still does not fit
    wraps between its units."""
    rows = list(rows)
    cells = [[safe_text(n.rotation_name), safe_text(n.role), safe_text(n.person.name), safe_text(n.person.contact),
              "to " + local(n.end, tz).strftime("%a %H:%M")] for n in rows]
    for first in (0, 1):
        kept = [row[first:] for row in cells]
        widths = [max((cell_len(row[i]) for row in kept), default=0) for i in range(len(kept[0]) if kept else 0)]
        if sum(widths) + 2 * (len(widths) - 1) <= width or first == 1:
            break
    out: list[Line] = []
    for row in kept:
        padded = [text + " " * (w - cell_len(text) + 1) for text, w in zip(row[:-1], widths)] + [row[-1]]
        out += pack([[[(text, "")] for text in padded]], width, hanging=3)
    return [[(plain(line).rstrip(), "")] for line in out]

"""A shift as a calendar entry reads: its title and its description, for the person on it.

The facts are a `ShiftDetail` (the shift, the partners, the escalation list, the handover
notes: what the home screen shows); the hours are worded by `text.span`, the one wording of
a shift's hours, in the reader's own zone.  Calendars show plain text, so nothing here is
markup; stored text has its control characters written out (`safe_text`).
"""
from __future__ import annotations

from collections.abc import Sequence

from .domain import ShiftDetail
from .text import safe_text, span

#: What each role means for the person holding it (the first lines of an entry's description).
ROLE_MEANING = {
    "primary": "you are paged first: you answer alerts and own incidents until you hand over.",
    "secondary": "you are paged when the primary does not answer within the escalation time, "
                 "and you are their second pair of hands.",
    "shadow": "you follow the primary to learn the rotation: you are not paged on your own.",
}


def swap_command(jump_host: str, uid: str) -> str:
    """The command that asks for someone to take a shift, as typed on the reader's own machine."""
    return f"ssh -t {jump_host or 'JUMPHOST'} oncall swap request {uid}"


def names_joined(names: Sequence[str]) -> str:
    """'Gus', 'Gus and Ana', 'Gus, Ana and Lee'."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def entry_title(detail: ShiftDetail) -> str:
    """'On call: Primary · Platform 24/7 · with Gus Lindqvist' (a shadow is named in the
    description, not the title)."""
    a = detail.assignment
    parts = [f"On call: {a.role.capitalize()}", a.rotation_name or a.rotation]
    partners = names_joined([p.person.name for p in detail.partners if p.role != "shadow"])
    if partners:
        parts.append(f"with {partners}")
    return safe_text(" · ".join(parts))


def entry_description(detail: ShiftDetail, reader_tz: str, *, team_name: str = "", cant_make_it: str = "",
                      jump_host: str = "") -> str:
    """The role and what it means, the shift in `reader_tz`, the partners with their on-call
    contact, the escalation contacts in order, the handover notes, and the two ways out: the
    "Can't make this shift?" link (`cant_make_it`, when the team has a server) and, always,
    the command to run on the jump box."""
    a = detail.assignment
    rotation = a.rotation_name or a.rotation
    team = f" ({team_name})" if team_name else ""
    lines = [f"{a.role.capitalize()} on call for {rotation}{team}: "
             f"{ROLE_MEANING.get(a.role, 'you are on the rota for this shift.')}",
             "",
             f"Shift: {span(a.start, a.end, reader_tz)} ({reader_tz})"]
    if detail.partners:
        lines.append("On call with:")
        for p in detail.partners:
            contact = f": {p.person.contact}" if p.person.contact else ""
            lines.append(f"  {p.person.name} ({p.role}){contact}")
    else:
        lines.append("On call with: nobody else on this shift")
    if detail.escalation:
        lines.append("Escalation, in order:")
        for c in detail.escalation:
            contact = f": {c.contact}" if c.contact else ""
            lines.append(f"  {c.position}. {c.name}{contact}")
    if detail.handover:
        lines.append("Handover notes:")
        lines.extend(f"  {line}" for line in detail.handover.splitlines())
    lines.append("")
    lines.append("Can't make this shift?")
    if cant_make_it:
        lines.append(f"  Ask for a swap: {cant_make_it}")
    lines.append(f"  {'Or run' if cant_make_it else 'Run'} on your machine: {swap_command(jump_host, a.uid)}")
    return safe_text("\n".join(lines))

"""A shift's lines on the home screen, laid out at every width from 40 to 200 columns: no line is
wider than the width, nothing that matters (a name, a phone number, a date, "(in 3 days)") is
broken across lines, and what matters less is shortened first, in one order."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from oncall_tui.core.domain import Assignment, EscalationContact, OnCallNow, PersonRef, ShiftDetail
from oncall_tui.screens.shift_text import LEVELS, escalation_lines, now_lines, plain, shift_lines, text_lines

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
TZ = "Europe/London"
WIDTHS = range(40, 201)


def _person(login: str, name: str, contact: str) -> PersonRef:
    return PersonRef(login=login, name=name, contact=contact, tz=TZ)


def _assignment(uid: str, role: str, person: PersonRef, start: datetime, days: int = 1,
                rotation_name: str = "Platform 24/7") -> Assignment:
    return Assignment(uid=uid, team="platform", rotation="p247", rotation_name=rotation_name, role=role,
                      start=start, end=start + timedelta(days=days), person=person)


ME = _person("root", "Root (you)", "+44 7700 900998")
ESCALATION = (
    EscalationContact(position=1, name="Maya Goldberg (engineering manager)", contact="+44 7700 900777"),
    EscalationContact(position=2, name="Root (you, manager)", contact="+44 7700 900999"),
    EscalationContact(position=3, name="Head of Engineering", contact="+44 20 7946 0100"),
)


def _shift(start: datetime, partners: list[tuple[str, str, str]], role: str = "secondary", days: int = 1,
           rotation_name: str = "Platform 24/7") -> ShiftDetail:
    mine = _assignment("me", role, ME, start, days, rotation_name)
    others = tuple(_assignment(f"p{i}", r, _person(f"p{i}", name, phone), start, days, rotation_name)
                   for i, (name, r, phone) in enumerate(partners))
    return ShiftDetail(assignment=mine, partners=others, escalation=ESCALATION)


SHIFTS = [
    _shift(NOW - timedelta(hours=1), [("Alice Moreau", "primary", "+44 7700 900151")], role="primary"),
    _shift(datetime(2026, 11, 30, 9, tzinfo=UTC), [("Bogdan Ionescu", "primary", "+44 7700 900152")]),
    _shift(datetime(2026, 12, 6, 9, tzinfo=UTC),
           [("Chloé Lambert", "primary", "+44 7700 900153"), ("Dev Raman", "shadow", "+44 7700 900154")]),
    _shift(datetime(2026, 12, 14, 9, tzinfo=UTC), [("Zhang Wěi 张伟", "primary", "+86 10 5555 0199")],
           days=7, rotation_name="Payments weekly rotation"),
]


def _whole_on_one_line(lines: list[str], unit: str) -> bool:
    return any(unit in line for line in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_line_fits_and_nothing_that_matters_is_broken(width):
    laid_out = shift_lines(SHIFTS, TZ, NOW, width)
    assert len(laid_out) == len(SHIFTS)
    for detail, lines in zip(SHIFTS, laid_out):
        text = [plain(line) for line in lines]
        assert all(cell_len(line) <= width for line in text), (width, text)
        start = detail.assignment.start.astimezone(ZoneInfo(TZ))
        assert _whole_on_one_line(text, start.strftime("%d %b %H:%M")), (width, text)
        assert _whole_on_one_line(text, detail.assignment.role.upper()), (width, text)
        relative = [u for line in text for u in line.split("(")[1:] if u.startswith(("in ", "now"))]
        assert relative and all(r.endswith(")") for r in relative), (width, text)  # "(in 3 / days)" never
        for p in detail.partners:
            for unit in (p.person.name, f"({p.role})", p.person.contact):
                assert _whole_on_one_line(text, unit), (width, unit, text)
        assert sum(line.count(" with ") + line.startswith("with ") for line in text) == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_escalation_contacts_are_whole_and_in_order(width):
    text = [plain(line) for line in escalation_lines("Escalate:", ESCALATION, width)]
    assert all(cell_len(line) <= width for line in text), (width, text)
    assert text[0].startswith("Escalate:")
    joined = "\n".join(text)
    positions = [joined.index(f"{c.position}. {c.name}") for c in ESCALATION]
    assert positions == sorted(positions)
    for c in ESCALATION:
        assert _whole_on_one_line(text, c.contact), (width, c.contact, text)


def _first_lines(width: int) -> list[str]:
    return [plain(lines[0]) for lines in shift_lines(SHIFTS[:3], TZ, NOW, width)]


def test_what_matters_less_gives_way_first_and_all_shifts_alike():
    wide = _first_lines(200)
    assert wide[1] == "Mon 30 Nov 09:00 → Tue 01 Dec 09:00 GMT · Platform 24/7 · SECONDARY (in 2 days)"
    assert wide[0].startswith("▶ NOW Fri 27 Nov 08:30 → Sat 28 Nov 08:30 GMT · Platform 24/7 · PRIMARY")

    # One column short of the longest: first the end's date goes (its weekday says it), for every shift.
    longest = max(cell_len(line) for line in wide)
    shorter = _first_lines(longest - 1)
    assert shorter[1] == "Mon 30 Nov 09:00 → Tue 09:00 GMT · Platform 24/7 · SECONDARY (in 2 days)"
    assert all("Platform 24/7" in line for line in shorter)

    # Then the rotation's name, then the zone, then the weekdays; only then does a line wrap.
    no_rotation = _first_lines(longest - 10)
    assert no_rotation[1] == "Mon 30 Nov 09:00 → Tue 09:00 GMT · SECONDARY (in 2 days)"
    assert not any("Platform" in line for line in no_rotation)
    no_zone = _first_lines(cell_len("Mon 30 Nov 09:00 → Tue 09:00 · SECONDARY (in 2 days)"))
    assert no_zone[1] == "Mon 30 Nov 09:00 → Tue 09:00 · SECONDARY (in 2 days)"
    no_weekday = _first_lines(cell_len("30 Nov 09:00 → 01 Dec 09:00 · SECONDARY (in 2 days)"))
    assert no_weekday[1] == "30 Nov 09:00 → 01 Dec 09:00 · SECONDARY (in 2 days)"
    wrapped = shift_lines(SHIFTS[:3], TZ, NOW, 40)
    assert [plain(line) for line in wrapped[1][:2]] == ["30 Nov 09:00 → 01 Dec 09:00 · SECONDARY", "   (in 2 days)"]
    assert len(LEVELS) == 5


def test_a_week_long_shift_keeps_its_end_date_and_a_name_never_shortens():
    weekly = SHIFTS[3]
    for width in WIDTHS:
        text = [plain(line) for line in shift_lines([weekly], TZ, NOW, width)[0]]
        assert _whole_on_one_line(text, "21 Dec"), (width, text)  # "→ Mon 09:00" would be a week later
        assert _whole_on_one_line(text, "Zhang Wěi 张伟"), (width, text)


def test_a_partner_who_does_not_fit_after_another_goes_whole_onto_the_next_line():
    lines = [plain(line) for line in shift_lines([SHIFTS[2]], TZ, NOW, 60)[0]]
    assert lines[1:] == ["   with Chloé Lambert (primary) +44 7700 900153,",
                         "        Dev Raman (shadow) +44 7700 900154"]
    wide = [plain(line) for line in shift_lines([SHIFTS[2]], TZ, NOW, 120)[0]]
    assert wide[1] == "   with Chloé Lambert (primary) +44 7700 900153, Dev Raman (shadow) +44 7700 900154"


def test_nobody_yet_and_stored_text_is_made_safe():
    alone = ShiftDetail(assignment=_assignment("me", "primary", ME, NOW + timedelta(days=2)))
    assert plain(shift_lines([alone], TZ, NOW, 80)[0][1]) == "   with nobody yet"
    odd = _shift(NOW + timedelta(days=2), [("Eve\x1b[2J", "primary", "[b]+1 555[/b]")])
    text = "\n".join(plain(line) for line in shift_lines([odd], TZ, NOW, 80)[0])
    assert "\x1b" not in text and "Eve\\x1b[2J" in text and "[b]+1 555[/b]" in text


def _on_call_now(name: str, role: str, phone: str, rotation: str = "Platform 24/7") -> OnCallNow:
    return OnCallNow(team="platform", rotation="p247", rotation_name=rotation, role=role,
                     person=_person(name.split()[0].lower(), name, phone), start=NOW - timedelta(hours=2),
                     end=NOW + timedelta(hours=22))


NOW_ROWS = [_on_call_now("Lena Brandt", "primary", "+1 212 555 0162"),
            _on_call_now("Maximilian Alexander von Hohenberg", "secondary", "+49 (0) 30 1234 5678 ext 99")]


@pytest.mark.parametrize("width", WIDTHS)
def test_who_is_on_call_now_keeps_names_and_numbers_whole(width):
    text = [plain(line) for line in now_lines(NOW_ROWS, TZ, width)]
    assert all(cell_len(line) <= width for line in text), (width, text)
    for row in NOW_ROWS:
        for unit in (row.person.name, row.person.contact, row.role):
            assert _whole_on_one_line(text, unit), (width, unit, text)
    # columns: rotation 13, role 9, name 34, number 27, "to Sat 07:30" 12, two spaces between
    if width >= 13 + 9 + 34 + 27 + 12 + 2 * 4:
        assert len(text) == 2 and all(line.startswith("Platform 24/7  ") for line in text), text
        assert text[0].index("+1 212") == text[1].index("+49 (0)"), "columns line up"
    elif width >= 9 + 34 + 27 + 12 + 2 * 3:
        assert len(text) == 2 and not any("Platform" in line for line in text), text  # the rotation gives way first


NOTE = ("Disk alerts on db-7 fired twice overnight; cleared the WAL archive at 03:10 and 05:40. Call Emeka "
        "on +44 7700 900155 if it recurs, then page storage (+1 212 555 0100) after 2026-12-04 09:00.")


@pytest.mark.parametrize("width", range(40, 121))
def test_a_note_never_splits_a_number_or_a_word(width):
    lines = [plain(line) for line in text_lines("Handover:", NOTE, width)]
    assert all(cell_len(line) <= width for line in lines), lines
    joined = "\n".join(lines)
    for whole in ("+44 7700 900155", "+1 212 555 0100", "2026-12-04 09:00", "Disk alerts", "overnight;"):
        assert whole.split(" ")[0] in joined
    for number in ("+44 7700 900155", "(+1 212 555 0100)", "2026-12-04 09:00."):
        assert any(number in line for line in lines), (number, lines)
    assert " ".join(" ".join(lines).split()) == "Handover: " + " ".join(NOTE.split())

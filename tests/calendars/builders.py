"""Small iCalendar files built by the tests themselves."""

from __future__ import annotations

import textwrap


def ics(*events: str, head: str = "", timezones: str = "") -> bytes:
    """A VCALENDAR with the given VEVENT bodies (property lines, no BEGIN/END)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oncall-tui tests//EN"]
    lines += _lines(head)
    lines += _lines(timezones)
    for number, body in enumerate(events):
        body_lines = _lines(body)
        if not any(line.startswith("UID") for line in body_lines):
            body_lines.insert(0, f"UID:test-{number}@oncall-tui")
        if not any(line.startswith("DTSTAMP") for line in body_lines):
            body_lines.insert(1, "DTSTAMP:20250101T000000Z")
        lines += ["BEGIN:VEVENT", *body_lines, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _lines(text: str) -> list[str]:
    return [line for line in textwrap.dedent(text).strip().splitlines() if line.strip()]


# A deliberately wrong definition: claims to be Pacific time but says +05:00.
BOGUS_PACIFIC_VTIMEZONE = """
BEGIN:VTIMEZONE
TZID:Pacific Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0500
TZOFFSETTO:+0500
END:STANDARD
END:VTIMEZONE
"""


def custom_zone(offset: str) -> str:
    """An Outlook-style 'Customized Time Zone' with a fixed offset like +0530."""
    return f"""
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:{offset}
TZOFFSETTO:{offset}
END:STANDARD
END:VTIMEZONE
"""

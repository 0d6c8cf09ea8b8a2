"""Stored text and the terminal: the characters a terminal would act on instead of showing."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

#: Characters a terminal acts on instead of showing (C0 controls but newline and tab, DEL, C1
#: controls: ESC starts colour, cursor, title and clipboard sequences) and those that reorder
#: the text around them (bidirectional overrides).  Stored text never reaches a terminal with them.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: object) -> str:
    """`text` as a terminal may show it: each control character written out visibly
    ('\\x1b' for ESC), everything else as it is."""
    return CONTROL_CHARS.sub(_visible, str(text))


def plural(count: int | float, word: str, many: str | None = None) -> str:
    """'1 event', '4 days', '0 gaps', '2 people' (`many`: the plural when it is not word + s).
    The one home of counted words, for every face and message."""
    if count == 1:
        return f"{count:g} {word}"
    return f"{count:g} {many if many is not None else word + 's'}"


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def when(dt: datetime, tz: str) -> str:
    """'Sat 28 Nov 09:00'"""
    return local(dt, tz).strftime("%a %d %b %H:%M")


def span(start: datetime, end: datetime, tz: str) -> str:
    """'Sat 28 Nov 09:00 → Sun 29 Nov 09:00 GMT' (the end shows only the time when same day).
    The one wording of a shift's hours: the screens', the CLI's and the calendar entries'.
    Across a clock change each end has its own zone name ('Sun 28 Mar 00:30 GMT → 03:30 BST',
    two hours), so the hours read true."""
    s, e = local(start, tz), local(end, tz)
    end_text = e.strftime("%H:%M") if s.date() == e.date() else e.strftime("%a %d %b %H:%M")
    first = s.strftime('%a %d %b %H:%M')
    if s.strftime('%Z') != e.strftime('%Z'):
        first += f" {s.strftime('%Z')}"
    return f"{first} → {end_text} {e.strftime('%Z')}"

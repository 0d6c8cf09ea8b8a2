"""The strict check every generated .ics passes (stricter than icalendar's own parser).

`check_ics(data)` parses with vobject (the parser Radicale uses) and adds what no parser
checks: CRLF line ends, lines folded at 75 octets, a UID and a UTC DTSTAMP on every event,
DTEND after DTSTART, a VTIMEZONE for every TZID used, and on iTIP methods (REQUEST /
CANCEL) ORGANIZER, ATTENDEE and SEQUENCE on every event (CANCEL: STATUS:CANCELLED).  It
then reads the file back with icalendar and recurring-ical-events.  Raises AssertionError
listing every problem; returns the icalendar Calendar.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

ITIP = ("REQUEST", "CANCEL")


def _unfold(text: str) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def _name_params_value(line: str) -> tuple[str, dict[str, str], str]:
    # NAME;PARAM=VALUE;PARAM="quoted:value":value
    i, quoted = 0, False
    while i < len(line):
        c = line[i]
        if c == '"':
            quoted = not quoted
        elif c == ":" and not quoted:
            break
        i += 1
    head, value = line[:i], line[i + 1:]
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.upper()] = v.strip('"')
    return parts[0].upper(), params, value


def problems(data: bytes, method: str | None = None) -> list[str]:
    found: list[str] = []
    if not isinstance(data, bytes):
        return ["not bytes"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"not UTF-8: {exc}"]
    if not text.endswith("\r\n"):
        found.append("the last line does not end with CRLF")
    if re.search(r"(?<!\r)\n", text):
        found.append("a line ends with a bare LF")
    if re.search(r"\r(?!\n)", text):
        found.append("a bare CR")
    for no, raw in enumerate(data.split(b"\r\n"), 1):
        if len(raw) > 75:
            found.append(f"physical line {no} is {len(raw)} octets (more than 75): {raw[:40]!r}…")
    lines = [ln for ln in _unfold(text) if ln]
    if not lines or lines[0] != "BEGIN:VCALENDAR" or lines[-1] != "END:VCALENDAR":
        found.append("not one VCALENDAR")
    # vobject: what Radicale would make of it
    try:
        import vobject

        cal = vobject.readOne(text)
        for ev in getattr(cal, "vevent_list", []):
            ev.dtstart.value  # noqa: B018 - parses the value
    except Exception as exc:  # noqa: BLE001 - any refusal is a problem to list
        found.append(f"vobject refuses it: {type(exc).__name__}: {exc}")

    stack: list[str] = []
    events: list[dict[str, list[tuple[dict[str, str], str]]]] = []
    tzids_defined: set[str] = set()
    tzids_used: set[str] = set()
    cal_props: dict[str, str] = {}
    for line in lines:
        name, params, value = _name_params_value(line)
        if name == "BEGIN":
            stack.append(value.upper())
            if value.upper() == "VEVENT":
                events.append({})
            continue
        if name == "END":
            if not stack or stack[-1] != value.upper():
                found.append(f"END:{value} does not close {stack[-1:] or 'anything'}")
            else:
                stack.pop()
            continue
        if "TZID" in params:
            tzids_used.add(params["TZID"])
        if stack == ["VCALENDAR"]:
            cal_props[name] = value
        elif stack[-2:] == ["VCALENDAR", "VTIMEZONE"] and name == "TZID":
            tzids_defined.add(value)
        elif stack[-1:] == ["VEVENT"] and len(stack) == 2:
            events[-1].setdefault(name, []).append((params, value))
    for key in ("PRODID", "VERSION"):
        if key not in cal_props:
            found.append(f"the calendar has no {key}")
    for tzid in sorted(tzids_used - tzids_defined):
        found.append(f"TZID {tzid} is used but has no VTIMEZONE")
    have_method = cal_props.get("METHOD")
    if method is not None and have_method != method:
        found.append(f"METHOD is {have_method!r}, expected {method!r}")
    uids: dict[str, int] = {}
    for i, ev in enumerate(events):
        uid = ev.get("UID", [({}, "")])[0][1]
        label = uid or f"event {i}"
        if not uid:
            found.append(f"{label}: no UID")
        uids[uid] = uids.get(uid, 0) + 1
        stamp = ev.get("DTSTAMP", [({}, "")])[0]
        if not stamp[1]:
            found.append(f"{label}: no DTSTAMP")
        elif not stamp[1].endswith("Z") or stamp[0].get("TZID"):
            found.append(f"{label}: DTSTAMP {stamp[1]} is not UTC")
        for key in ("DTSTART", "DTEND", "SUMMARY"):
            if key not in ev:
                found.append(f"{label}: no {key}")
        if have_method in ITIP:
            for key in ("ORGANIZER", "ATTENDEE", "SEQUENCE"):
                if key not in ev:
                    found.append(f"{label}: an iTIP {have_method} without {key}")
            if have_method == "CANCEL" and ev.get("STATUS", [({}, "")])[0][1] != "CANCELLED":
                found.append(f"{label}: a CANCEL whose STATUS is not CANCELLED")
    for uid, count in uids.items():
        if uid and count > 1:
            found.append(f"UID {uid} appears {count} times")
    # read back by icalendar and recurring-ical-events, and times in order
    try:
        import icalendar
        import recurring_ical_events

        parsed = icalendar.Calendar.from_ical(data)
        for ev in parsed.walk("VEVENT"):
            if ev.get("DTEND") is not None and ev.decoded("DTEND") <= ev.decoded("DTSTART"):
                found.append(f"{ev.get('UID')}: DTEND is not after DTSTART")
        expanded = recurring_ical_events.of(parsed).between(datetime(1970, 1, 2, tzinfo=UTC),
                                                            datetime(2999, 1, 1, tzinfo=UTC))
        if len(list(expanded)) != len(events):
            found.append(f"recurring-ical-events finds {len(list(expanded))} events, not {len(events)}")
    except Exception as exc:  # noqa: BLE001
        found.append(f"icalendar / recurring-ical-events refuse it: {type(exc).__name__}: {exc}")
    return found


def check_ics(data: bytes, method: str | None = None):
    """Assert `data` passes every check; returns it parsed by icalendar."""
    import icalendar

    found = problems(data, method)
    assert not found, "the .ics fails the strict check:\n  " + "\n  ".join(found)
    return icalendar.Calendar.from_ical(data)

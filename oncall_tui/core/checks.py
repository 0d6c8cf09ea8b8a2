"""The one home of the checks on what people type or import: slugs, logins, e-mail addresses,
links, time zones, free text, a requirement's definition and a rotation's shape and rules.

The services call these on the way in, and the team file calls the same ones (saying which
line a refusal is on), so whatever an import accepted can be edited afterwards.  Slugs allow
dots and underscores: team files always did, and databases hold such slugs.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain import AUTO_RULE_KINDS, REQUIREMENT_METHODS, ROLES, SHIFT_KINDS
from .errors import InvalidInput
from .shifts import parse_hhmm

if TYPE_CHECKING:
    from .domain_requirements import RequirementDef

SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
LOGIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$")
LOOKS_LIKE_LINK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")  # scheme:rest, one word
EMAIL_LIMIT = 254
URL_LIMIT = 500
MAX_NOTE = 2000
#: A swap's note and a decline's reason: one line, read in lists, mails and the link pages, so
#: shorter than a note (the forms' and the link pages' fields take their length from here).
SWAP_TEXT_LIMIT = 500


def is_slug(text: str) -> bool:
    return bool(SLUG.match(text or ""))


def is_login(text: str) -> bool:
    return bool(LOGIN.match(text or ""))


def is_email(text: str) -> bool:
    return "@" in text and len(text) <= EMAIL_LIMIT


def is_http_url(text: str) -> bool:
    """An http(s) URL with a host and no spaces (its length is checked apart)."""
    from urllib.parse import urlparse

    parts = urlparse(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", text)


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_zone(name: str, field: str = "tz") -> ZoneInfo:
    if not is_zone(name):
        raise InvalidInput(f"{name!r} is not a time zone (try Europe/London or America/New_York)", field=field)
    return ZoneInfo(name)


def check_email(text: str, field: str = "email") -> str:
    text = text.strip()
    if text and not is_email(text):
        raise InvalidInput(f"{text!r} is not an email address", field=field)
    return check_plain(text, field)


def check_note(text: str, field: str = "note", required: bool = False, limit: int = MAX_NOTE,
               one_line: bool = False) -> str:
    """Text a person typed, trimmed and checked: not too long, and holding no control characters
    (terminal escape sequences and the like; a note may have several lines, a `one_line` field
    such as a name or a label may not)."""
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput(f"the {field} is empty", field=field)
    if len(text) > limit:
        raise InvalidInput(f"the {field} is {len(text)} characters; at most {limit} fit", field=field)
    check_plain(text, field, one_line)
    return text


def check_swap_text(text: str, field: str = "note") -> str:
    """A swap's note or a decline's reason: one line of at most SWAP_TEXT_LIMIT characters."""
    return check_note(text, field, limit=SWAP_TEXT_LIMIT, one_line=True)


def check_person(*, name: str | None = None, email: str | None = None, phones: list[str] | None = None,
                 oncall_device: str | None = None, oncall_phone: str | None = None,
                 calendar_delivery: str | None = None, alarm_minutes: Any = None) -> dict[str, Any]:
    """A person's details as the profile form and the team file both store them (each given field
    trimmed and checked: one line, not too long, a real e-mail address; how their calendar
    entries reach them, one of DELIVERY_WAYS; their reminder's lead time in minutes, 0 for
    none, stored as NULL)."""
    out: dict[str, Any] = {}
    if calendar_delivery is not None:
        from .domain_calendar import DELIVERY_WAYS

        way = str(calendar_delivery).strip().lower()
        if way not in DELIVERY_WAYS:
            raise InvalidInput(f"calendar entries reach you by {', '.join(DELIVERY_WAYS[:-1])} or "
                               f"{DELIVERY_WAYS[-1]}, not {safe_value(calendar_delivery)}", field="calendar")
        out["calendar_delivery"] = way
    if alarm_minutes is not None:
        out["alarm_minutes"] = check_alarm_minutes(alarm_minutes)
    if name is not None:
        out["name"] = check_note(name, "name", required=True, limit=200, one_line=True)
    if email is not None:
        out["email"] = check_email(email)
    if phones is not None:
        out["phones"] = [check_phone(p, "phone") for p in phones if p.strip()]
    if oncall_device is not None:
        out["oncall_device"] = check_note(oncall_device, "on-call device", limit=100, one_line=True)
    if oncall_phone is not None:
        out["oncall_phone"] = check_phone(oncall_phone, "on-call phone") if oncall_phone.strip() else ""
    return out


def safe_value(value: Any) -> str:
    """`value` quoted for a refusal, control characters written out, at most 40 characters."""
    from .text import safe_text

    return repr(safe_text(str(value))[:40])


def check_alarm_minutes(value: Any) -> int | None:
    """A reminder's lead time: whole minutes from 0 (no reminder: None) to a week; the words
    "none" / "off" mean 0."""
    from .domain_calendar import MAX_ALARM_MINUTES

    if isinstance(value, str) and value.strip().lower() in ("none", "off", "no", "0", ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ALARM_MINUTES:
        raise InvalidInput(f"the reminder is whole minutes before the shift, 0 (none) to {MAX_ALARM_MINUTES} "
                           f"(a week), not {safe_value(value)}", field="alarm_minutes")
    return value or None


#: Team settings (team.toml [team.settings]) that calendar entries read, and their checks.
HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^[A-Za-z0-9_.-]{1,64}@[A-Za-z0-9.-]{1,253}$")


def check_team_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings of a team that other people's calendars and terminals show: `server_url`
    (the team's `oncall serve`, an http(s) URL: feed and swap links are made from it) and
    `jump_host` (what people type after `ssh -t`: a host name or user@host, nothing a shell
    would act on, as it is written into commands people copy)."""
    out = dict(settings)
    if "server_url" in out:
        url = out["server_url"]
        if not isinstance(url, str):
            raise InvalidInput(f"server_url must be an http(s) URL, not {safe_value(url)}", field="server_url")
        out["server_url"] = check_url(url, "server_url").rstrip("/")
    if "jump_host" in out:
        host = out["jump_host"]
        if not isinstance(host, str) or not HOST.match(host.strip()):
            raise InvalidInput(f"jump_host must be a host name (or user@host) such as jumpbox.example.com, "
                               f"not {safe_value(host)}", field="jump_host")
        out["jump_host"] = host.strip()
    return out


PHONE = re.compile(r"\+?[0-9(][0-9 ()./-]*[0-9](?: ?(?:x|ext\.?) ?[0-9]{1,6})?")


def check_phone(text: str, field: str = "phone") -> str:
    """A number partners can dial: digits with spaces, + - ( ) . and an optional extension
    ("x12", "ext. 12"), 3 to 20 digits; a time zone or "ask reception" typed into the field is
    refused rather than shown to partners as the number to call."""
    text = check_note(text, field, limit=40, one_line=True)
    digits = sum(ch.isdigit() for ch in text)
    if text and (not PHONE.fullmatch(text) or not 3 <= digits <= 20):
        raise InvalidInput(f"the {field} must be a phone number (digits, spaces, + - ( ) . and an optional "
                           f"extension), not {text!r}", field=field)
    return text


def check_plain(text: str, field: str, one_line: bool = True) -> str:
    """Refuse control characters in `text` (and line breaks and tabs if `one_line`)."""
    from .text import CONTROL_CHARS, safe_text

    bad = CONTROL_CHARS.search(text) or (one_line and re.search(r"[\n\t]", text))
    if bad and one_line and bad.group() in ("\n", "\r", "\t"):
        raise InvalidInput(f"the {field} contains a line break or tab; keep it to one line", field=field)
    if bad:
        raise InvalidInput(f"the {field} contains a control character ({safe_text(bad.group())!s}"
                           f"{' or a line break' if one_line else ''}); remove it", field=field)
    return text


def check_url(text: str, field: str = "link") -> str:
    text = (text or "").strip()
    if not is_http_url(text):
        raise InvalidInput(f"the {field} must be an http(s) URL, not {text[:60]!r}", field=field)
    if len(text) > URL_LIMIT:
        raise InvalidInput(f"the {field} is too long (at most {URL_LIMIT} characters)", field=field)
    return text


def check_requirement_spec(spec: RequirementDef) -> dict:
    """A requirement's definition, checked: the stored fields (slug, name, ... auto_rule)."""
    slug = (spec.slug or "").strip()
    if not is_slug(slug):
        raise InvalidInput(f"{slug!r} is not a slug: lowercase letters, digits, dashes, underscores and dots",
                           field="slug")
    roles = [r for r in ROLES if r in spec.roles]
    unknown = [r for r in spec.roles if r not in ROLES]
    if unknown or not roles:
        raise InvalidInput(f"roles must be some of {', '.join(ROLES)}", field="roles")
    if spec.method not in REQUIREMENT_METHODS:
        raise InvalidInput(f"method must be one of {', '.join(REQUIREMENT_METHODS)}", field="method")
    auto: dict = {}
    if spec.method == "auto":
        if spec.auto is None or spec.auto.kind not in AUTO_RULE_KINDS:
            raise InvalidInput(f"an automatic requirement needs a rule: {', '.join(AUTO_RULE_KINDS)}",
                               field="auto")
        auto = {"kind": spec.auto.kind}
        if spec.auto.kind in ("shadow_shifts", "served_shifts"):
            if not 1 <= spec.auto.min <= 100:
                raise InvalidInput("the minimum must be between 1 and 100", field="auto.min")
            auto["min"] = spec.auto.min
        if spec.auto.kind == "served_shifts":
            if not 1 <= spec.auto.months <= 36:
                raise InvalidInput("months must be between 1 and 36", field="auto.months")
            auto["months"] = spec.auto.months
    if spec.valid_days is not None and not 1 <= spec.valid_days <= 3650:
        raise InvalidInput("valid for must be between 1 and 3650 days (or empty: never expires)",
                           field="valid_days")
    return dict(
        slug=slug, name=check_note(spec.name, "name", required=True, limit=200, one_line=True),
        why=check_note(spec.why, "why"), how=check_note(spec.how, "how to obtain it"),
        link=check_url(spec.link, "link") if (spec.link or "").strip() else "",
        command=check_note(spec.command, "command", limit=500, one_line=True), roles=roles, method=spec.method,
        auto_rule=auto, valid_days=spec.valid_days, active=bool(spec.active),
    )


RULE_RANGES: dict[str, tuple[int, int]] = {
    "min_rest_hours": (0, 168),
    "max_consecutive": (1, 366),  # 0 would leave no shift anyone may take
    "max_shifts_per_period": (1, 1000),
    "max_weekends_per_period": (0, 6),
}
"""A rotation's rules (`RotationRules`) and the whole numbers each may be."""

POINT_KEYS = ("weekday_points", "weekend_points", "holiday_points")
"""A rotation's `weights` that give a shift its points (core/recommend.point_values)."""
POINTS_MAX = 100
GOAL_WEIGHT_MAX = 1_000_000


def check_rotation(*, shift: str, handoff: str, shift_hours: Any, handoff_weekday: Any, roles: list,
                   window_starts: list[str], rules: dict, weights: dict | None = None) -> None:
    """A rotation the planner can plan, or InvalidInput naming the key at fault (``field``: the
    team file's key, ``rules.<name>`` for a rule).  The team import checks every rotation with
    it, and the planner checks a stored rotation again before it solves."""
    if shift not in SHIFT_KINDS:
        raise InvalidInput(f"shift must be one of {', '.join(SHIFT_KINDS)}, not {shift!r}", field="shift")
    try:
        parse_hhmm(handoff)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="handoff") from None
    if not _whole(handoff_weekday) or not 0 <= handoff_weekday <= 6:
        raise InvalidInput(f"handoff_weekday must be 0 (Monday) to 6 (Sunday), not {handoff_weekday!r}",
                           field="handoff_weekday")
    if shift == "hours" and (not _whole(shift_hours) or shift_hours <= 0 or 24 % shift_hours):
        raise InvalidInput("shift_hours must divide a day (1, 2, 3, 4, 6, 8 or 12)", field="shift_hours")
    for role in roles:
        if role not in ROLES:
            raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}", field="roles")
    if len(set(roles)) < len(roles):
        twice = next(r for r in roles if roles.count(r) > 1)
        raise InvalidInput(f"role {twice!r} is listed twice", field="roles")
    if "primary" not in roles:
        raise InvalidInput("every rotation needs a primary role", field="roles")
    seen: set[str] = set()
    for start in window_starts:
        try:
            at = parse_hhmm(start).strftime("%H:%M")
        except (ValueError, AttributeError) as exc:
            raise InvalidInput(str(exc), field="windows") from None
        if at in seen:
            raise InvalidInput(f"two windows start at {at}: each window needs its own start", field="windows")
        seen.add(at)
    for key, value in rules.items():
        if key not in RULE_RANGES:
            raise InvalidInput(f"unknown rule {key!r} (expected one of {', '.join(RULE_RANGES)})",
                               field=f"rules.{key}")
        low, high = RULE_RANGES[key]
        if not _whole(value) or not low <= value <= high:
            why = " (0 would leave no shift anyone may take)" if low == 1 and value == 0 else ""
            raise InvalidInput(f"rule {key} must be a whole number from {low} to {high}, not {value!r}{why}",
                               field=f"rules.{key}")
    check_weights(weights or {})


def check_weights(weights: dict) -> None:
    """A rotation's `weights`: a shift's points (POINT_KEYS, 1 to 100) and the planner's goal
    weights (the fields of scheduler.problem.Weights, 0 to a million); any other key is a
    misspelling that would otherwise be ignored."""
    from dataclasses import fields

    from ..scheduler.problem import Weights

    goals = [f.name for f in fields(Weights)]
    for key, value in weights.items():
        if key in POINT_KEYS:
            low, high = 1, POINTS_MAX
        elif key in goals:
            low, high = 0, GOAL_WEIGHT_MAX
        else:
            raise InvalidInput(f"unknown weight {key!r} (expected one of {', '.join(POINT_KEYS + tuple(goals))})",
                               field=f"weights.{key}")
        if not _whole(value) or not low <= value <= high:
            raise InvalidInput(f"weight {key} must be a whole number from {low} to {high}, not {value!r}",
                               field=f"weights.{key}")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

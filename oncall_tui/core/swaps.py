"""The swap rules that need no database: how a request's state moves with the clock, when an ask
times out, the order of candidates, and link secrets.

A request's state is computed from its stored rows and the injected clock whenever anyone looks
(`advance`): nothing sleeps, and a reader sees the same state a writer would store.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .domain_swaps import OPEN_STATES, STATE_WORDS, Swap

DEFAULT_ANSWER_HOURS = 8  # how long an asked person has to answer (team setting swap_answer_hours)
DEFAULT_DEADLINE_HOURS = 48  # escalate an open request this long before the shift (swap_deadline_hours)
SECRET_BYTES = 32  # 256-bit link secrets


@dataclass(kw_only=True)
class AskState:
    """One ask as stored: what `advance` reads and moves."""

    id: int
    position: int
    state: str
    asked_at: datetime | None = None
    answered_at: datetime | None = None


@dataclass(kw_only=True)
class RequestState:
    """A request as stored: what `advance` reads and moves."""

    status: str
    mode: str
    starts: datetime  # the part's start: nobody can take it after that
    escalate_at: datetime | None
    answer_by: datetime | None
    asks: list[AskState] = field(default_factory=list)
    closed_at: datetime | None = None
    changed: bool = False


def settings_hours(settings: dict | None, key: str, default: int) -> int:
    """A team's hours setting (swap_answer_hours, swap_deadline_hours), a whole number >= 0."""
    value = (settings or {}).get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def escalate_at(shift_start: datetime, deadline_hours: int) -> datetime:
    return shift_start - timedelta(hours=deadline_hours)


def answer_deadline(asked_at: datetime, window_hours: int, escalate: datetime | None, starts: datetime) -> datetime:
    """When an ask made at `asked_at` times out: after the team's answer window, never past the
    swap deadline (unless the ask comes after it: then the part's start), never past the start."""
    due = asked_at + timedelta(hours=window_hours)
    if escalate is not None and asked_at < escalate:
        due = min(due, escalate)
    return min(due, starts)


def next_ask(req: RequestState, at: datetime, window_hours: int) -> bool:
    """Ask the next waiting person (ordered requests) at `at`; False when nobody is left."""
    waiting = sorted((a for a in req.asks if a.state == "waiting"), key=lambda a: a.position)
    if not waiting:
        return False
    waiting[0].state = "asked"
    waiting[0].asked_at = at
    req.answer_by = answer_deadline(at, window_hours, req.escalate_at, req.starts)
    req.changed = True
    return True


def close(req: RequestState, status: str, at: datetime) -> None:
    """End the request: asks still open are withdrawn, the ones never asked skipped."""
    req.status = status
    req.closed_at = at
    req.answer_by = None
    for a in req.asks:
        if a.state == "asked":
            a.state = "withdrawn"
        elif a.state == "waiting":
            a.state = "skipped"
    req.changed = True


def after_answer(req: RequestState, at: datetime, window_hours: int) -> None:
    """Someone declined (or timed out): ask the next one; when nobody is left the request
    escalates to the team's managers at once (an uncovered shift is never silent): it stays open
    for a manager to give, and the requester stays marked as asking for cover."""
    if any(a.state == "asked" for a in req.asks):
        return
    if next_ask(req, at, window_hours):
        return
    req.status = "escalated"
    req.answer_by = None
    req.changed = True


def escalation_reason(asks: list) -> str:
    """Why an escalated request went to the managers, when it is its asks and not the swap
    deadline: "everyone asked declined", "nobody asked answered in time" (or both mixed); ""
    while someone is still asked or waiting (then the deadline escalated it).  `asks`: anything
    with a `state` (AskState, SwapAsk)."""
    states = {a.state for a in asks}
    if states & {"asked", "waiting"}:
        return ""
    if states == {"declined"}:
        return "everyone asked declined"
    if states <= {"timed_out"}:
        return "nobody asked answered in time"
    return "everyone asked declined or did not answer in time"


def advance(req: RequestState, now: datetime, window_hours: int) -> RequestState:
    """Bring `req` up to `now`: asks past their time out, the next one asked at that moment,
    escalation at the swap deadline, and the end when the part starts untaken.  Changes `req`
    in place (`req.changed` says whether anything moved) and returns it."""
    while req.status in OPEN_STATES:
        due = req.answer_by
        events = [t for t in (due, req.escalate_at if req.status == "open" else None, req.starts)
                  if t is not None and t <= now]
        if not events:
            break
        at = min(events)
        if at == req.starts:  # the part begins untaken: the requester still holds it
            for a in req.asks:
                if a.state == "asked":
                    a.state = "timed_out"
                    a.answered_at = at
            close(req, "timed_out", at)
            break
        if req.status == "open" and req.escalate_at is not None and req.escalate_at == at:
            req.status = "escalated"
            req.changed = True
            if due != at:
                continue
        if due is not None and due == at:
            req.answer_by = None
            for a in req.asks:
                if a.state == "asked":
                    a.state = "timed_out"
                    a.answered_at = at
            req.changed = True
            after_answer(req, at, window_hours)
            if req.status in OPEN_STATES and req.answer_by is None:
                break  # nothing more will time out (everyone mode after its deadline)
    return req


def rank_key(level: int, points: float, share: float, login: str) -> tuple:
    """Fairest first: the highest recommendation level (owed the most), then the most points
    still below their share, then by login (stable)."""
    return (-level, points - share, login)


def points_of_part(shift_points: float, shift_start: datetime, shift_end: datetime,
                   start: datetime, end: datetime) -> float:
    """A part's points: the shift's, in proportion to the hours covered (rounded to 0.1)."""
    whole = (shift_end - shift_start).total_seconds()
    if whole <= 0:
        return 0.0
    return round(shift_points * (end - start).total_seconds() / whole, 1)


def link_secret(key: bytes, kind: str, *parts: object) -> str:
    """The secret of a link: an HMAC of what it is for (kind, ask, person) under a key kept
    outside the database, 256 bits, URL-safe.  The database holds only `secret_hash`."""
    import base64

    message = "|".join([kind, *(str(p) for p in parts)]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:SECRET_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def after_decline(swap: Swap) -> str:
    """What a request does after a decline, in one sentence, from its state as it now stands:
    who is asked now, that the others asked may still take it, or that nobody is left and the
    team's managers are told (what the inbox, the CLI and the link page say to the decliner)."""
    if swap.taken_by is not None and swap.state in ("agreed", "overridden"):
        return f"{swap.taken_by.name} takes it."
    if swap.state not in OPEN_STATES:
        return f"The request is {STATE_WORDS.get(swap.state, swap.state.replace('_', ' '))}."
    asked = [a.person.name for a in sorted(swap.asks, key=lambda a: a.position) if a.state == "asked"]
    if asked and swap.mode == "everyone":
        return "The others asked can still take it."
    if asked:
        return f"{', '.join(asked)} {'is' if len(asked) == 1 else 'are'} asked now."
    return "Nobody else is left to ask: the team's managers are told."


def took_it(swap: Swap, taker_is_viewer: bool = True) -> str:
    """What an agreement did, for the one who agreed (or the manager who agreed for them)."""
    who = swap.taken_by.name if swap.taken_by is not None else "they"
    text = "You take it: the shift is yours now" if taker_is_viewer else f"{who} takes it: the shift is theirs now"
    if swap.trade_uid:
        text += f", and {swap.requester.name} takes " + ("yours" if taker_is_viewer else "theirs") + " in return"
    return text + "."

"""Plain data of the swaps area: "I can't make it", who could take it, who was asked, who took it.

These cross the backend interface (and `--json`) like the shapes in `domain.py`.  Datetimes are
aware and in UTC.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .domain import Assignment, PersonRef, ShiftDetail

#: A request's states.  "open": someone is being asked; "agreed": someone took it (the
#: assignment changed); "declined": everyone asked said no; "timed_out": nobody answered in
#: time; "cancelled": the requester (or a manager) withdrew it; "escalated": still open when the
#: team's swap deadline came, the team's managers see it; "overridden": a manager gave the shift
#: to someone directly (or undid a swap); "superseded": the plan it was asked under was
#: re-published (planning's publish closes it: the asks withdrawn, the requester told to ask
#: again if they still need cover).
SWAP_STATES = ("open", "agreed", "declined", "timed_out", "cancelled", "escalated", "overridden", "superseded")
#: One asked person's states.  "waiting": later in an ordered list, not asked yet; "skipped":
#: never asked (someone else agreed first, or the request ended); "withdrawn": asked, then the
#: request ended before they answered.
ASK_STATES = ("waiting", "asked", "agreed", "declined", "timed_out", "skipped", "withdrawn")
ASK_MODES = ("one", "ordered", "everyone", "trade", "assign")
#: The states in which a request may still be answered (an escalated one too: a manager sees it,
#: but the people asked may still agree).
OPEN_STATES = ("open", "escalated")

STATE_WORDS = {
    "open": "open",
    "agreed": "taken",
    "declined": "declined by everyone asked",
    "timed_out": "nobody answered in time",
    "cancelled": "cancelled",
    "escalated": "escalated to the managers",
    "overridden": "set by a manager",
    "superseded": "closed: the plan was re-published",
}


@dataclass(frozen=True, kw_only=True)
class SwapCandidate:
    """Somebody who could take the part, ranked (1 = the best), with why in one line."""

    person: PersonRef
    rank: int
    level: int  # recommendation level (core/recommend.level_of): 1 spare them .. 5 lean on them
    points_month: float  # their points this month so far (published shifts and covers)
    share_month: float  # their fair share of this month
    reason: str
    points_part: float = 0.0  # what taking the part adds to points_month (added field)


@dataclass(frozen=True, kw_only=True)
class SwapAsk:
    """One person asked (or to be asked) to take a request."""

    person: PersonRef
    position: int
    state: str  # ASK_STATES
    asked_at: datetime | None = None
    answered_at: datetime | None = None
    reason: str = ""  # a decline's reason


@dataclass(frozen=True, kw_only=True)
class Swap:
    """A request to take (part of) a shift, as the viewer sees it."""

    id: int
    version: int
    team: str
    rotation: str  # its name
    role: str
    shift_uid: str
    start: datetime  # the part to be covered
    end: datetime
    shift_start: datetime
    shift_end: datetime
    requester: PersonRef
    mode: str  # ASK_MODES
    state: str  # SWAP_STATES
    note: str
    created_at: datetime
    answer_by: datetime | None = None  # when the current ask times out
    escalate_at: datetime | None = None  # the team's swap deadline before the shift
    taken_by: PersonRef | None = None
    trade_uid: str | None = None  # a shift the requester takes in return
    asks: tuple[SwapAsk, ...] = ()
    partners: tuple[PersonRef, ...] = ()  # who the viewer would be on call with: a person asked,
    # on taking it (the requester in place of a shift a trade gives them); the requester and the
    # managers, whom the requester is on call with on that shift
    my_part: str = "team"  # "incoming" | "outgoing" | "team", for the viewer
    my_load: str = ""  # incoming: what agreeing does to my month
    acted_by: str = ""  # login of a manager who acted for someone
    link: str = ""  # the viewer's own answer link (an open ask of theirs): the team's server_url +
    # "/links/swap/<secret>", or just the path when the team has no server_url
    # -- added fields -----------------------------------------------------------------------
    state_words: str = ""  # the state in words ("taken by Gus Lindqvist")
    closed_at: datetime | None = None
    trade_start: datetime | None = None  # the traded shift's times (mode "trade")
    trade_end: datetime | None = None
    message: str = ""  # what the act did, when it is not the state ("You already agreed; the shift is yours.")


@dataclass(frozen=True, kw_only=True)
class SwapLink:
    """What an answer link shows: the request, whose link it is, and whether it can still be used."""

    swap: Swap
    person: PersonRef
    can_answer: bool
    message: str


@dataclass(frozen=True, kw_only=True)
class CantLink:
    """What a "can't make it" link shows: the holder's shift, any request already open for it,
    and the ranked candidates a request would ask."""

    shift: ShiftDetail
    person: PersonRef
    open_swap: Swap | None = None
    candidates: tuple[SwapCandidate, ...] = ()
    can_request: bool = True
    message: str = ""
    # -- added fields -----------------------------------------------------------------------
    #: when others cover some of the shift or a request is open for some of it: the hours the
    #: holder still holds, not started and not asked for (time order; the candidates are ranked
    #: for the first), and who covers what, in words; both empty when nobody covers any of it
    #: and nothing is asked
    held: tuple[Assignment, ...] = ()
    covered: str = ""

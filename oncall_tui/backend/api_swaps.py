"""The swaps part of the backend interface: asking someone to take a shift, answering, managers' acts.

The link pages (`/links/swap/<secret>`, `/links/cant/<secret>`) call the `*link*` methods: the
secret in the URL is the whole authority (policy "link": no sign-in), the service checks it, and
a wrong, used or expired secret is NotFound naming nobody.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .registry import allow, read, write

if TYPE_CHECKING:  # resolved by registry.api_methods() when needed
    from ..core.domain import ShiftDetail
    from ..core.domain_swaps import CantLink, Swap, SwapCandidate, SwapLink


class SwapsAPI:
    @read(allow("member", assignment="shift_uid"))
    def swap_candidates(self, shift_uid: str, start: datetime | None = None,
                        end: datetime | None = None) -> list[SwapCandidate]:
        """Who could take the shift (or the part start..end), best first, each with a one-line
        reason: eligible, available, not on call elsewhere, rested; fairest load first.
        The shift's holder or a manager of its team."""
        raise NotImplementedError

    @read(allow("member", assignment="shift_uid"))
    def swap_trade_options(self, shift_uid: str, login: str) -> list[ShiftDetail]:
        """`login`'s shifts still to come that the holder of `shift_uid` may take in return for it
        (and with which `login` may take it): the shifts a trade may offer.  The shift's holder or
        a manager of its team."""
        raise NotImplementedError

    @write(allow("member", assignment="shift_uid"))
    def swap_request(self, shift_uid: str, start: datetime | None = None, end: datetime | None = None,
                     ask: list[str] | None = None, top: int | None = None, everyone: bool = False,
                     note: str = "", trade_uid: str | None = None) -> Swap:
        """Ask for cover: one login ("one"), several in order ("ordered"), the best `top`
        candidates in order, or `everyone` (first agreement wins); `trade_uid`: a shift of the
        asked person's the requester takes in return.  Default: the best 3 in order.  The holder
        (or a manager); the holder is marked unavailable for the part."""
        raise NotImplementedError

    @read(allow("member", team="team"))
    def swaps(self, team: str | None = None, include_closed: bool = False) -> list[Swap]:
        """My incoming asks and my own requests (a manager: the team's open ones too), nearest
        shift first."""
        raise NotImplementedError

    @read(allow("member", swap="swap_id"))
    def swap(self, swap_id: int) -> Swap:
        """One request: a party to it or a manager of its team."""
        raise NotImplementedError

    @write(allow("member", swap="swap_id"))
    def swap_agree(self, swap_id: int, as_login: str | None = None) -> Swap:
        """Take the request's shift (part): the assignment changes at once.  `as_login`: a
        manager answering for someone who cannot."""
        raise NotImplementedError

    @write(allow("member", swap="swap_id"))
    def swap_decline(self, swap_id: int, reason: str = "", as_login: str | None = None) -> Swap:
        """Say no (with an optional reason); an ordered request asks the next person."""
        raise NotImplementedError

    @write(allow("member", swap="swap_id"))
    def swap_cancel(self, swap_id: int) -> Swap:
        """Withdraw a request (the requester or a manager); the unavailable mark it made goes."""
        raise NotImplementedError

    @write(allow("manager", assignment="shift_uid"))
    def swap_assign(self, shift_uid: str, login: str, start: datetime | None = None,
                    end: datetime | None = None) -> Swap:
        """Give the shift (or part) straight to someone (managers): state "overridden"."""
        raise NotImplementedError

    @write(allow("manager", swap="swap_id"))
    def swap_undo(self, swap_id: int) -> Swap:
        """Undo an agreed or assigned swap (managers): the earlier holder is back."""
        raise NotImplementedError

    @read(allow("member", assignment="shift_uid"))
    def cant_make_it_link(self, shift_uid: str) -> str:
        """The holder's "can't make it" link for a shift: the path "/links/cant/<secret>"."""
        raise NotImplementedError

    @read(allow("link"))
    def swap_link(self, secret: str) -> SwapLink:
        """What an answer link shows (changes nothing: mail scanners fetch every GET)."""
        raise NotImplementedError

    @write(allow("link"))
    def swap_link_answer(self, secret: str, agree: bool, reason: str = "") -> SwapLink:
        """Agree or decline through an answer link; a link works once."""
        raise NotImplementedError

    @read(allow("link"))
    def cant_link(self, secret: str) -> CantLink:
        """What a "can't make it" link shows: the shift, any open request, the candidates."""
        raise NotImplementedError

    @write(allow("link"))
    def cant_link_request(self, secret: str, start: datetime | None = None, end: datetime | None = None,
                          top: int | None = None, everyone: bool = False, note: str = "") -> Swap:
        """Ask for cover through a "can't make it" link (as `swap_request` with top/everyone)."""
        raise NotImplementedError

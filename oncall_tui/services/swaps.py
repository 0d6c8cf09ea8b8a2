"""Swaps: "I can't make it", who could take it, asking, answering, and the managers' acts."""
from __future__ import annotations

from datetime import datetime

from ..core.domain_swaps import CantLink, Swap, SwapCandidate, SwapLink
from .base import ServiceBase, ServiceContext
from .context import EligibilityFor, RecommendationsFor


class SwapsService(ServiceBase):
    SERVES = ("swap_candidates", "swap_request", "swaps", "swap", "swap_agree", "swap_decline", "swap_cancel",
              "swap_assign", "swap_undo", "cant_make_it_link", "swap_link", "swap_link_answer", "cant_link",
              "cant_link_request")

    def __init__(self, ctx: ServiceContext, eligibility: EligibilityFor,
                 recommendations: RecommendationsFor) -> None:
        super().__init__(ctx)
        self.eligibility = eligibility
        self.recommendations = recommendations

    def swap_candidates(self, shift_uid: str, start: datetime | None = None,
                        end: datetime | None = None) -> list[SwapCandidate]:
        raise NotImplementedError

    def swap_request(self, shift_uid: str, start: datetime | None = None, end: datetime | None = None,
                     ask: list[str] | None = None, top: int | None = None, everyone: bool = False,
                     note: str = "", trade_uid: str | None = None) -> Swap:
        raise NotImplementedError

    def swaps(self, team: str | None = None, include_closed: bool = False) -> list[Swap]:
        raise NotImplementedError

    def swap(self, swap_id: int) -> Swap:
        raise NotImplementedError

    def swap_agree(self, swap_id: int, as_login: str | None = None) -> Swap:
        raise NotImplementedError

    def swap_decline(self, swap_id: int, reason: str = "", as_login: str | None = None) -> Swap:
        raise NotImplementedError

    def swap_cancel(self, swap_id: int) -> Swap:
        raise NotImplementedError

    def swap_assign(self, shift_uid: str, login: str, start: datetime | None = None,
                    end: datetime | None = None) -> Swap:
        raise NotImplementedError

    def swap_undo(self, swap_id: int) -> Swap:
        raise NotImplementedError

    def cant_make_it_link(self, shift_uid: str) -> str:
        raise NotImplementedError

    def swap_link(self, secret: str) -> SwapLink:
        raise NotImplementedError

    def swap_link_answer(self, secret: str, agree: bool, reason: str = "") -> SwapLink:
        raise NotImplementedError

    def cant_link(self, secret: str) -> CantLink:
        raise NotImplementedError

    def cant_link_request(self, secret: str, start: datetime | None = None, end: datetime | None = None,
                          top: int | None = None, everyone: bool = False, note: str = "") -> Swap:
        raise NotImplementedError

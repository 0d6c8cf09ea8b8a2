"""Swaps: "I can't make it", who could take it, asking, answering, and the managers' acts.

One request is one `SwapRequest` row and an `SwapOffer` row per person asked.  Its state moves
only by a conditional UPDATE on its id, version and state inside the write transaction
(`_move`): of two answers at the same moment (two processes on one SQLite file, two `oncall
serve` workers on PostgreSQL) the database lets exactly one through, and the other is told the
state it lost to.  Time-outs and the swap deadline follow the injected clock: every read and
write first brings the request up to now (`core.swaps.advance`); nothing sleeps.

On agreement the published assignment changes in the same transaction: the whole shift changes
hands (the slot's uid stays), or a `Cover` row gives the taker exactly the hours of the part.
Who may be asked is the planner's own check (`scheduler.validate` on the month's problem built by
`PlanData`, with the swap applied), so eligibility, availability, other rotations, rest and
consecutive-day rules have one home.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import peewee as pw

from ..core.calendar_text import names_joined
from ..core.checks import check_swap_text
from ..core.domain import ShiftDetail
from ..core.domain_swaps import OPEN_STATES, STATE_WORDS, CantLink, Swap, SwapAsk, SwapCandidate, SwapLink
from ..core.errors import Conflict, InvalidInput, NotAllowed, NotFound, UnknownUser
from ..core.months import month_of
from ..core.shifts import outside
from ..core.swaps import (
    DEFAULT_ANSWER_HOURS,
    DEFAULT_DEADLINE_HOURS,
    AskState,
    RequestState,
    advance,
    after_answer,
    after_decline,
    answer_deadline,
    close,
    escalate_at,
    escalation_reason,
    points_of_part,
    rank_key,
    secret_hash,
    settings_hours,
    took_it,
)
from ..core.text import local, safe_text, span
from ..store import models as m
from . import convert
from .availability import SWAP_MARK_NOTE
from .base import AfterCommit, ServiceBase, ServiceContext
from .context import EligibilityFor, RecommendationsFor
from .core import pieces_of
from .links import (
    ANSWER_PATH,
    CANT_MAC_LENGTH,
    answer_secret,
    cant_assignment_id,
    cant_mac,
    cant_path,
    cant_secret,
    full_link,
)
from .planning_data import PlanData

_REMEMBERED: dict[tuple, Any] = {}
NO_LINK = "this link is not valid: it may have been used already or have expired"
MAX_TOP = 50
MAX_TRADE_OPTIONS = 20  # the next shifts of the person asked that a trade picker weighs


@dataclass
class _Shift:
    """A published shift role and who holds it now."""

    slot: m.Slot
    rot: m.Rotation
    team: m.Team
    assignment: m.Assignment
    plan: m.Plan


@dataclass
class _Fit:
    """Who could take a part, with the figures of their rank; `why_not` when they cannot."""

    person: m.Person
    level: int
    level_why: str
    points: float
    share: float
    part: float
    why_not: str = ""


class SwapsService(ServiceBase):
    SERVES = ("swap_candidates", "swap_request", "swaps", "swap", "swap_agree", "swap_decline", "swap_cancel",
              "swap_assign", "swap_undo", "swap_trade_options", "cant_make_it_link", "swap_link",
              "swap_link_answer", "cant_link", "cant_link_request")

    def __init__(self, ctx: ServiceContext, eligibility: EligibilityFor,
                 recommendations: RecommendationsFor) -> None:
        """`eligibility(team)` and `recommendations(team, month)`: the other areas' (as the planner's)."""
        super().__init__(ctx)
        self.eligibility = eligibility
        self.recommendations = recommendations

    # ======================================================================================
    # candidates
    def swap_candidates(self, shift_uid: str, start: datetime | None = None,
                        end: datetime | None = None) -> list[SwapCandidate]:
        def run() -> list[SwapCandidate]:
            shift = self._shift(shift_uid)
            covers = self._covers(shift)
            self._require_on_it(shift, covers, "see who could take it")
            part = self._part(shift, start, end, covers)
            holder = self._holder(shift, part, covers)
            self._require_holder_or_manager(shift, "see who could take it", holder)
            return self._ranked(shift, part, holder)
        return self._read(run)

    def _ranked(self, shift: _Shift, part: tuple[datetime, datetime], holder: m.Person | None = None,
                fits: list[_Fit] | None = None) -> list[SwapCandidate]:
        fits = [f for f in (self._fits(shift, part, holder=holder) if fits is None else fits) if not f.why_not]
        fits.sort(key=lambda f: rank_key(f.level, f.points, f.share, f.person.login))
        out = []
        for rank, f in enumerate(fits, 1):
            below = f.share - f.points
            standing = (f"{below:g} below" if below > 0 else f"{-below:g} above" if below < 0 else "at") \
                + " their share"
            out.append(SwapCandidate(
                person=convert.person_ref(f.person), rank=rank, level=f.level, points_month=f.points,
                share_month=f.share, points_part=f.part,
                reason=(f"level {f.level}: {f.points:g} of a {f.share:g}-point share this month "
                        f"({standing}); taking it makes {f.points + f.part:g}")))
        return out

    def _fits(self, shift: _Shift, part: tuple[datetime, datetime], only: set[int] | None = None,
              trade: _Shift | None = None, holder: m.Person | None = None) -> list[_Fit]:
        """Everyone on the rotation but the holder of `part` (the shift's person unless someone
        covers those hours), each checked by the planner's own rules with the swap applied (and,
        for a trade, the requester given the traded shift).  When the hours asked are covered,
        the shift's own person gave them away: they are not asked to take them back (a manager
        undoes that swap instead)."""
        from ..scheduler.fairness import fair_shares, loads
        from ..scheduler.validate import validate

        built = self._month_problem(shift)
        problem = built.problem
        sid = built.id_of.get(shift.slot.start)
        if sid is None:
            raise InvalidInput("that shift is not part of its rotation's plan any more; ask a manager")
        plan_cells: dict[tuple[str, str], str] = {}
        for a in (m.Assignment.select(m.Assignment.person, m.Slot.start, m.Slot.role, m.Person.login)
                  .join(m.Slot).switch(m.Assignment).join(m.Person)
                  .where(m.Assignment.plan == shift.plan)):
            cell_sid = built.id_of.get(a.slot.start)
            if cell_sid is not None:
                plan_cells[(cell_sid, a.slot.role)] = a.person.login
        holder_login = (holder or shift.assignment.person).login
        gave_away = shift.assignment.person.login if holder_login != shift.assignment.person.login else None
        raw, _ = loads(problem, plan_cells)
        points: dict[str, float] = {k: float(v) for k, v in raw.items()}
        weight = {s.id: s.weight for s in problem.shifts}
        for c in (m.Cover.select(m.Cover, m.Assignment, m.Slot, m.Person).join(m.Assignment).join(m.Slot)
                  .switch(m.Cover).join(m.Person, on=(m.Cover.person == m.Person.id))
                  .where(m.Assignment.plan == shift.plan)):
            cell = built.id_of.get(c.assignment.slot.start)
            if cell is None:
                continue
            moved = points_of_part(weight[cell], c.assignment.slot.start, c.assignment.slot.end, c.start, c.end)
            owner = plan_cells.get((cell, c.assignment.slot.role))
            points[c.person.login] = points.get(c.person.login, 0.0) + moved
            if owner is not None:
                points[owner] = points.get(owner, 0.0) - moved
        shares = fair_shares(problem)
        shift_weight = weight[sid]
        part_points = points_of_part(shift_weight, shift.slot.start, shift.slot.end, *part)
        people = {p.login: p for p in m.Person.select().where(m.Person.login.in_(list(built.members)))}
        # hours people already cover elsewhere (a swap of some hours, any rotation): not free then
        covering: dict[int, m.Cover] = {}
        for c in (m.Cover.select(m.Cover, m.Assignment, m.Slot, m.Rotation).join(m.Assignment).join(m.Slot)
                  .join(m.Rotation).switch(m.Assignment).join(m.Plan)
                  .where((m.Plan.status == "published") & (m.Cover.start < part[1]) & (m.Cover.end > part[0])
                         & (m.Cover.assignment != shift.assignment))):
            covering.setdefault(c.person_id, c)
        out = []
        for person_id in sorted(built.members):
            if person_id == holder_login or person_id not in people:
                continue
            person = people[person_id]
            if only is not None and person.id not in only:
                continue
            member = built.members[person_id]
            mine = {k: v for k, v in plan_cells.items() if v == person_id}
            trial = dict(mine)
            trial[(sid, shift.slot.role)] = person_id
            if trade is not None:  # they give the traded shift away
                trade_sid = built.id_of.get(trade.slot.start)
                trial.pop((trade_sid or "", trade.slot.role), None)
            before = {v.message for v in validate(problem, mine)}
            new = [v for v in validate(problem, trial) if v.message not in before]
            why = ""
            if new:
                v = new[0]
                why = (built.ineligible_why.get((person_id, sid, shift.slot.role)) if v.rule == "not_eligible"
                       else built.unavailable_why.get((person_id, sid)) if v.rule == "unavailable"
                       else None) or v.message
            held = covering.get(person.id)
            if person_id == gave_away:
                why = "they gave these hours away (a manager can undo that swap)"
            if not why and held is not None:
                tz = ZoneInfo(person.tz or "UTC")
                why = (f"covers {held.assignment.slot.rotation.name} {held.assignment.slot.role} "
                       f"{held.start.astimezone(tz):%a %d %b %H:%M}-{held.end.astimezone(tz):%H:%M} then")
            share = shares.get(person_id)
            out.append(_Fit(person=person, level=member.level or 3, level_why=member.level_why,
                            points=round(points.get(person_id, 0.0), 1),
                            share=round(share.target, 1) if share is not None else 0.0,
                            part=part_points, why_not=why))
        return out

    def _month_problem(self, shift: _Shift):
        """The planner's problem of the shift's month, as the planner builds it, with the one
        eligibility rule asked only about this shift and role: the other cells are the people's
        own already, and only what the swap adds is judged (a month of checks costs ~1 s for 50).

        The month itself (everyone eligible everywhere) is gathered once and kept while nothing
        changes (`_remembered`; never inside a write, whose own changes are not counted yet), so
        an inbox of asks and a dialog asking again and again gather it once; each shift then
        gets a copy with its own eligibility."""
        import copy

        from ..scheduler.problem import Problem

        start, role = shift.slot.start, shift.slot.role
        month = month_of(shift.plan.first_day)

        def recommendations(team: m.Team, month: str):
            return self._remembered(f"recommendations:{month}", team, lambda: self.recommendations(team, month))

        def gather():  # nobody's eligibility judged: only this shift's is, below
            return PlanData(self.ctx, self.eligibility, recommendations)._gather(shift.rot, month, judge=False)

        base = gather() if self.ctx.writing() else \
            self._remembered(f"month:{shift.rot.id}:{month}", shift.team, gather)
        real = self._remembered("eligibility", shift.team, lambda: self.eligibility(shift.team))
        problem: Problem = copy.copy(base.problem)  # as it is: no need to check its fields again
        problem.eligible = set(base.problem.eligible or ())
        built = dataclasses.replace(base, problem=problem, ineligible_why=dict(base.ineligible_why))
        sid = built.id_of.get(start)
        if sid is not None and problem.eligible is not None:
            rows: Any = (m.Person.select(m.Person.login, m.Person.id)
                         .where(m.Person.login.in_(list(built.members))).tuples())
            ids: dict[str, int] = dict(rows)
            for login in built.members:
                if (login, sid, role) not in problem.eligible or login not in ids:
                    continue  # not theirs to take at all (another region's window)
                ok, why = real(ids[login], role, start)
                if not ok:
                    problem.eligible.discard((login, sid, role))
                    built.ineligible_why[(login, sid, role)] = why or f"not eligible as {role}"
        return built

    def _remembered(self, what: str, team: m.Team, make: Callable[[], Any]) -> Any:
        """What another area computed for `team`, kept while nothing in the database changes (the
        change counter moves with every write) and the clock says the same minute: candidates are
        asked for again and again while nobody writes (the ask dialog, the inbox, a server)."""
        minute = self._now().replace(second=0, microsecond=0)
        key = (str(self.db.database), what, team.id, self.ctx.change_seq(), minute)
        found = _REMEMBERED.get(key)
        if found is None:
            found = make()
            if len(_REMEMBERED) >= 32:
                _REMEMBERED.pop(next(iter(_REMEMBERED)))
            _REMEMBERED[key] = found
        return found

    # ======================================================================================
    # asking
    def swap_request(self, shift_uid: str, start: datetime | None = None, end: datetime | None = None,
                     ask: list[str] | None = None, top: int | None = None, everyone: bool = False,
                     note: str = "", trade_uid: str | None = None) -> Swap:
        note = check_swap_text(note)
        return self._write(lambda: self._request(shift_uid, start, end, ask, top, everyone, note, trade_uid))

    def _request(self, shift_uid: str, start: datetime | None, end: datetime | None, ask: list[str] | None,
                 top: int | None, everyone: bool, note: str, trade_uid: str | None,
                 acted_by: str = "") -> Any:
        now = self._now()
        shift = self._shift(shift_uid, lock=True)
        me = self._me()
        covers = self._covers(shift)
        if not self._on_it(shift, covers, me):
            self._given_away(shift, me, None)
        self._require_on_it(shift, covers, "ask for cover for it")
        part = self._part(shift, start, end, covers)
        requester = self._holder(shift, part, covers)
        if requester.id != me.id and not self._is_manager(shift.team):
            self._given_away(shift, me, part)
        self._require_holder_or_manager(shift, "ask for cover for it", requester)
        if part[0] <= now:
            raise InvalidInput(f"that shift already started ({self._when(shift.slot.start, me)}); "
                               f"ask a manager to reassign it", field="start")
        open_one = self._open_over(shift, part)
        if open_one is not None:
            hours = self._part_of(open_one)
            which = ("that shift" if hours == (shift.slot.start, shift.slot.end)
                     else f"{self._when(hours[0], me)}-{self._when(hours[1], me, time_only=True)} of that shift")
            raise Conflict(f"swap {open_one.id} for {which} is already open "
                           f"({STATE_WORDS[open_one.status]}); cancel it first to ask again",
                           fresh=self._view(open_one, me))
        chosen = [a for a in (ask or []) if a]
        if sum(bool(x) for x in (chosen, top, everyone)) > 1:
            raise InvalidInput("ask named people, the top N or everyone: one of them", field="ask")
        if top is not None and not 1 <= top <= MAX_TOP:
            raise InvalidInput(f"top must be between 1 and {MAX_TOP}", field="top")
        trade = None
        if trade_uid:
            if requester.id != shift.assignment.person_id:
                raise InvalidInput("a trade gives a shift of your own for one of theirs; for hours you cover, "
                                   "ask for cover instead", field="trade_uid")
            if len(chosen) != 1:
                raise InvalidInput("a trade asks one person (--ask LOGIN) for one of their shifts", field="trade_uid")
            trade = self._shift(trade_uid, lock=True)
            if trade.assignment.person.login != chosen[0]:
                raise InvalidInput(f"{self._shift_words(trade, me)} is not {chosen[0]}'s shift", field="trade_uid")
            if trade.slot.start <= now:
                raise InvalidInput("the shift offered in return already started", field="trade_uid")
            why = self._trade_refusal(shift, trade)
            if why:
                raise InvalidInput(f"{requester.name} cannot take {self._shift_words(trade, me)} in return: {why}",
                                   field="trade_uid")
        all_fits = self._fits(shift, part, trade=trade, holder=requester)
        fits = {f.person.login: f for f in all_fits}
        ranked = [c.person.login for c in self._ranked(shift, part, requester,
                                                       all_fits if trade is None else None)]
        if chosen:
            for login in chosen:
                fit = fits.get(login)
                if fit is None:
                    person = m.Person.get_or_none(m.Person.login == login)
                    if person is None:
                        raise NotFound(f"nobody with login '{login}'", entity="person", id=login)
                    raise InvalidInput(f"{person.name} cannot be asked: "
                                       + ("it is their own shift" if person.id == requester.id
                                          else "they are not on this rotation"), field="ask")
                if fit.why_not:
                    raise InvalidInput(f"{fit.person.name} cannot be asked: {fit.why_not}", field="ask")
            if len(set(chosen)) != len(chosen):
                raise InvalidInput("a person is named twice", field="ask")
            logins = chosen
            mode = "trade" if trade else "one" if len(chosen) == 1 else "ordered"
        elif everyone:
            logins, mode = ranked, "everyone"
        else:
            logins = ranked[:top or 3]
            mode = "one" if len(logins) == 1 else "ordered"
        if not logins:
            raise InvalidInput("nobody can take it: everyone on the rotation is ineligible, away, on call "
                               "elsewhere or would break a rest rule; ask a manager to assign someone")
        settings = shift.team.settings
        window = settings_hours(settings, "swap_answer_hours", DEFAULT_ANSWER_HOURS)
        escalate = escalate_at(shift.slot.start, settings_hours(settings, "swap_deadline_hours",
                                                                DEFAULT_DEADLINE_HOURS))
        whole = part == (shift.slot.start, shift.slot.end) and requester.id == shift.assignment.person_id
        req = m.SwapRequest.create(
            slot=shift.slot, requester=requester, mode=mode, status="open", note=note, created_at=now,
            deadline=escalate, start=None if whole else part[0], end=None if whole else part[1],
            plan=shift.plan, trade_slot=trade.slot if trade else None, acted_by=acted_by,
            created_by=me, answer_by=None if mode == "everyone" else answer_deadline(now, window, escalate, part[0]))
        for position, login in enumerate(logins):
            first = mode == "everyone" or position == 0
            offer = m.SwapOffer.create(request=req, candidate=fits[login].person, position=position,
                                       state="asked" if first else "waiting", asked_at=now if first else None)
            offer.token_hash = secret_hash(answer_secret(offer))
            offer.save()
        req.mark = self._mark_unavailable(requester, shift, req.id, None if whole else part)
        req.save()
        self._audit("swap_requested", "swap", req.id, shift.team, shift=shift.slot.uid, mode=mode,
                    requester=requester.login, asked=logins, start=part[0], end=part[1],
                    **({"acted_for": requester.login} if me.id != requester.id else {}))
        self._outbox("swap_asked", {"swap": req.id, "asked": logins if mode == "everyone" else logins[:1]})
        self._mail_asks(req, [o for o in req.offers if o.state == "asked"])
        return AfterCommit(lambda: self._view(m.SwapRequest.get_by_id(req.id), me))

    def _trade_refusal(self, shift: _Shift, trade: _Shift) -> str:
        """Why the holder of `shift` cannot take `trade` in return ("" when they can)."""
        requester = shift.assignment.person
        covered = self._trade_covered(trade)
        if covered:
            return covered
        back = self._fits(trade, (trade.slot.start, trade.slot.end), only={requester.id}, trade=shift)
        if not back:
            return f"{requester.name} is not on that rotation"
        return back[0].why_not

    def _trade_covered(self, trade: _Shift) -> str:
        """Why `trade` cannot be given in return while others cover some of its hours ("" when
        nobody does): a trade hands over whole shifts, and those hours are not its person's to give."""
        who = sorted({c.person.name for c in self._covers(trade)})
        return f"{names_joined(who)} {'covers' if len(who) == 1 else 'cover'} some hours of it" if who else ""

    def _shift_words(self, shift: _Shift, viewer: m.Person) -> str:
        """A shift in words for a refusal: "Sun 06 Dec primary" (in the viewer's zone)."""
        day = shift.slot.start.astimezone(ZoneInfo(viewer.tz or "UTC")).strftime("%a %d %b")
        return f"{day} {shift.slot.role}"

    def swap_trade_options(self, shift_uid: str, login: str) -> list[ShiftDetail]:
        """`login`'s shifts still to come that the holder of `shift_uid` may take in return for it,
        with `login` able to take `shift_uid` when they give it: what a trade picker offers."""
        def run() -> list[ShiftDetail]:
            shift = self._shift(shift_uid)
            self._require_holder_or_manager(shift, "trade it")
            other = self._person(login)
            if other.id == shift.assignment.person_id:
                raise InvalidInput("a trade is with someone else", field="login")
            now = self._now()
            rows = (m.Assignment.select(m.Assignment, m.Slot).join(m.Slot).switch(m.Assignment).join(m.Plan)
                    .join(m.Rotation)
                    .where((m.Plan.status == "published") & (m.Assignment.person == other)
                           & (m.Rotation.team == shift.team) & (m.Slot.start > now))
                    .order_by(m.Slot.start).limit(MAX_TRADE_OPTIONS))
            out = []
            for row in rows:
                trade = self._shift(row.slot.uid)
                if self._trade_refusal(shift, trade):
                    continue
                fit = self._fits(shift, (shift.slot.start, shift.slot.end), only={other.id}, trade=trade)
                if fit and not fit[0].why_not:
                    out.append(self._detail(trade))
            return out
        return self._read(run)

    def _mark_unavailable(self, person: m.Person, shift: _Shift, swap_id: int,
                          part: tuple[datetime, datetime] | None) -> m.Availability:
        """The requester is away for the hours asked ("asked for cover"): a stretch of time, so
        no plan gives them back this shift or any other shift overlapping those hours, and the
        other hours of a partly asked shift stay theirs.  The mark names the swap and, for a
        part, its hours ("asked for cover (swap 5, 14:00-16:00)"); it goes when the request
        ends without an agreement, and never with a hand edit of the day."""
        tz = ZoneInfo(person.tz or "UTC")
        hours = f", {part[0].astimezone(tz):%H:%M}-{part[1].astimezone(tz):%H:%M}" if part else ""
        start, end = part or (shift.slot.start, shift.slot.end)
        return m.Availability.create(person=person, day=start.astimezone(tz).date(), shift_start=start, until=end,
                                     state="unavailable", note=f"{SWAP_MARK_NOTE}{swap_id}{hours})",
                                     updated_at=self._now())

    # ======================================================================================
    # reading
    def swaps(self, team: str | None = None, include_closed: bool = False) -> list[Swap]:
        def run() -> list[Swap]:
            me = self._me()
            now = self._now()
            q = (m.SwapRequest.select(m.SwapRequest).join(m.Slot).join(m.Rotation).join(m.Team))
            managed = [ms.team_id for ms in m.Membership.select(m.Membership.team)
                       .where((m.Membership.person == me) & (m.Membership.role == "manager"))]
            mine = m.SwapOffer.select(m.SwapOffer.request).where(m.SwapOffer.candidate == me)
            who = (m.SwapRequest.requester == me) | m.SwapRequest.id.in_(mine)
            if managed:
                who |= m.Rotation.team.in_(managed)
            q = q.where(who)
            if team is not None:
                q = q.where(m.Team.slug == team)
            out = []
            for req in q.order_by(m.Slot.start, m.SwapRequest.id):
                view = self._view(req, me, now=now)
                if not include_closed and not _listed(view, now):
                    continue
                if view.my_part == "team" and view.state not in ("open", "escalated", "declined", "timed_out"):
                    if not include_closed:
                        continue
                out.append(view)
            out.sort(key=lambda s: (s.start, s.id))
            return out
        return self._read(run)

    def swap(self, swap_id: int) -> Swap:
        def run() -> Swap:
            req = self._request_row(swap_id)
            me = self._me()
            view = self._view(req, me)
            if view.my_part == "team" and not self._is_manager(req.slot.rotation.team):
                raise NotAllowed(f"swap {swap_id} is between other people")
            return view
        return self._read(run)

    # ======================================================================================
    # answering
    def swap_agree(self, swap_id: int, as_login: str | None = None) -> Swap:
        return self._write(lambda: self._answer(swap_id, True, "", as_login))

    def swap_decline(self, swap_id: int, reason: str = "", as_login: str | None = None) -> Swap:
        reason = check_swap_text(reason, "reason")
        return self._write(lambda: self._answer(swap_id, False, reason, as_login))

    def _answer(self, swap_id: int, agree: bool, reason: str, as_login: str | None,
                via_link: m.SwapOffer | None = None) -> Any:
        now = self._now()
        me = self._me() if via_link is None else via_link.candidate
        req = self._request_row(swap_id, lock=True)
        team = req.slot.rotation.team
        who = me
        acted_by = ""
        if as_login and as_login != me.login:
            if not self._is_manager(team):
                raise NotAllowed("only a manager of the team can answer for someone else")
            who = self._person(as_login)
            acted_by = me.login
        state = self._advance_row(req, now)
        offer = next((o for o in req.offers if o.candidate_id == who.id), None)
        if (agree and state.status == "agreed" and req.taken_by_id == who.id and offer is not None
                and offer.state == "agreed"):  # the same answer again: nothing to do, not an error
            already = "You already agreed; the shift is yours." if who.id == me.id else \
                f"{who.name} already agreed; the shift is theirs."
            return dataclasses.replace(self._view(req, me), message=already)
        if state.status not in OPEN_STATES:
            raise Conflict(self._closed_words(req, state.status), fresh=self._view(req, me))
        if offer is None:
            raise NotAllowed(f"{who.name} was not asked to take swap {swap_id}" if acted_by
                             else f"you were not asked to take swap {swap_id}")
        ask = next(a for a in state.asks if a.id == offer.id)
        if ask.state != "asked":
            words = {"waiting": "is not asked yet: someone before them in the order is being asked"}
            raise Conflict(f"{who.name} {words.get(ask.state, 'has ' + ask.state.replace('_', ' '))}",
                           fresh=self._view(req, me))
        shift = self._shift_of(req)
        if shift.plan.id != req.plan_id:
            raise Conflict("the plan was re-published since this was asked; the shift's holder must ask again",
                           fresh=self._view(req, me))
        settings = team.settings
        window = settings_hours(settings, "swap_answer_hours", DEFAULT_ANSWER_HOURS)
        ask.answered_at = now
        if agree:
            part = self._part_of(req)
            trade = self._shift_of_slot(req.trade_slot) if req.trade_slot_id else None
            fit = self._fits(shift, part, only={who.id}, trade=trade, holder=req.requester)
            if not fit:
                raise InvalidInput(f"{who.name} is not on this rotation any more")
            if fit[0].why_not:
                raise InvalidInput(f"{who.name} cannot take it now: {fit[0].why_not}")
            if trade is not None:
                why = self._trade_covered(trade)
                if why:
                    raise InvalidInput(f"{req.requester.name} cannot take {self._shift_words(trade, me)} in return "
                                       f"now: {why}")
                self._not_asked_over(trade, who, (trade.slot.start, trade.slot.end),
                                     "the shift they would give in return", "nothing changed")
            ask.state = "agreed"
            close(state, "agreed", now)
            self._move(req, state, who=who, acted_by=acted_by, offer_acted={offer.id: acted_by},
                       offer_reason={})
            self._apply(req, shift, who, part, trade)
            self._audit("swap_agreed", "swap", req.id, team, shift=req.slot.uid, taker=who.login,
                        requester=req.requester.login,
                        **({"acted_for": who.login} if acted_by else {}), **({"via": "link"} if via_link else {}))
        else:
            ask.state = "declined"
            after_answer(state, now, window)
            state.changed = True
            self._move(req, state, acted_by=acted_by, offer_acted={offer.id: acted_by},
                       offer_reason={offer.id: reason})
            if state.status not in OPEN_STATES:
                self._remove_mark(req)
            self._audit("swap_declined", "swap", req.id, team, shift=req.slot.uid, by=who.login, reason=reason,
                        state=state.status, **({"acted_for": who.login} if acted_by else {}),
                        **({"via": "link"} if via_link else {}))
        viewer = me

        def result() -> Swap:
            view = self._view(m.SwapRequest.get_by_id(req.id), viewer)
            if agree:  # the state says it ("taken by you"); `message` is for what the state does not
                return view
            said = ("You declined. " if who.id == viewer.id else f"Declined for {who.name}. ") + after_decline(view)
            return dataclasses.replace(view, message=said)
        return AfterCommit(result)

    def swap_cancel(self, swap_id: int) -> Swap:
        def run() -> Any:
            now = self._now()
            me = self._me()
            req = self._request_row(swap_id, lock=True)
            team = req.slot.rotation.team
            manager = self._is_manager(team)
            if req.requester_id != me.id and not manager:
                raise NotAllowed(f"only {req.requester.name} or a manager of '{team.slug}' can cancel swap {swap_id}")
            state = self._advance_row(req, now)
            if state.status not in OPEN_STATES:
                raise Conflict(self._closed_words(req, state.status), fresh=self._view(req, me))
            close(state, "cancelled", now)
            acted = me.login if req.requester_id != me.id else ""
            self._move(req, state, acted_by=acted)
            self._remove_mark(req)
            self._audit("swap_cancelled", "swap", req.id, team, shift=req.slot.uid,
                        **({"acted_for": req.requester.login} if acted else {}))
            return AfterCommit(lambda: self._view(m.SwapRequest.get_by_id(req.id), me))
        return self._write(run)

    # ======================================================================================
    # managers
    def swap_assign(self, shift_uid: str, login: str, start: datetime | None = None,
                    end: datetime | None = None) -> Swap:
        def run() -> Any:
            now = self._now()
            me = self._me()
            shift = self._shift(shift_uid, lock=True)
            self._require_manager(shift.team, "assign a shift directly")
            covers = self._covers(shift)
            part = self._part(shift, start, end, covers)
            if part[1] <= now:
                raise InvalidInput("that part of the shift is over already", field="end")
            taker = self._person(login)
            holder = self._holder(shift, part, covers)
            if taker.id == holder.id:
                raise InvalidInput(f"{taker.name} holds those hours already")
            fit = self._fits(shift, part, only={taker.id}, holder=holder)
            if not fit:
                raise InvalidInput(f"{taker.name} is not on rotation {shift.rot.name} (or already holds it)")
            if fit[0].why_not:
                raise InvalidInput(f"{taker.name} cannot take it: {fit[0].why_not}")
            replaced = []
            for other in self._open_requests(shift.slot):
                if not _overlap(self._part_of(other), part):
                    continue  # a request for other hours of the shift goes on
                state = self._advance_row(other, now)
                close(state, "overridden", now)
                self._move(other, state, acted_by=me.login)
                self._remove_mark(other)
                replaced.append(other.id)
            whole = part == (shift.slot.start, shift.slot.end) and holder.id == shift.assignment.person_id
            req = m.SwapRequest.create(
                slot=shift.slot, requester=holder, mode="assign", status="overridden",
                note="", created_at=now, start=None if whole else part[0], end=None if whole else part[1],
                plan=shift.plan, acted_by=me.login, created_by=me, taken_by=taker, closed_at=now)
            self._apply(req, shift, taker, part, None)
            self._audit("swap_assigned", "swap", req.id, shift.team, shift=shift_uid, taker=login,
                        earlier=holder.login, start=part[0], end=part[1])
            for other_id in replaced:
                self._audit("swap_replaced", "swap", other_id, shift.team, shift=shift_uid, taker=login,
                            by_swap=req.id)
            return AfterCommit(lambda: self._view(m.SwapRequest.get_by_id(req.id), me))
        return self._write(run)

    def swap_undo(self, swap_id: int) -> Swap:
        def run() -> Any:
            now = self._now()
            me = self._me()
            req = self._request_row(swap_id, lock=True)
            team = req.slot.rotation.team
            self._require_manager(team, "undo a swap")
            if req.status not in ("agreed", "overridden") or req.taken_by_id is None:
                raise Conflict(f"swap {swap_id} has nothing to undo: {self._closed_words(req, req.status)}",
                               fresh=self._view(req, me))
            shift = self._shift_of(req)
            if shift.plan.id != req.plan_id:
                raise Conflict("the plan was re-published since this swap; edit the plan instead",
                               fresh=self._view(req, me))
            self._unapply(req, shift)
            taker_login = req.taken_by.login if req.taken_by else ""
            state = RequestState(status="overridden", mode=req.mode, starts=self._part_of(req)[0],
                                 escalate_at=req.deadline, answer_by=None, closed_at=now, changed=True)
            self._move(req, state, acted_by=me.login, keep_taker=False, undone=True)
            self._remove_mark(req)
            self._audit("swap_undone", "swap", req.id, team, shift=req.slot.uid, taker=taker_login,
                        back=req.requester.login)
            return AfterCommit(lambda: self._view(m.SwapRequest.get_by_id(req.id), me))
        return self._write(run)

    # ======================================================================================
    # a re-publish: planning's publish, in its transaction (`Republished`, services/context.py)
    def plan_republished(self, previous: m.Plan, plan: m.Plan) -> list[str]:
        """`plan` is published in place of `previous`.  The swaps agreed on it are carried over
        (`carry_swaps`; one line each for those that cannot be, for the plan's warnings), and
        every request still open or escalated on a plan of that period is closed "superseded":
        its asks withdrawn (the people asked are told it is no longer open), its "asked for
        cover" mark removed, and the requester told by mail whether to ask again.  Closed, it
        is never asked on, timed out or escalated again.  A request whose holder the new plan
        keeps is closed too: its candidates, their loads and the rules were judged on the plan
        replaced, and an answer to it would be refused (`_answer`); asking again takes a moment."""
        now = self._now()
        lost = carry_swaps(previous, plan, now)
        holders = {a.slot_id: a.person for a in m.Assignment.select(m.Assignment, m.Person).join(m.Person)
                   .where(m.Assignment.plan == plan)}
        period = m.Plan.select(m.Plan.id).where(
            (m.Plan.rotation == plan.rotation_id) & (m.Plan.first_day == plan.first_day)
            & (m.Plan.last_day == plan.last_day) & (m.Plan.id != plan.id))
        q = (m.SwapRequest.select().where(m.SwapRequest.plan.in_(period) & m.SwapRequest.status.in_(OPEN_STATES))
             .order_by(m.SwapRequest.id))
        for req in list(self._locked(q)):
            state = self._advance_row(req, now)
            if state.status not in OPEN_STATES:
                continue  # the clock ended it first (its part began untaken): that outcome stands
            close(state, "superseded", now)
            self._move(req, state)
            self._remove_mark(req)
            holder = holders.get(req.slot_id)
            self._audit("swap_superseded", "swap", req.id, req.slot.rotation.team, shift=req.slot.uid,
                        plan=plan.id, holder=holder.login if holder is not None else None)
            self._mail_superseded(req, holder)
        return lost

    # ======================================================================================
    # links
    def cant_make_it_link(self, shift_uid: str) -> str:
        def run() -> str:
            shift = self._shift(shift_uid)
            me = self._me()
            if not self._on_it_personally(shift, self._covers(shift), me):
                raise NotAllowed("only the people on that shift have its \"can't make it\" link")
            return cant_path(shift.assignment, me)
        return self._read(run)

    def swap_link(self, secret: str) -> SwapLink:
        def run() -> SwapLink:
            offer = self._offer_by_secret(secret)
            return self._link_view(offer)
        return self._read(run)

    def swap_link_answer(self, secret: str, agree: bool, reason: str = "") -> SwapLink:
        reason = check_swap_text(reason, "reason")

        def run() -> Any:
            offer = self._offer_by_secret(secret)
            as_them = self.ctx.acting_as(offer.candidate.login)
            SwapsService(as_them, self.eligibility, self.recommendations)._answer(
                offer.request_id, agree, reason, None, via_link=offer)
            oid = offer.id
            return AfterCommit(lambda: self._link_view(m.SwapOffer.get_by_id(oid), used=True))
        return self._write(run)

    def cant_link(self, secret: str) -> CantLink:
        def run() -> CantLink:
            assignment, person = self._assignment_by_cant_secret(secret)
            shift = self._shift(assignment.slot.uid)
            service = SwapsService(self.ctx.acting_as(person.login), self.eligibility, self.recommendations)
            now = self._now()
            # after a partial cover the shift's person holds only some hours, and whoever covers
            # some holds only those: offer the hours that are theirs, never the whole shift
            covers = cover_rows([assignment.id])[assignment.id]
            mine = held_spans(assignment, covers, person.id)
            ahead = [(s, e) for s, e in mine if s > now]
            asked = self._open_requests(shift.slot)
            # the hours a request is open for are not offered again; the rest of them still are
            free = outside(ahead, [self._part_of(r) for r in asked])
            open_one = next((r for r in asked if any(_overlap(self._part_of(r), p) for p in mine)), None)
            can = bool(free)
            part = free[0] if free else ahead[0] if ahead else (shift.slot.start, shift.slot.end)
            tz = ZoneInfo(person.tz or "UTC")
            covered = "; ".join(f"{c.person.name} covers {c.start.astimezone(tz):%a %d %b %H:%M}"
                                f"-{c.end.astimezone(tz):%H:%M}" for c in covers if c.person_id != person.id)
            detail = self._detail(shift)
            whole = [(shift.slot.start, shift.slot.end)]
            held = (tuple(dataclasses.replace(detail.assignment, start=s, end=e) for s, e in free)
                    if covers or free != whole else ())
            message = ("" if can else "a request for this shift is open already" if ahead and open_one
                       else "others cover all the hours of this shift" if not mine
                       else "this shift already started")
            return CantLink(shift=detail, person=convert.person_ref(person),
                            open_swap=service._view(open_one, person) if open_one else None,
                            candidates=tuple(service._ranked(shift, part, person)) if can else (),
                            can_request=can, message=message, held=held, covered=covered)
        return self._read(run)

    def cant_link_request(self, secret: str, start: datetime | None = None, end: datetime | None = None,
                          top: int | None = None, everyone: bool = False, note: str = "") -> Swap:
        note = check_swap_text(note)

        def run() -> Any:
            assignment, person = self._assignment_by_cant_secret(secret)
            service = SwapsService(self.ctx.acting_as(person.login), self.eligibility, self.recommendations)
            # a link asks for its own person's hours only, never with a manager's reach
            shift = service._shift(assignment.slot.uid, lock=True)
            covers = service._covers(shift)
            holder = service._holder(shift, service._part(shift, start, end, covers), covers)
            if holder.id != person.id:
                raise NotAllowed(f"this link asks for cover for {person.name}'s own hours only; "
                                 f"{holder.name} holds those")
            return service._request(assignment.slot.uid, start, end, None, top, everyone, note, None)
        return self._write(run)

    def _offer_by_secret(self, secret: str) -> m.SwapOffer:
        if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
            raise NotFound(NO_LINK, entity="link")
        offer = m.SwapOffer.get_or_none(m.SwapOffer.token_hash == secret_hash(secret))
        if offer is None:
            raise NotFound(NO_LINK, entity="link")
        req = offer.request
        state = self._advance_row(req, self._now(), persist=False)
        ask = next((a for a in state.asks if a.id == offer.id), None)
        if state.status not in OPEN_STATES or ask is None or ask.state != "asked":
            # `used`: its person answered by it (a reload of the answer's page); otherwise it is
            # as unknown as a wrong secret (expired, withdrawn)
            used = ask is not None and ask.state in ("agreed", "declined")
            raise NotFound(NO_LINK, entity="link", **({"used": True} if used else {}))
        return offer

    def _assignment_by_cant_secret(self, secret: str) -> tuple[m.Assignment, m.Person]:
        """The shift still to come whose holder's can't-make-it link this is, and whose: the secret
        names its assignment (one row read, its HMAC recomputed for its person and for each person
        covering some of its hours, and compared).  A link made before secrets
        named their assignment (the HMAC alone) is found among the shifts to come by their
        numbers only, without reading the rows."""
        import hmac as _hmac

        if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
            raise NotFound(NO_LINK, entity="link")
        now = self._now()
        given = secret.encode("utf-8", "surrogatepass")  # any text a URL may carry, compared as bytes
        future = ((m.Plan.status == "published") & (m.Slot.end > now))
        named = cant_assignment_id(secret)
        if named is not None:
            a = (m.Assignment.select(m.Assignment, m.Slot, m.Person).join(m.Slot).switch(m.Assignment)
                 .join(m.Plan).switch(m.Assignment).join(m.Person)
                 .where(future & (m.Assignment.id == named)).first())
            if a is not None:
                # whoever covers some of its hours to come has a link of their own (none once they are over)
                people = [a.person] + [c.person for c in cover_rows([a.id])[a.id] if c.end > now]
                for person in people:
                    if _hmac.compare_digest(cant_secret(a, person).encode(), given):
                        return a, person
            raise NotFound(NO_LINK, entity="link")
        if len(secret) != CANT_MAC_LENGTH:
            raise NotFound(NO_LINK, entity="link")
        ids: Any = (m.Assignment.select(m.Assignment.id, m.Assignment.person, m.Assignment.slot).join(m.Slot)
                    .switch(m.Assignment).join(m.Plan).where(future).tuples())
        for aid, pid, sid in ids:
            if _hmac.compare_digest(cant_mac(aid, pid, sid).encode(), given):
                a = m.Assignment.get_by_id(aid)
                return a, a.person
        raise NotFound(NO_LINK, entity="link")

    def _link_view(self, offer: m.SwapOffer, used: bool = False) -> SwapLink:
        req = offer.request
        view = self._view(req, offer.candidate)
        ask = next((a for a in view.asks if a.person.login == offer.candidate.login), None)
        can = view.state in OPEN_STATES and ask is not None and ask.state == "asked"
        if used and ask is not None and ask.state == "agreed":
            message = took_it(view)
        elif used and ask is not None and ask.state == "declined":
            message = f"You declined. {after_decline(view)}"
        else:
            message = "" if can else view.state_words
        return SwapLink(swap=view, person=convert.person_ref(offer.candidate), can_answer=can, message=message)

    # ======================================================================================
    # mail: asks and answers, through the outbox in the transaction that makes them
    def _mail_news(self, req: m.SwapRequest, was: str, asks_were: dict[int, str], state: RequestState) -> None:
        """What a stored move tells people by mail: each newly asked person their ask; the
        requester the outcome (taken, declined by everyone, nobody answered, escalated); the
        team's managers an escalation."""
        newly = {a.id for a in state.asks if a.state == "asked" and asks_were.get(a.id) != "asked"}
        if newly:
            self._mail_asks(req, [o for o in req.offers if o.id in newly])
        if was in OPEN_STATES and state.status not in OPEN_STATES:
            self._mail_over(req, state)
        if state.status == was or state.status not in ("agreed", "declined", "timed_out", "escalated"):
            return
        team = req.slot.rotation.team
        if not _has_mail_server(team):
            return
        view = self._view(req, req.requester)
        requester = req.requester
        what = _shift_words(view, requester.tz)
        why = escalation_reason(state.asks)  # "" when the swap deadline escalated it
        if state.status == "agreed":
            taker = view.taken_by.name if view.taken_by else "someone"
            subject = f"{taker} takes your shift {what}"
            body = [f"{taker} agreed to take your shift: it is theirs now, and your calendar follows.",
                    "", *_shift_lines(view, requester.tz)]
        elif state.status == "escalated" and why:
            subject = f"Nobody has taken your shift {what}: {why}; your managers are told"
            body = [f"{why.capitalize()}: swap {req.id} went to the team's managers. You still hold the "
                    f"shift until someone takes it.", "", *_shift_lines(view, requester.tz), *_answers_lines(view)]
        elif state.status == "escalated":
            subject = f"Nobody has taken your shift {what} yet: your managers are told"
            body = [f"The swap deadline before the shift has come and nobody took it: swap {req.id} went "
                    f"to the team's managers. You still hold it until someone does.", "",
                    *_shift_lines(view, requester.tz), *_answers_lines(view)]
        else:
            subject = f"Nobody took your shift {what}: {STATE_WORDS[state.status]}"
            body = [f"Swap {req.id} ended: {STATE_WORDS[state.status]}. You still hold the shift; ask again "
                    f"or ask a manager.", "", *_shift_lines(view, requester.tz), *_answers_lines(view)]
        self._mail(team, requester, subject, body, topic=f"swap:{req.id}:outcome:{requester.id}")
        if state.status == "escalated":
            host = _jump_host(team)
            managers = (m.Person.select().join(m.Membership)
                        .where((m.Membership.team == team) & (m.Membership.role == "manager") & m.Person.active))
            because = why or "nobody has taken it by the team's swap deadline"
            for manager in managers:
                # the requester's partners, whoever reads it (a manager asked too sees them as asked)
                mview = dataclasses.replace(self._view(req, manager), partners=view.partners)
                self._mail(team, manager, f"Uncovered shift: {requester.name} {_shift_words(mview, manager.tz)}", [
                    f"{requester.name} asked for cover and {because} (swap {req.id}).", "",
                    *_shift_lines(mview, manager.tz, with_whom=f"{requester.name} is on call with"),
                    *_answers_lines(mview), "",
                    "To give it to someone, on the jump box:",
                    f"  ssh -t {host} oncall swap candidates {view.shift_uid}",
                    f"  ssh -t {host} oncall swap assign {view.shift_uid} LOGIN"],
                    topic=f"swap:{req.id}:escalated:{manager.id}")

    def _mail_over(self, req: m.SwapRequest, state: RequestState) -> None:
        """The request has closed: everyone who was mailed an ask and never answered it (it was
        withdrawn, or timed out) is told once that it is no longer open, and why.  The mail
        takes the ask's own topic: an ask still unsent is replaced by it, never sent after."""
        from .outbox import MAIL

        team = req.slot.rotation.team
        unanswered = {a.id for a in state.asks if a.state in ("withdrawn", "timed_out")}
        offers = [o for o in req.offers if o.id in unanswered]
        if not offers or not _has_mail_server(team):
            return
        topics = {_ask_topic(req.id, o.candidate_id): o for o in offers}
        asked: Any = m.Outbox.select(m.Outbox.topic).where((m.Outbox.kind == MAIL) & m.Outbox.topic.in_(list(topics)))
        mailed = {t for (t,) in asked.tuples()}
        words = _over_words(req, state.status)
        for topic in sorted(mailed):
            person = topics[topic].candidate
            view = self._view(req, person)
            self._mail(team, person, f"No longer open: {view.requester.name}'s shift {_shift_words(view, person.tz)}", [
                f"{view.requester.name} asked whether you could take their shift; that request is no longer "
                f"open: {words}.", "Nothing is needed from you: the answer link in that mail no longer works.", "",
                *_shift_lines(view, person.tz, with_whom=None)], topic=topic)

    def _mail_superseded(self, req: m.SwapRequest, holder: m.Person | None) -> None:
        """The requester of a request a re-publish closed: whether they hold the shift in the new
        plan, and so whether to ask again."""
        team = req.slot.rotation.team
        if not _has_mail_server(team):
            return
        requester = req.requester
        view = self._view(req, requester)
        if holder is not None and holder.id == requester.id:
            now_words = "The new plan still gives you this shift: ask again if you still need cover."
        elif holder is not None:
            now_words = f"The new plan gives this shift to {holder.name}: you no longer hold it."
        else:
            now_words = "The new plan leaves this shift empty: you no longer hold it."
        self._mail(team, requester, f"Your request for cover {_shift_words(view, requester.tz)} is closed: "
                                    f"the plan was re-published", [
            f"The plan of {view.rotation} was re-published, so swap {req.id} was closed and nobody is asked "
            f"any more.", now_words, "", *_shift_lines(view, requester.tz, with_whom=None), *_answers_lines(view)],
            topic=f"swap:{req.id}:outcome:{requester.id}")

    def _mail_asks(self, req: m.SwapRequest, offers: list[m.SwapOffer]) -> None:
        """Each asked person's mail: the shift in their zone, who asks, the partner they would
        have, what it does to their load this month, and their own answer link (the team's
        server), else the commands."""
        team = req.slot.rotation.team
        if not offers or not _has_mail_server(team):
            return
        host = _jump_host(team)
        for offer in offers:
            person = offer.candidate
            view = self._view(req, person)
            secret = answer_secret(offer)
            link = (full_link(team, ANSWER_PATH.format(secret=secret))
                    if secret_hash(secret) == offer.token_hash else "")
            lines = [f"{view.requester.name} cannot make a shift and asks whether you can take it"
                     + (" (everyone eligible is asked; the first to agree takes it)." if req.mode == "everyone"
                        else "."), "", *_shift_lines(view, person.tz),
                     f"Asked by: {view.requester.name}"]
            if view.note:
                lines.append(f"Their note: {view.note}")
            if view.trade_uid and view.trade_start and view.trade_end:
                lines.append(f"In return they take your shift {span(view.trade_start, view.trade_end, person.tz)}")
            lines.append(f"Your load this month: {view.my_load or 'unchanged'}")
            if view.answer_by:
                lines.append(f"Please answer by: {local(view.answer_by, person.tz):%a %d %b %H:%M %Z}")
            lines.append("")
            if link:
                lines += ["Agree or decline here (opening the page changes nothing; its buttons answer):",
                          f"  {link}", "This link is yours alone: do not forward it.", ""]
            lines += ["Or on the jump box:", f"  ssh -t {host} oncall swap agree {req.id}",
                      f"  ssh -t {host} oncall swap decline {req.id} --reason \"...\""]
            self._mail(team, person, f"Can you take {view.requester.name}'s shift {_shift_words(view, person.tz)}?",
                       lines, topic=_ask_topic(req.id, person.id))

    def _mail(self, team: m.Team, person: m.Person, subject: str, lines: list[str], topic: str) -> None:
        from .outbox import enqueue_mail

        enqueue_mail(self.ctx, team, person, safe_text(subject), "\n".join(lines) + "\n", topic=topic)

    # ======================================================================================
    # rows, states, views
    def _shift(self, uid: str, lock: bool = False) -> _Shift:
        """The published shift `uid`.  `lock`: its slot row is locked first (PostgreSQL; SQLite's
        writes take turns anyway), so two requests for overlapping hours of one shift made at
        the same moment are checked one after the other (`_open_over`)."""
        if lock:
            self._locked(m.Slot.select(m.Slot.id).where(m.Slot.uid == uid)).execute()
        q = (m.Assignment.select(m.Assignment, m.Slot, m.Plan, m.Rotation, m.Team, m.Person)
             .join(m.Slot).switch(m.Assignment).join(m.Plan).join(m.Rotation).join(m.Team)
             .switch(m.Assignment).join(m.Person)
             .where((m.Slot.uid == uid) & (m.Plan.status == "published")))
        row = q.first()
        if row is None:
            raise NotFound(f"no published shift {uid}", entity="shift", id=uid)
        return _Shift(slot=row.slot, rot=row.plan.rotation, team=row.plan.rotation.team, assignment=row,
                      plan=row.plan)

    def _shift_of(self, req: m.SwapRequest) -> _Shift:
        return self._shift(req.slot.uid)

    def _shift_of_slot(self, slot: Any) -> _Shift:
        return self._shift(slot.uid)

    def _covers(self, shift: _Shift) -> list[m.Cover]:
        return cover_rows([shift.assignment.id])[shift.assignment.id]

    def _on_it(self, shift: _Shift, covers: list[m.Cover], me: m.Person) -> bool:
        """Whether `me` holds some hours of the shift (its person, or covering some) or manages it."""
        return self._on_it_personally(shift, covers, me) or self._is_manager(shift.team)

    def _require_on_it(self, shift: _Shift, covers: list[m.Cover], doing: str) -> None:
        if not self._on_it(shift, covers, self._me()):
            raise NotAllowed(f"that is not your shift ({shift.assignment.person.name} holds it); "
                             f"only they or a manager of '{shift.team.slug}' can {doing}")

    def _require_holder_or_manager(self, shift: _Shift, doing: str, holder: m.Person | None = None) -> None:
        """`holder`: who holds the hours in question (default: the shift's person)."""
        me = self._me()
        holder = holder or shift.assignment.person
        if holder.id != me.id and not self._is_manager(shift.team):
            whose = ("that is not your shift" if holder.id == shift.assignment.person_id
                     else "those hours are not yours")
            raise NotAllowed(f"{whose} ({holder.name} holds {'it' if 'shift' in whose else 'them'}); "
                             f"only they or a manager of '{shift.team.slug}' can {doing}")

    def _given_away(self, shift: _Shift, me: m.Person, part: tuple[datetime, datetime] | None) -> None:
        """Refused with the swap that did it when `me` gave these hours (None: any) away."""
        applied = (m.SwapRequest.select().where(
            (m.SwapRequest.slot == shift.slot) & (m.SwapRequest.requester == me)
            & m.SwapRequest.taken_by.is_null(False) & (m.SwapRequest.status.in_(("agreed", "overridden"))))
            .order_by(m.SwapRequest.id.desc()))
        for gone in applied:
            if part is None or _overlap(self._part_of(gone), part):
                taker: Any = gone.taken_by
                raise Conflict(f"already swapped away: {taker.name} took "
                               + ("it" if gone.start is None else
                                  f"{self._when(gone.start, me)}-{self._when(gone.end, me, time_only=True)}")
                               + f" (swap {gone.id})", fresh=self._view(gone, me))

    def _part(self, shift: _Shift, start: datetime | None, end: datetime | None,
              covers: list[m.Cover] | None = None) -> tuple[datetime, datetime]:
        """The part asked about, checked.  Neither end given: the whole shift, or, for someone
        who holds only some hours of it, those hours (refused when they hold two separate parts)."""
        if start is None and end is None:
            return self._own_part(shift, self._covers(shift) if covers is None else covers)
        s, e = start or shift.slot.start, end or shift.slot.end
        for value, name in ((s, "start"), (e, "end")):
            if value.tzinfo is None:
                raise InvalidInput(f"{name} needs a time zone", field=name)
        # compared in UTC: two times of one zone compare by their wall clocks (Python's rule),
        # so 02:30 and 03:30 New York on the night the clocks go forward would look an hour apart
        s, e = s.astimezone(UTC), e.astimezone(UTC)
        if e <= s:
            raise InvalidInput(f"the part to cover is empty: it must end after it starts "
                               f"({self._when(s, self._me())} to {self._when(e, self._me(), time_only=True)})",
                               field="end")
        if not (shift.slot.start <= s < e <= shift.slot.end):
            raise InvalidInput("the part to cover must lie inside the shift and end after it starts",
                               field="start" if not shift.slot.start <= s else "end")
        return s, e

    def _own_part(self, shift: _Shift, covers: list[m.Cover]) -> tuple[datetime, datetime]:
        whole = (shift.slot.start, shift.slot.end)
        me = self._me()
        if not covers or self._is_manager(shift.team) and not self._on_it_personally(shift, covers, me):
            return whole
        now = self._now()
        mine = [(s, e) for s, e in held_spans(shift.assignment, covers, me.id) if e > now]
        if len(mine) == 1:
            return mine[0]
        if len(mine) > 1:
            listed = ", ".join(f"{self._when(s, me)}-{self._when(e, me, time_only=True)}" for s, e in mine)
            raise InvalidInput(f"you hold {len(mine)} separate parts of that shift ({listed}); "
                               f"say which with its from and to", field="start")
        return whole

    @staticmethod
    def _on_it_personally(shift: _Shift, covers: list[m.Cover], me: m.Person) -> bool:
        return shift.assignment.person_id == me.id or any(c.person_id == me.id for c in covers)

    def _part_of(self, req: m.SwapRequest) -> tuple[datetime, datetime]:
        return req.start or req.slot.start, req.end or req.slot.end

    def _holder(self, shift: _Shift, part: tuple[datetime, datetime], covers: list[m.Cover]) -> m.Person:
        """Who holds every hour of `part`: the shift's person, or whoever covers those hours.
        Hours held by several people are refused in one line (one person asks for their own)."""
        held = [(s, e, who) for s, e, who in pieces_of(shift.assignment, covers) if _overlap((s, e), part)]
        if len({who.id for _, _, who in held}) == 1:
            return held[0][2]
        me = self._me()

        def hours(s: datetime, e: datetime) -> str:
            return f"{self._when(s, me)}-{self._when(e, me, time_only=True)}"

        def holds(who: m.Person) -> str:
            return "holds" if who.id == shift.assignment.person_id else "covers"
        if any(who.id == me.id for _, _, who in held):
            others = "; ".join(f"{who.name} {holds(who)} {hours(s, e)}" for s, e, who in held if who.id != me.id)
            first = ("already swapped away" if me.id == shift.assignment.person_id
                     else "some of those hours are not yours")
            raise Conflict(f"{first}: {others}; ask for the hours that are yours")
        listed = "; ".join(f"{who.name} {hours(s, e)}" for s, e, who in held)
        raise Conflict(f"those hours are held by several people ({listed}); ask for one person's hours at a time")

    def _open_requests(self, slot: m.Slot) -> list[m.SwapRequest]:
        """The requests still open on `slot`, each first brought up to now by the clock (inside a
        write its move is stored: a time-out, an escalation, its part begun untaken)."""
        now = self._now()
        rows = (m.SwapRequest.select().where((m.SwapRequest.slot == slot) & (m.SwapRequest.status.in_(OPEN_STATES)))
                .order_by(m.SwapRequest.id))
        return [r for r in rows if self._advance_row(r, now).status in OPEN_STATES]

    def _open_over(self, shift: _Shift, part: tuple[datetime, datetime]) -> m.SwapRequest | None:
        """The open request for some of the hours `part` (a shift has one per hour at a time)."""
        return next((r for r in self._open_requests(shift.slot) if _overlap(self._part_of(r), part)), None)

    def _request_row(self, swap_id: int, lock: bool = False) -> m.SwapRequest:
        q = m.SwapRequest.select().where(m.SwapRequest.id == swap_id)
        row = (self._locked(q) if lock else q).first()
        if row is None:
            raise NotFound(f"no swap {swap_id}", entity="swap", id=swap_id)
        return row

    def _state(self, req: m.SwapRequest) -> RequestState:
        return RequestState(
            status=req.status, mode=req.mode, starts=self._part_of(req)[0], escalate_at=req.deadline,
            answer_by=req.answer_by, closed_at=req.closed_at,
            asks=[AskState(id=o.id, position=o.position, state=o.state, asked_at=o.asked_at,
                           answered_at=o.answered_at) for o in req.offers.order_by(m.SwapOffer.position)])

    def _advance_row(self, req: m.SwapRequest, now: datetime, persist: bool = True) -> RequestState:
        state = self._state(req)
        if req.status in OPEN_STATES:
            window = settings_hours(req.slot.rotation.team.settings, "swap_answer_hours", DEFAULT_ANSWER_HOURS)
            advance(state, now, window)
            if state.changed and persist and self.db.in_transaction():
                self._move(req, state)
                if state.status not in OPEN_STATES:
                    self._remove_mark(req)
                state = self._state(req)
        return state

    # ======================================================================================
    # the clock: what falls due with nobody looking
    def _due(self, now: datetime):
        r = m.SwapRequest
        return (r.select(r.id).join(m.Slot)
                .where(r.status.in_(OPEN_STATES)
                       & ((r.answer_by <= now) | ((r.status == "open") & (r.deadline <= now))
                          | (pw.fn.COALESCE(r.start, m.Slot.start) <= now))))

    def swaps_due(self) -> bool:
        """Whether the clock has moved any open request (one cheap query)."""
        now = self._now()
        return self._read(lambda: self._due(now).limit(1).exists())

    def advance_due(self) -> int:
        """Store every move the clock has made (an ask timed out and the next person asked, the
        swap deadline reached, the part begun untaken), each request in its own transaction,
        and so mail the person asked next, the requester and the managers at once, not at the
        next change someone makes.  Run by the deliverer (`oncall serve`'s, `oncall deliver`, its
        cron line).  What anyone reads is right without it (`_advance_row` on every read).
        Returns how many requests moved."""
        now = self._now()
        ids = self._read(lambda: [i for (i,) in self._due(now).tuples()])
        moved = 0
        for swap_id in ids:
            def run(swap_id: int = swap_id) -> bool:
                req = m.SwapRequest.get_or_none(m.SwapRequest.id == swap_id)
                if req is None or req.status not in OPEN_STATES:
                    return False
                version = req.version
                self._advance_row(req, now)
                return req.version != version
            try:
                moved += self._write(run)
            except (Conflict, UnknownUser):  # someone answered it at that moment: their move stands
                continue
        return moved

    def _move(self, req: m.SwapRequest, state: RequestState, *, who: m.Person | None = None,
              acted_by: str = "", offer_acted: dict[int, str] | None = None,
              offer_reason: dict[int, str] | None = None, keep_taker: bool = True, undone: bool = False) -> None:
        """Store `state` only if the request is still as it was read (its version and state):
        the database decides which of two answers at once wins; the other gets Conflict."""
        changes: dict[str, Any] = {"status": state.status, "answer_by": state.answer_by,
                                   "closed_at": state.closed_at}
        if who is not None:
            changes["taken_by"] = who.id
        if acted_by:
            changes["acted_by"] = acted_by
        if undone:
            changes["taken_by"] = None
        cls = m.SwapRequest
        before = (req.status, {o.id: o.state for o in m.SwapOffer.select(m.SwapOffer.id, m.SwapOffer.state)
                               .where(m.SwapOffer.request == req.id)})
        done = (cls.update(version=cls.version + 1, **changes)
                .where((cls.id == req.id) & (cls.version == req.version) & (cls.status == req.status))
                .execute())
        if done != 1:
            fresh = cls.get_by_id(req.id)
            raise Conflict(self._closed_words(fresh, fresh.status), fresh=self._view(fresh, self._me()))
        req.version += 1
        req.status = state.status
        req.answer_by = state.answer_by
        req.closed_at = state.closed_at
        if who is not None:
            req.taken_by = who
        if acted_by:
            req.acted_by = acted_by
        for ask in state.asks:
            values: dict[str, Any] = {"state": ask.state, "asked_at": ask.asked_at, "answered_at": ask.answered_at}
            if offer_acted and ask.id in offer_acted and offer_acted[ask.id]:
                values["acted_by"] = offer_acted[ask.id]
            if offer_reason and ask.id in offer_reason:
                values["reason"] = offer_reason[ask.id]
            m.SwapOffer.update(**values).where(m.SwapOffer.id == ask.id).execute()
        self._mail_news(req, before[0], before[1], state)

    def _closed_words(self, req: Any, status: str) -> str:
        if status == "agreed" and req.taken_by_id:
            return f"already taken by {req.taken_by.name}"
        if status == "overridden":
            who = f" ({req.acted_by})" if req.acted_by else ""
            if req.taken_by_id:
                return f"given by a manager{who} to {req.taken_by.name}"
            act = _manager_act(req.id)
            if act is not None:  # the history the audit keeps: whom it went to, and that it was undone
                taker = _name_of(act.detail.get("taker", ""))
                if act.action == "swap_replaced":
                    return f"replaced by a manager's give to {taker}"
                had = f"given to {taker}" if req.mode == "assign" else f"taken by {taker}"
                return f"undone by a manager{who}: {req.requester.name} holds it again (it had been {had})"
            return (f"undone by a manager{who}: {req.requester.name} holds it again"
                    if req.mode != "assign" and req.closed_at and req.acted_by and _was_taken(req)
                    else f"settled by a manager{who}")
        if status == "superseded":
            return ("no longer open: the plan was re-published since this was asked; the shift's holder must "
                    "ask again if they still need cover")
        return f"no longer open: {STATE_WORDS.get(status, status)}"

    def _remove_mark(self, req: m.SwapRequest) -> None:
        if req.mark_id is not None:
            m.Availability.delete().where(m.Availability.id == req.mark_id).execute()
            m.SwapRequest.update(mark=None).where(m.SwapRequest.id == req.id).execute()
            req.mark = None

    def _apply(self, req: m.SwapRequest, shift: _Shift, taker: m.Person, part: tuple[datetime, datetime],
               trade: _Shift | None) -> None:
        """The taker holds the part from now on: the whole shift's assignment, or a Cover row for
        exactly those hours (`hand_over`: out of the requester's own hours or the hours they cover)."""
        now = self._now()
        if req.start is None:  # from its requester only: a request outlived by a move of the shift gives nothing
            a = m.Assignment
            done = (a.update(person=taker, source="swap", version=a.version + 1)
                    .where((a.id == shift.assignment.id) & (a.person == req.requester_id)).execute())
            if done != 1 or self._covers(shift):
                raise Conflict(f"{req.requester.name} no longer holds that shift; nothing changed")
        elif not hand_over(shift.assignment, req.requester_id, taker.id, part, req.id, now):
            raise Conflict(f"{req.requester.name} no longer holds all of those hours; nothing changed")
        if trade is not None:
            a = m.Assignment
            done = (a.update(person=req.requester_id, source="swap", version=a.version + 1)
                    .where((a.id == trade.assignment.id) & (a.person == taker.id)).execute())
            if done != 1:
                raise Conflict("the shift offered in return changed hands meanwhile")
        giver = req.requester
        self._tell_calendars(shift.slot, left=[giver], joined=[taker])
        if trade is not None:
            self._tell_calendars(trade.slot, left=[taker], joined=[giver])

    def _unapply(self, req: Any, shift: _Shift) -> None:
        """The swap's hours go back to its requester: refused while someone took some of them on
        from the taker since (that later swap is undone first)."""
        a = m.Assignment
        part = self._part_of(req)
        later = next((c for c in self._covers(shift) if c.request_id != req.id and _overlap((c.start, c.end), part)),
                     None)
        if later is not None:
            me = self._me()
            since = f" since swap {later.request_id}" if later.request_id else ""
            raise Conflict(f"{later.person.name} covers {self._when(later.start, me)}-"
                           f"{self._when(later.end, me, time_only=True)} of those hours{since}; undo that "
                           f"first; nothing was undone")
        # the taker asked for cover for some of those hours: that request would outlive their holding them
        self._not_asked_over(shift, req.taken_by, part, "those hours", "nothing was undone")
        trade = self._shift_of_slot(req.trade_slot) if req.trade_slot_id else None
        if trade is not None:
            self._not_asked_over(trade, req.requester, (trade.slot.start, trade.slot.end),
                                 "the shift they took in return", "nothing was undone")
        if req.start is None:
            done = (a.update(person=req.requester_id, source="swap", version=a.version + 1)
                    .where((a.id == shift.assignment.id) & (a.person == req.taken_by_id)).execute())
            if done != 1:
                raise Conflict(f"{req.taken_by.name} no longer holds that shift; nothing was undone")
        elif req.requester_id == shift.assignment.person_id:
            if not m.Cover.delete().where(m.Cover.request == req).execute():
                raise Conflict("that cover is gone already; nothing was undone")
        else:  # hours the requester covered: theirs again, each hour under the swap it came from
            r = m.SwapRequest
            came_from = [(self._part_of(o), o.id) for o in r.select().where(
                (r.slot == req.slot_id) & (r.taken_by == req.requester_id) & (r.id < req.id)
                & r.status.in_(("agreed", "overridden"))).order_by(r.id.desc())]
            rows = list(m.Cover.select().where(m.Cover.request == req))
            if not rows:
                raise Conflict("that cover is gone already; nothing was undone")
            for c in rows:
                c.delete_instance()
                for s, e, origin in _by_origin((c.start, c.end), came_from):
                    m.Cover.create(assignment=c.assignment_id, person=req.requester_id, start=s, end=e,
                                   request=origin, created_at=c.created_at)
            _coalesce(shift.assignment.id)
        taker, requester = req.taken_by, req.requester
        self._tell_calendars(shift.slot, left=[taker], joined=[] if req.start is not None else [requester])
        if trade is not None:
            (a.update(person=req.taken_by_id, version=a.version + 1)
             .where((a.id == trade.assignment.id) & (a.person == req.requester_id)).execute())
            self._tell_calendars(trade.slot, left=[requester], joined=[taker])

    def _not_asked_over(self, shift: _Shift, person: m.Person, part: tuple[datetime, datetime], what: str,
                        outcome: str) -> None:
        """Refused (an undo, a trade agreed) while `person` has a request open for some of `part`
        of `shift`: they are about to hold none of it, and that request must not outlive it."""
        asked = next((r for r in self._open_requests(shift.slot)
                      if r.requester_id == person.id and _overlap(self._part_of(r), part)), None)
        if asked is not None:
            raise Conflict(f"{person.name} asked for cover for {what} (swap {asked.id}, "
                           f"{STATE_WORDS[asked.status]}); cancel that first; {outcome}",
                           fresh=self._view(asked, self._me()))

    def _tell_calendars(self, slot: m.Slot, left: list[m.Person], joined: list[m.Person]) -> None:
        """In the swap's transaction, as a publish does: the entries of everyone on `slot`'s
        shift, of who `left` it and who `joined` it (new entries), stamped with their new
        SEQUENCE, and what changed queued for their calendars (services/delivery.py)."""
        from .calendar_out import stamp_shift
        from .delivery import queue_entry_changes

        queue_entry_changes(self.ctx, stamp_shift(self.ctx, slot, also=left, joined=joined))

    def _detail(self, shift: _Shift) -> ShiftDetail:
        team = shift.team.slug
        mine = convert.assignment(shift.assignment, shift.slot, shift.rot, team, shift.assignment.person)
        others = (m.Assignment.select(m.Assignment, m.Slot, m.Person).join(m.Slot).switch(m.Assignment)
                  .join(m.Person).where((m.Assignment.plan == shift.plan) & (m.Slot.rotation == shift.rot)
                                        & (m.Slot.start == shift.slot.start) & (m.Slot.id != shift.slot.id)))
        return ShiftDetail(assignment=mine, partners=tuple(
            convert.assignment(o, o.slot, shift.rot, team, o.person) for o in others))

    def _view(self, req: Any, viewer: m.Person, now: datetime | None = None) -> Swap:
        now = now or self._now()
        state = self._advance_row(req, now, persist=False)
        slot = req.slot
        rot = slot.rotation
        team = rot.team
        offers = {o.id: o for o in req.offers.select(m.SwapOffer, m.Person).join(m.Person)}
        asks = []
        my_offer = None
        for ask in sorted(state.asks, key=lambda a: a.position):
            o = offers[ask.id]
            asks.append(SwapAsk(person=convert.person_ref(o.candidate), position=ask.position, state=ask.state,
                                asked_at=ask.asked_at, answered_at=ask.answered_at, reason=o.reason or ""))
            if o.candidate_id == viewer.id:
                my_offer = (o, ask)
        part = self._part_of(req)
        part_of = "outgoing" if req.requester_id == viewer.id else "incoming" if my_offer else "team"
        # who the viewer would be on call with.  A person asked: the other roles' holders on taking
        # it, the requester in place of the shift a trade gives them, never the viewer themselves.
        # The requester and the managers: whom the requester is on call with on that shift.
        # Of each other role, whoever holds it during the hours asked (its covers followed).
        others = list(m.Assignment.select(m.Assignment, m.Slot, m.Person).join(m.Slot).switch(m.Assignment)
                      .join(m.Person).where((m.Assignment.plan == req.plan_id) & (m.Slot.rotation == rot)
                                            & (m.Slot.start == slot.start) & (m.Slot.id != slot.id)))
        covers = cover_rows([a.id for a in others])

        def during(a: m.Assignment) -> list[m.Person]:
            return [who for s, e, who in pieces_of(a, covers[a.id]) if _overlap((s, e), part)]
        if part_of == "incoming":
            with_them = [p for a in others for p in ([req.requester] if a.slot_id == req.trade_slot_id else during(a))]
            partners = _people_refs(p for p in with_them if p.id != viewer.id)
        else:
            partners = _people_refs(p for a in others for p in during(a) if p.id != req.requester_id)
        link = ""
        my_load = ""
        if my_offer is not None and state.status in OPEN_STATES and my_offer[1].state == "asked":
            secret = answer_secret(my_offer[0])
            if secret_hash(secret) == my_offer[0].token_hash:  # made with this process's key
                path = ANSWER_PATH.format(secret=secret)
                link = full_link(team, path) or path
            my_load = self._my_load(req, viewer, part)
        taken = req.taken_by if req.taken_by_id else None
        acted = req.acted_by or next((offers[a.id].acted_by for a in state.asks if offers[a.id].acted_by), "")
        words = ("taken by you" if state.status == "agreed" and req.taken_by_id == viewer.id
                 else f"taken by {req.taken_by.name}" if state.status == "agreed" and req.taken_by_id
                 else self._closed_words(req, state.status) if state.status == "overridden"
                 else STATE_WORDS.get(state.status, state.status))
        why = escalation_reason(state.asks) if state.status == "escalated" else ""
        if why:
            words += f": {why}"
        trade_start = trade_end = None
        if req.trade_slot_id:
            trade_start, trade_end = req.trade_slot.start, req.trade_slot.end
        return Swap(
            id=req.id, version=req.version, team=team.slug, rotation=rot.name, role=slot.role, shift_uid=slot.uid,
            start=part[0], end=part[1], shift_start=slot.start, shift_end=slot.end,
            requester=convert.person_ref(req.requester), mode=req.mode, state=state.status, note=req.note,
            created_at=req.created_at, answer_by=state.answer_by, escalate_at=req.deadline,
            taken_by=convert.person_ref(taken) if taken else None,
            trade_uid=req.trade_slot.uid if req.trade_slot_id else None, asks=tuple(asks), partners=partners,
            my_part=part_of, my_load=my_load, acted_by=acted, link=link, state_words=words,
            closed_at=state.closed_at, trade_start=trade_start, trade_end=trade_end)

    def _my_load(self, req: Any, viewer: m.Person, part: tuple[datetime, datetime]) -> str:
        try:
            shift = self._shift_of(req)
            trade = self._shift_of_slot(req.trade_slot) if req.trade_slot_id else None
            fits = self._fits(shift, part, only={viewer.id}, trade=trade, holder=req.requester)
        except (NotFound, InvalidInput):
            return ""
        if not fits:
            return ""
        f = fits[0]
        text = f"+{f.part:g} points: {f.points:g} -> {f.points + f.part:g} of a {f.share:g}-point share"
        if req.trade_slot_id:
            text += ", less the shift you give in return"
        return text + (f" (but: {f.why_not})" if f.why_not else "")

    def _when(self, at: datetime, viewer: m.Person, time_only: bool = False) -> str:
        local = at.astimezone(ZoneInfo(viewer.tz or "UTC"))
        return local.strftime("%H:%M" if time_only else "%a %d %b %H:%M")


def _has_mail_server(team: m.Team) -> bool:
    return m.MailServer.select().where(m.MailServer.team == team.id).exists()


def _jump_host(team: m.Team) -> str:
    from .calendar_out import jump_host

    return jump_host(team)


def _shift_words(view: Swap, tz: str) -> str:
    """'(primary, Thu 10 Dec 09:00 → Fri 11 Dec 09:00 GMT)' in the reader's zone (a mail's subject)."""
    return f"({view.role}, {span(view.start, view.end, tz)})"


def _shift_lines(view: Swap, tz: str, with_whom: str | None = "On call with") -> list[str]:
    """The shift of a mail in the reader's zone, then `with_whom`: the view's partners (None: no line)."""
    lines = [f"Shift: {view.role} on call for {view.rotation} ({view.team}), "
             f"{span(view.start, view.end, tz)} ({tz})"]
    if (view.start, view.end) != (view.shift_start, view.shift_end):
        lines.append(f"  (part of the shift {span(view.shift_start, view.shift_end, tz)})")
    if with_whom is not None:
        lines.append(f"{with_whom}: {names_joined([p.name for p in view.partners]) or 'nobody else'}")
    return lines


def _ask_topic(swap_id: int, person_id: int) -> str:
    """The outbox topic of one person's ask and of what closes it for them (`_mail_over`)."""
    return f"swap:{swap_id}:ask:{person_id}"


def _over_words(req: Any, status: str) -> str:
    """Why a request closed, for someone asked who never answered."""
    if status == "agreed" and req.taken_by_id:
        return f"{req.taken_by.name} took it"
    if status == "cancelled":
        return "it was cancelled" + (" by a manager" if req.acted_by else f" by {req.requester.name}")
    if status == "superseded":
        return "the plan was re-published, so the request was closed"
    if status == "timed_out":
        return "its time began before anybody took it"
    if status == "overridden":
        return "a manager gave the shift to someone directly"
    return STATE_WORDS.get(status, status)


def _answers_lines(view: Swap) -> list[str]:
    if not view.asks:
        return []
    return ["Asked: " + "; ".join(f"{a.person.name}: {a.state.replace('_', ' ')}"
                                  + (f" ({a.reason})" if a.reason else "") for a in view.asks)]
def _manager_act(swap_id: int) -> Any:
    """The last undo or replacement of a request by a manager, from the audit log (or None)."""
    return (m.AuditLog.select().where((m.AuditLog.entity == "swap") & (m.AuditLog.entity_id == str(swap_id))
                                      & m.AuditLog.action.in_(("swap_undone", "swap_replaced")))
            .order_by(m.AuditLog.id.desc()).first())


def _name_of(login: str) -> str:
    person = m.Person.get_or_none(m.Person.login == login) if login else None
    return person.name if person is not None else login or "someone"


def _was_taken(req: Any) -> bool:
    """Whether someone had agreed to the request before a manager undid it (an agreed ask)."""
    return m.SwapOffer.select().where((m.SwapOffer.request == req.id) & (m.SwapOffer.state == "agreed")).exists()


def _listed(view: Swap, now: datetime) -> bool:
    """What `swaps()` shows by default: what is still open, and what ended recently for a shift to come."""
    if view.state in OPEN_STATES:
        return True
    return view.shift_end > now


def cover_rows(assignment_ids: list[int]) -> dict[int, list[m.Cover]]:
    """assignment id -> its covers (start order): the hours held by someone else."""
    out: dict[int, list[m.Cover]] = defaultdict(list)
    if assignment_ids:
        for c in (m.Cover.select(m.Cover, m.Person).join(m.Person)
                  .where(m.Cover.assignment.in_(assignment_ids)).order_by(m.Cover.start)):
            out[c.assignment_id].append(c)
    return out



def _people_refs(people) -> tuple:
    """Each person once, in order met."""
    seen: dict[int, Any] = {}
    for p in people:
        seen.setdefault(p.id, convert.person_ref(p))
    return tuple(seen.values())


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and a[1] > b[0]


def hand_over(assignment: m.Assignment, giver_id: int, taker_id: int, part: tuple[datetime, datetime],
              request_id: int, now: datetime) -> bool:
    """The hours `part` of `assignment` pass from `giver_id` to `taker_id` as a Cover row of
    exactly those hours.  The giver holds them as the assignment's person, or as a cover (theirs
    is cut around the part: the hours before and after stay theirs, under the swap that gave them
    those hours).  False, and nothing changed, when the giver does not hold every hour of `part`."""
    covers = list(m.Cover.select().where(m.Cover.assignment == assignment.id).order_by(m.Cover.start))
    held = [who for s, e, who in pieces_of(assignment, covers, ids=True) if _overlap((s, e), part)]
    if not held or any(who != giver_id for who in held):
        return False
    for c in covers:
        if c.person_id == giver_id and _overlap((c.start, c.end), part):
            c.delete_instance()
            for s, e in ((c.start, part[0]), (part[1], c.end)):
                if s < e:
                    m.Cover.create(assignment=assignment.id, person=giver_id, start=s, end=e, request=c.request_id,
                                   created_at=c.created_at)
    m.Cover.create(assignment=assignment.id, person=taker_id, start=part[0], end=part[1], request=request_id,
                   created_at=now)
    return True


def _by_origin(span: tuple[datetime, datetime], origins: list[tuple[tuple[datetime, datetime], int]]):
    """(start, end, swap id) of `span` cut by the swaps that gave its hours (`origins`: each
    one's part and id, latest first; the latest one holding an hour is where it came from)."""
    cuts = sorted({span[0], span[1], *(t for (s, e), _ in origins for t in (s, e) if span[0] < t < span[1])})
    for s, e in zip(cuts, cuts[1:]):
        yield s, e, next((i for (os, oe), i in origins if os <= s and e <= oe), None)


def held_spans(assignment: m.Assignment, covers: list[m.Cover], person_id: int) -> list[tuple[datetime, datetime]]:
    """The hours `person_id` holds of `assignment`, neighbouring pieces joined (two covers from
    two swaps, back to back, are one stretch of hours to ask about)."""
    out: list[tuple[datetime, datetime]] = []
    for s, e, who in pieces_of(assignment, covers, ids=True):
        if who == person_id:
            if out and out[-1][1] == s:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
    return out


def _coalesce(assignment_id: int) -> None:
    """Neighbouring covers of one person from one swap become one row again (after an undo)."""
    before = None
    for c in list(m.Cover.select().where(m.Cover.assignment == assignment_id).order_by(m.Cover.start)):
        if (before is not None and before.end == c.start and before.person_id == c.person_id
                and before.request_id == c.request_id):
            end = c.end
            c.delete_instance()
            before.end = end
            before.save()
        else:
            before = c


def carry_swaps(previous: m.Plan, plan: m.Plan, now: datetime) -> list[str]:
    """A newly published plan keeps the swaps agreed on the one it replaces (for shifts still to
    come), in the order they were agreed: the taker keeps a whole shift they took, and a cover of
    some hours stays with the new plan's shift when the person who gave those hours holds them
    there (the shift's person, or whoever covers them by an earlier swap carried over).  What
    cannot be kept (the taker holds another role on that shift in the new plan, or the new plan
    gives those hours to someone else) is returned as one line each, for the plan's warnings;
    nothing is dropped silently."""
    lost: list[str] = []
    new_by_slot = {a.slot_id: a for a in m.Assignment.select().where(m.Assignment.plan == plan)}
    held_at: dict[tuple[int, datetime], set[int]] = defaultdict(set)
    for a in m.Assignment.select(m.Assignment, m.Slot).join(m.Slot).where(m.Assignment.plan == plan):
        held_at[(a.slot.rotation_id, a.slot.start)].add(a.person_id)
    swaps = (m.SwapRequest.select(m.SwapRequest, m.Slot).join(m.Slot)
             .where((m.SwapRequest.plan == previous) & (m.SwapRequest.status.in_(("agreed", "overridden")))
                    & m.SwapRequest.taken_by.is_null(False) & (m.Slot.end > now))
             .order_by(m.SwapRequest.id))
    for req in swaps:
        slot = req.slot
        new = new_by_slot.get(slot.id)
        taker: Any = req.taken_by
        where = f"swap {req.id} ({taker.name}, {slot.role} {slot.start:%Y-%m-%d %H:%M} UTC)"
        if new is None:
            lost.append(f"{where}: the new plan leaves that shift empty; the swap is not kept")
            continue
        if req.start is None:  # a whole shift
            if new.person_id != taker.id:
                if taker.id in held_at[(slot.rotation_id, slot.start)]:
                    lost.append(f"{where}: the new plan gives {taker.name} another role on that shift; "
                                f"the swap is not kept")
                    continue
                m.Assignment.update(person=taker, source="swap", version=m.Assignment.version + 1).where(
                    m.Assignment.id == new.id).execute()
            back = new_by_slot.get(req.trade_slot_id) if req.trade_slot_id else None
            if back is not None and back.person_id == taker.id:  # the shift given in return, in this plan too
                m.Assignment.update(person=req.requester_id, source="swap", version=m.Assignment.version + 1).where(
                    m.Assignment.id == back.id).execute()
            elif back is not None and back.person_id != req.requester_id:
                lost.append(f"{where}: the new plan gives the shift traded in return to someone else; "
                            f"{taker.name} keeps this one and that trade is only half kept")
        elif not hand_over(new, req.requester_id, taker.id, (req.start, req.end), req.id,
                           req.closed_at or now):
            lost.append(f"{where}: the new plan gives those hours to someone else; the cover of some "
                        f"hours is not kept")
            continue
        m.SwapRequest.update(plan=plan, version=m.SwapRequest.version + 1).where(
            m.SwapRequest.id == req.id).execute()
    return lost

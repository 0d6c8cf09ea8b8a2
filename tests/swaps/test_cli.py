"""`oncall swap` for people and scripts: the whole round with --json, on the demo file."""
from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from oncall_tui.cli import main

from ..conftest import DEMO_YOU
from .helpers import holders


def run(login: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"ONCALL_LOGIN": login}, catch_exceptions=False)


def test_request_list_agree_and_the_refusals_through_the_cli(demo_db, clock, tmp_path):
    from oncall_tui.backend.local import LocalBackend

    path = demo_db.removeprefix("sqlite:///")
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    holder = shift.person.login
    got = run(holder, "--db", path, "swap", "candidates", shift.uid, "--json")
    assert got.exit_code == 0, got.output
    cands = [c for c in json.loads(got.output) if c["person"]["login"] not in (DEMO_YOU, "maya")]
    assert cands and {"person", "rank", "level", "points_month", "share_month", "reason"} <= set(cands[0])
    taker = cands[0]["person"]["login"]
    broken = run(holder, "--db", path, "swap", "request", shift.uid, "--ask", taker, "--note", "line1\nline2")
    assert broken.exit_code == 2 and "line break" in broken.output
    assert len(broken.output.strip().splitlines()) == 1
    assert all(s["shift_uid"] != shift.uid
               for s in json.loads(run(holder, "--db", path, "swap", "list", "--json").output))
    made = run(holder, "--db", path, "swap", "request", shift.uid, "--ask", taker, "--note", "dentist", "--json")
    assert made.exit_code == 0, made.output
    swap = json.loads(made.output)
    assert (swap["mode"], swap["state"], swap["note"]) == ("one", "open", "dentist")
    listed = json.loads(run(taker, "--db", path, "swap", "list", "--json").output)
    mine = next(s for s in listed if s["id"] == swap["id"])
    assert mine["my_part"] == "incoming" and mine["link"].startswith("/links/swap/")
    # someone not asked: one line, exit 2, nothing changes
    other = cands[1]["person"]["login"] if len(cands) > 1 else "kofi"
    refused = run(other, "--db", path, "swap", "agree", str(swap["id"]))
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1
    said = run(taker, "--db", path, "swap", "agree", str(swap["id"]))
    assert said.exit_code == 0 and said.output.startswith("You take it: the shift is yours now.\n"), said.output
    assert f"swap {swap['id']} · taken by you ·" in said.output and "already taken" not in said.output
    agreed = json.loads(run(taker, "--db", path, "swap", "list", "--json").output)
    agreed = next(s for s in agreed if s["id"] == swap["id"])
    assert agreed["state"] == "agreed" and agreed["taken_by"]["login"] == taker
    assert agreed["state_words"] == "taken by you"
    said = run(holder, "--db", path, "swap", "list")  # the requester reads who took it
    assert f"swap {swap['id']} · taken by {agreed['taken_by']['name']} ·" in said.output
    twice = run(taker, "--db", path, "swap", "agree", str(swap["id"]))
    assert twice.exit_code == 0 and twice.output.startswith("You already agreed; the shift is yours.")
    late = run(other, "--db", path, "swap", "agree", str(swap["id"]))
    assert late.exit_code == 4 and "already taken by" in late.output
    undone = json.loads(run(DEMO_YOU, "--db", path, "swap", "undo", str(swap["id"]), "--json").output)
    assert undone["state"] == "overridden"
    text = run(DEMO_YOU, "--db", path, "swap", "list", "--all")
    assert text.exit_code == 0 and f"swap {swap['id']}" in text.output


def test_a_managers_give_names_the_manager_not_a_requester_and_a_long_note_is_refused(demo_db, clock):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.checks import SWAP_TEXT_LIMIT

    path = demo_db.removeprefix("sqlite:///")
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    taker = next(c.person.login for c in root.swap_candidates(shift.uid) if c.person.login != DEMO_YOU)
    # candidates for two hours of it, typed as swap request takes them: each gains less than the whole
    from oncall_tui.core.shifts import moment_text

    tz = root.whoami().tz
    two = [moment_text(shift.start + timedelta(hours=h), tz).replace(" ", "T") for h in (1, 3)]
    whole = {c["person"]["login"]: c["points_part"] for c in json.loads(
        run(DEMO_YOU, "--db", path, "swap", "candidates", shift.uid, "--json").output)}
    part = json.loads(run(DEMO_YOU, "--db", path, "swap", "candidates", shift.uid, "--from", two[0], "--to", two[1],
                          "--json").output)
    assert part and all(c["points_part"] < whole.get(c["person"]["login"], 99) for c in part)
    given = run(DEMO_YOU, "--db", path, "swap", "assign", shift.uid, taker)
    assert given.exit_code == 0, given.output
    name = LocalBackend(demo_db, actor=taker, clock=clock).whoami().name
    assert f"given by a manager ({DEMO_YOU}) to {name}" in given.output, given.output
    assert "asked by" not in given.output
    listed = run(DEMO_YOU, "--db", path, "swap", "list", "--all")
    assert (f"  given by a manager ({DEMO_YOU}) to {name} ({taker}) · held before by {shift.person.name}"
            in listed.output.splitlines()), listed.output
    # a note longer than the one limit the forms and the link page use: one line, nothing made
    other = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya", taker)
                 and a.uid != shift.uid)
    long = run(other.person.login, "--db", path, "swap", "request", other.uid, "--note", "x" * (SWAP_TEXT_LIMIT + 1))
    assert long.exit_code == 2 and f"at most {SWAP_TEXT_LIMIT} fit" in long.output
    assert len(long.output.strip().splitlines()) == 1
    fits = run(other.person.login, "--db", path, "swap", "request", other.uid, "--note", "word " * 90)
    assert fits.exit_code == 0, fits.output
    assert all(len(li) <= 100 for li in fits.output.splitlines())  # a long note is wrapped, not one line


def test_shifts_names_each_partner_piece_with_its_hours(demo_db, clock):
    """Someone covers 10:00-12:00 of a partner's shift: `oncall shifts` says who is on call with
    you for which hours, not the same partner twice without hours."""
    from datetime import timedelta

    from oncall_tui.backend.local import LocalBackend

    path = demo_db.removeprefix("sqlite:///")
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    detail = next(s for s in holder.shifts() if s.assignment.uid == shift.uid)
    partner = next(p for p in detail.partners if p.start == shift.start)
    part = (shift.start + timedelta(hours=1), shift.start + timedelta(hours=3))
    taker = next(c.person for c in holder.swap_candidates(shift.uid, start=part[0], end=part[1])
                 if c.person.login != partner.person.login)
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], ask=[taker.login])
    LocalBackend(demo_db, actor=taker.login, clock=clock).swap_agree(swap.id)
    day = shift.start.date().isoformat()
    shown = run(partner.person.login, "--db", path, "shifts", "--from", day, "--to", day)
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if partner.person.name in x and shift.rotation_name in x)
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(LocalBackend(demo_db, actor=partner.person.login, clock=clock).whoami().tz)
    hours = [f"{(shift.start + timedelta(hours=h)).astimezone(zone):%H:%M}" for h in (0, 1, 3)]
    assert f"{shift.person.name} ({shift.role} {hours[0]}-{hours[1]})" in line
    assert f"{taker.name} ({shift.role} {hours[1]}-{hours[2]})" in line

"""A whole swap between two people on one shared file, each in their own terminal running the
installed `oncall` (tmux, 80x24): one asks with "can't make it", the other agrees in the inbox,
and the first sees it taken."""
from __future__ import annotations

import shutil
import time

import pytest

from ..conftest import DEMO_NAME, DEMO_YOU
from ..foundation.test_e2e_tmux import ONCALL, Terminal, demo_file  # noqa: F401  (fixture)
from .helpers import free_shift

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_ask_in_one_terminal_agree_in_another(demo_file, demo_db, clock, tmp_path):  # noqa: F811
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.screens.swaps import section_of

    path, env = demo_file
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    index, shift = free_shift(me)  # the demo's first shift has a request already
    first = me.swap_candidates(shift.assignment.uid)[0].person
    asker, taker = Terminal(tmp_path), Terminal(tmp_path)
    try:
        asker.start([str(ONCALL), "--db", str(path)], env)
        asker.wait_for("Your next shifts")
        for _ in range(index):
            asker.press("Down")
        asker.press("c")
        asker.wait_for(f"Enter asks {first.name}")
        asker.press("Enter")
        sent = asker.wait_for("Request sent")
        assert first.name in sent

        theirs = LocalBackend(demo_db, actor=first.login, clock=clock)
        waiting = [s for s in theirs.swaps(include_closed=True) if section_of(s, first.login) == "incoming"]
        mine = next(i for i, s in enumerate(waiting) if s.shift_uid == shift.assignment.uid)
        taker.start([str(ONCALL), "--db", str(path), "--as", first.login], env)
        taker.wait_for("Your next shifts")
        taker.press("s")
        inbox = taker.wait_for(f"from {DEMO_NAME}")
        assert "Asked of you" in inbox
        for _ in range(mine):  # the asks nearest in time come first
            taker.press("Down")
        taker.press("y")
        agreed = taker.wait_for("You agreed")
        assert max(len(line) for line in agreed.splitlines()) <= 80

        asker.press("s")
        deadline = time.monotonic() + 30  # the asker's app sees the change at its next poll
        while f"taken by {first.name}" not in (shown := asker.screen()):
            assert time.monotonic() < deadline, f"the asker never saw it taken:\n{shown}"
            time.sleep(0.1)
    finally:
        asker.stop()
        taker.stop()
    swap = next(s for s in me.swaps(include_closed=True) if s.shift_uid == shift.assignment.uid)
    assert swap.state == "agreed" and swap.taken_by.login == first.login
    assert shift.assignment.uid in {d.assignment.uid for d in theirs.home().next_shifts}

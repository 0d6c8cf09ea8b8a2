"""The swap link pages over real HTTP (`oncall serve`'s app on a loopback port): a GET shows and
changes nothing; only a same-site POST acts, once; a bad secret is a 404 naming nobody; what
people typed is escaped; the answers keep the secret out of caches, referrers and frames."""
from __future__ import annotations

import httpx
import pytest

from .helpers import ask_one, next_shift


def text_of(name: str) -> str:
    import html

    return html.escape(name, quote=True)


HOSTILE = '<script>alert("x")</script> & "quotes"'


@pytest.fixture
def site(served, clock):
    """(server base URL, a backend acting as any login on the same database)."""
    from oncall_tui.backend.local import LocalBackend

    server, local = served

    def as_login(login: str):
        return LocalBackend(local.url, actor=login, clock=clock)

    return server.url, as_login


def answer_link(as_login, note: str = "") -> tuple[object, str, str]:
    """root asks the best candidate; (the request, the asked login, their answer link's path)."""
    swap, login = ask_one(as_login("root"), note=note)
    mine = next(s for s in as_login(login).swaps() if s.id == swap.id)
    assert mine.link.startswith("/links/swap/"), mine.link
    return swap, login, mine.link


def test_get_shows_the_ask_and_changes_nothing(site):
    base, as_login = site
    swap, login, link = answer_link(as_login, note=HOSTILE)
    root = as_login("root")
    cursor = root.change_cursor()
    for _ in range(3):  # a scanner, a preview and the person
        got = httpx.get(base + link)
        assert got.status_code == 200
    assert root.change_cursor() == cursor
    assert as_login(login).swap(swap.id).state == "open"
    html = got.text
    assert text_of(as_login("root").whoami().name) in html
    assert "<dl>" in html and 'method="post"' in html and "<script" not in html.lower()
    from oncall_tui.core.checks import SWAP_TEXT_LIMIT

    assert f'name="reason" maxlength="{SWAP_TEXT_LIMIT}"' in html  # the limit the server checks
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert got.headers["referrer-policy"] == "same-origin"
    assert "no-store" in got.headers["cache-control"]
    assert "frame-ancestors 'none'" in got.headers["content-security-policy"]
    assert "script-src" not in got.headers["content-security-policy"]  # default-src 'none': no scripts
    assert got.headers["x-frame-options"] == "DENY"


def test_a_bad_secret_is_a_plain_404_naming_nobody(site):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    for path in (link[:-2] + "xx", "/links/swap/nothing", "/links/cant/nothing"):
        got = httpx.get(base + path)
        assert got.status_code == 404
        assert "not valid" in got.text
        for person in ("dev", login, "root"):
            assert as_login(person).whoami().name not in got.text
        posted = httpx.post(base + path, data={"answer": "agree"})
        assert posted.status_code == 404
    assert as_login(login).swap(swap.id).state == "open"


def test_agree_by_post_once_then_reloads_change_nothing(site):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    with httpx.Client(base_url=base) as client:
        posted = client.post(link, data={"answer": "agree"})
        assert posted.status_code == 200 and "<h1>You took this shift</h1>" in posted.text
        # the one who agreed reads that they took it, never that it was "already taken"
        assert "You take it: the shift is yours now." in posted.text and "already taken" not in posted.text
        assert "taken by you" in posted.text
        assert 'method="post"' not in posted.text  # nothing more to answer
        assert as_login(login).swap(swap.id).state == "agreed"
        cursor = as_login("root").change_cursor()
        again = client.post(link, data={"answer": "agree"})  # the browser's "send again"
        assert again.status_code == 404 and "<h1>Already answered</h1>" in again.text
        assert client.post(link, data={"answer": "decline", "reason": "changed my mind"}).status_code == 404
        assert client.get(link).status_code == 404
        assert as_login("root").change_cursor() == cursor
    done = as_login(login).swap(swap.id)
    assert done.state == "agreed" and done.taken_by.login == login


def test_two_answers_in_one_post_are_refused_and_change_nothing(site):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    cursor = as_login("root").change_cursor()
    for body in (b"answer=agree&answer=decline", b"answer=decline&answer=agree&reason=x"):
        got = httpx.post(base + link, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert got.status_code == 422
        assert got.text.strip() == "the form gives 'answer' twice; nothing was changed"
    assert as_login("root").change_cursor() == cursor
    assert as_login(login).swap(swap.id).state == "open"
    assert httpx.post(base + link, data={"answer": "agree"}).status_code == 200  # the link still works


def test_decline_with_a_reason_by_post(site):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    posted = httpx.post(base + link, data={"answer": "decline", "reason": HOSTILE})
    assert posted.status_code == 200 and "<h1>You declined</h1>" in posted.text
    # the only one asked said no: the page says where the request went, not "the next is asked"
    assert "You declined. Nobody else is left to ask: the team&#x27;s managers are told." in posted.text
    seen = as_login("root").swap(swap.id)
    ask = next(a for a in seen.asks if a.person.login == login)
    assert ask.state == "declined" and ask.reason == HOSTILE


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example"},
                                     {"Origin": "null"}, {"Referer": "https://evil.example/x"}],
                         ids=["other-origin", "cross-site", "same-site-other-origin", "opaque-origin",
                              "other-referer"])
def test_a_post_from_another_site_is_refused(site, headers):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    cursor = as_login("root").change_cursor()
    got = httpx.post(base + link, data={"answer": "agree"}, headers=headers)
    assert got.status_code == 403 and "Nothing was changed" in got.text
    assert as_login("root").change_cursor() == cursor
    assert as_login(login).swap(swap.id).state == "open"


def test_a_post_from_its_own_page_is_accepted(site):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    got = httpx.post(base + link, data={"answer": "agree"},
                     headers={"Origin": base, "Sec-Fetch-Site": "same-origin"})
    assert got.status_code == 200
    assert as_login(login).swap(swap.id).state == "agreed"


def test_a_long_form_is_not_read(site):
    base, as_login = site
    swap, login, link = answer_link(as_login)
    got = httpx.post(base + link, content=b"answer=agree&reason=" + b"x" * 40_000,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got.status_code == 413
    assert as_login(login).swap(swap.id).state == "open"


def cant_link(as_login) -> tuple[object, str]:
    root = as_login("root")
    shift = next_shift(root)
    return shift, root.cant_make_it_link(shift.assignment.uid)


def test_cant_make_it_page_asks_the_best_three_once(site):
    base, as_login = site
    shift, link = cant_link(as_login)
    root = as_login("root")
    best = [c.person.login for c in root.swap_candidates(shift.assignment.uid)][:3]
    cursor = root.change_cursor()
    page = httpx.get(base + link)
    assert page.status_code == 200 and 'name="from"' in page.text and 'value="3"' in page.text
    assert root.change_cursor() == cursor
    with httpx.Client(base_url=base) as client:
        form = {"from": "", "to": "", "who": "top", "top": "3", "note": "dentist", "ask": "1"}
        posted = client.post(link, data=form)
        assert posted.status_code == 303
        client.post(link, data=form)  # sent again: no second request
        shown = client.get(link)  # where the redirect leads: the request as it stands, no form
        assert shown.status_code == 200 and "Your request" in shown.text and 'name="from"' not in shown.text
    made = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == shift.assignment.uid]
    assert len(made) == 1 and made[0].note == "dentist"
    assert [a.person.login for a in sorted(made[0].asks, key=lambda a: a.position)] == best


def test_cant_make_it_page_refuses_a_part_outside_the_shift_in_one_line(site):
    base, as_login = site
    shift, link = cant_link(as_login)
    root = as_login("root")
    cursor = root.change_cursor()
    got = httpx.post(base + link, data={"from": "1999-01-01 10:00", "to": "", "who": "top", "top": "3",
                                        "note": HOSTILE})
    assert got.status_code == 422
    assert "Not sent: the part must lie inside the shift" in got.text
    assert "&lt;script&gt;" in got.text and "<script>" not in got.text  # what was typed comes back, escaped
    assert root.change_cursor() == cursor
    got = httpx.post(base + link, data={"who": "top", "top": "many"})
    assert got.status_code == 422 and "whole number" in got.text
    assert root.change_cursor() == cursor
    # an unknown choice is refused in one line, never taken as the default
    got = httpx.post(base + link, data={"who": "nobody", "ask": "1"})
    assert got.status_code == 422 and "Not sent: choose whom to ask" in got.text
    assert root.change_cursor() == cursor
    assert not [s for s in root.swaps() if s.shift_uid == shift.assignment.uid and s.state == "open"]


def test_cant_make_it_page_after_a_partial_cover_offers_only_the_hours_still_yours(site):
    """Someone took two hours in the middle of root's shift: the page says so, offers root's first
    piece (not the whole shift, which the server would refuse as swapped away), names the other
    piece, and its default form asks for exactly that piece."""
    import re
    from datetime import timedelta

    from oncall_tui.core.shifts import moment_text

    base, as_login = site
    root = as_login("root")
    shift = next_shift(root).assignment
    part = (shift.start + timedelta(hours=2), shift.start + timedelta(hours=4))
    taker = root.swap_candidates(shift.uid, start=part[0], end=part[1])[0].person
    asked = root.swap_request(shift.uid, start=part[0], end=part[1], ask=[taker.login])
    assert as_login(taker.login).swap_agree(asked.id).state == "agreed"
    link = root.cant_make_it_link(shift.uid)
    tz = root.whoami().tz
    page = httpx.get(base + link)
    assert page.status_code == 200
    assert "Covered by others" in page.text and text_of(taker.name) in page.text
    shown = dict(re.findall(r'id="(from|to)" name="(?:from|to)" size="17" maxlength="40" value="([^"]*)"', page.text))
    assert shown == {"from": moment_text(shift.start, tz), "to": moment_text(part[0], tz)}, shown
    assert f"{moment_text(part[1], tz)} to {moment_text(shift.end, tz)}" in page.text  # the other piece, named
    with httpx.Client(base_url=base) as client:
        posted = client.post(link, data={**shown, "who": "top", "top": "3", "note": "", "ask": "1"})
        assert posted.status_code == 303, posted.text
    made = [s for s in root.swaps() if s.my_part == "outgoing" and s.shift_uid == shift.uid and s.state == "open"]
    assert len(made) == 1 and (made[0].start, made[0].end) == (shift.start, part[0])

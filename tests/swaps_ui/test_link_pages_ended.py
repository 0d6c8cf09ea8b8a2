"""An answer link whose ask is over (the request cancelled, taken by someone else) or whose
secret is wrong: a POST gets the same "This link does not work" page as a GET, never "Already
answered", which only the link's own answer sent again gets."""
from __future__ import annotations

import httpx

from .test_link_pages import answer_link, site  # noqa: F401 - the served app and its links


def test_a_post_to_an_ended_or_wrong_link_says_it_does_not_work(site):  # noqa: F811
    base, as_login = site
    swap, login, link = answer_link(as_login)
    as_login("root").swap_cancel(swap.id)  # the ask is withdrawn: its link has expired
    for path in (link, link[:-2] + "xx"):
        got = httpx.get(base + path)
        posted = httpx.post(base + path, data={"answer": "agree"})
        assert got.status_code == posted.status_code == 404
        for answer in (got, posted):
            assert "<h1>This link does not work</h1>" in answer.text and "Already answered" not in answer.text
    assert as_login(login).swap(swap.id).state == "cancelled"


def test_a_declined_link_sent_again_is_already_answered(site):  # noqa: F811
    base, as_login = site
    swap, login, link = answer_link(as_login)
    assert httpx.post(base + link, data={"answer": "decline"}).status_code == 200
    again = httpx.post(base + link, data={"answer": "agree"})
    assert again.status_code == 404 and "<h1>Already answered</h1>" in again.text
    assert as_login(login).swap(swap.id).state == "escalated"  # the only one asked said no

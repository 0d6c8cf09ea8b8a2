"""The swap answer page in a real browser: headless Chromium from the distribution's packages,
driven by Playwright.  Opening the page changes nothing; clicking Agree takes the shift once;
reloading the result (the form sent again) changes nothing more."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_link_pages import answer_link, site  # noqa: F401  (fixture)

CHROMIUM = Path(os.environ.get("ONCALL_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = [pytest.mark.slow]


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install the distribution's package (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_open_agree_reload_in_chromium(site, browser):  # noqa: F811
    base, as_login = site
    swap, login, link = answer_link(as_login, note="<b>not bold</b>")
    root = as_login("root")
    posts: list[dict] = []
    page = browser.new_page()
    page.on("request", lambda r: posts.append(r.headers) if r.method == "POST" else None)

    cursor = root.change_cursor()
    page.goto(base + link)
    assert page.locator("h1").inner_text() == "Take this shift?"
    assert "<b>not bold</b>" in page.locator("dl").inner_text()  # shown as typed, not as markup
    page.reload()
    assert root.change_cursor() == cursor  # opening (and reopening) changed nothing
    assert as_login(login).swap(swap.id).state == "open"

    page.get_by_role("button", name="Agree: I take this shift").click()
    page.wait_for_load_state()
    assert len(posts) == 1
    assert page.locator("h1").inner_text() == "You took this shift"
    done = as_login(login).swap(swap.id)
    assert done.state == "agreed" and done.taken_by.login == login
    assert page.get_by_role("button").count() == 0  # an answered link has nothing more to press
    # The page's own form names its origin (Referrer-Policy: same-origin), so the check lets it in.
    assert posts[0].get("origin") == base
    after = root.change_cursor()

    page.reload()  # sends the form again
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Already answered"
    assert root.change_cursor() == after  # nothing more was done
    assert as_login(login).swap(swap.id).state == "agreed"
    page.close()


def test_enter_in_the_reason_declines_never_agrees(site, browser):  # noqa: F811
    base, as_login = site
    swap, login, link = answer_link(as_login)
    page = browser.new_page()
    page.goto(base + link)
    page.fill("#reason", "on holiday")
    page.press("#reason", "Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "You declined"
    seen = as_login("root").swap(swap.id)
    ask = next(a for a in seen.asks if a.person.login == login)
    assert ask.state == "declined" and ask.reason == "on holiday"
    assert seen.taken_by is None
    page.close()

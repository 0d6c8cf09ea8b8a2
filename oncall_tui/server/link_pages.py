"""The pages a swap link opens: `/links/swap/<secret>` (agree to take a shift, or decline) and
`/links/cant/<secret>` ("I can't make it", from a calendar entry).

Plain HTML with no JavaScript, laid out for text browsers too (lynx, w3m): a heading, a
definition list of what the page is about, and a form of buttons.  The secret in the URL is the
whole authority; the backend checks it.

- A GET shows and changes nothing: mail scanners and link previews fetch every GET.
- Only a POST from the page's own form acts.  An answer link works once: the answer's page
  shows the outcome, and a reload (the POST sent again) finds the link used, says "already
  answered" and changes nothing.  The "can't make it" form comes back as a redirect to the same
  URL (POST/redirect/GET), which then shows the request made.
- A POST from another site is refused: its browser says so in `Sec-Fetch-Site`, `Origin` or `Referer`.
- A wrong, used or expired secret is a plain 404 page that names nobody.
- Every text anybody typed (names, notes, reasons) is escaped; the answers tell browsers not to
  keep the page, not to send its address to another site (`Referrer-Policy: same-origin`) and not to show
  it inside another site's frame.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..core.checks import SWAP_TEXT_LIMIT
from ..core.errors import InvalidInput, NotFound, OncallError, StaleEdit
from ..core.shifts import moment_text, part_of_shift
from ..core.text import safe_text
from .links import form_fields, register_link

#: How many of the best candidates the "can't make it" page asks in order by default (as the app).
DEFAULT_TOP = 3
MAX_TOP = 50

STYLE = ("body{font-family:system-ui,sans-serif;max-width:40em;margin:1em auto;padding:0 1em;line-height:1.4}"
         "dt{font-weight:bold;margin-top:.5em}dd{margin-left:1em}button{font-size:1em;padding:.3em 1em}"
         ".error{color:#a00;font-weight:bold}.note{color:#555}")
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
#: What every page of a link says about itself: not kept, not framed, its address not sent on,
#: nothing loaded from anywhere (no scripts at all), forms posting only to this site.
HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "same-origin",  # our own form says where it is from; nothing leaves
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
}
NOT_FOUND = ("This link does not work",
             "<p>This link is not valid: it may have been used already, or have expired, or be "
             "mistyped. Nothing was changed.</p><p>Open <code>oncall</code> and its Swaps area "
             "(<kbd>s</kbd>) to see your requests.</p>")

#: A POST to a link whose person answered by it already (most often the reload of the page an
#: answer returned); a wrong or expired secret gets NOT_FOUND, as its GET does.
USED = ("Already answered",
        "<p>This link has been used, so nothing more was done. Your answer stands.</p>"
        "<p>Open <code>oncall</code> and its Swaps area (<kbd>s</kbd>) to see how the request stands.</p>")


def text(value: object) -> str:
    """Stored or typed text for a page: control characters written out, then HTML-escaped."""
    return escape(safe_text(value), quote=True)


def page(title: str, body: str, status: int = 200) -> Response:
    html = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex, nofollow">'
            f"<title>{text(title)} · oncall</title><style>{STYLE}</style></head>\n"
            f"<body><main>\n<h1>{text(title)}</h1>\n{body}\n</main></body></html>\n")
    return Response(html, status_code=status, media_type="text/html; charset=utf-8", headers=HEADERS)


def not_found() -> Response:
    return page(NOT_FOUND[0], NOT_FOUND[1], status=404)


def refused(message: str, status: int = 403) -> Response:
    return page("Not done", f'<p class="error">{text(message)}</p><p>Nothing was changed.</p>', status=status)


def when(start: datetime, end: datetime, tz: str) -> str:
    """'Mon 30 Nov 09:30 to Tue 01 Dec 09:30 GMT (Europe/London)', in the reader's zone."""
    zone = ZoneInfo(tz)
    s, e = start.astimezone(zone), end.astimezone(zone)
    until = e.strftime("%H:%M") if s.date() == e.date() else e.strftime("%a %d %b %Y %H:%M")
    return f"{s.strftime('%a %d %b %Y %H:%M')} to {until} {e.strftime('%Z')} ({tz})"


def definitions(rows: list[tuple[str, str]]) -> str:
    """A definition list; each value is already HTML (escaped by the caller)."""
    items = "".join(f"<dt>{text(term)}</dt><dd>{value}</dd>\n" for term, value in rows if value)
    return f"<dl>\n{items}</dl>"


def same_site(request: Request) -> str | None:
    """Why a POST must be refused as coming from another site, or None.  A browser says where a
    form was sent from: `Sec-Fetch-Site` (Chromium, Firefox, Safari), `Origin` and `Referer`; a
    POST that names another origin, or the opaque origin "null" (a sandboxed frame, a data: URL,
    a page that sends no referrer) without `Sec-Fetch-Site: same-origin`, is refused.  Our own
    pages send their origin: they say `Referrer-Policy: same-origin`.  Text browsers send none
    of the three, and are let through: the secret in the URL is what authorises the answer."""
    refused = "this form can only be sent from its own page"
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return refused
    allowed = {f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    base_url = getattr(request.app.state, "base_url", None)
    if base_url:
        parts = urlsplit(base_url)
        allowed.add(f"{parts.scheme}://{parts.netloc}".lower())
    origin = request.headers.get("origin")
    if origin is not None:
        if origin == "null":
            return None if site == "same-origin" else refused
        return None if origin.lower() in allowed else refused
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if f"{parts.scheme}://{parts.netloc}".lower() not in allowed:
            return refused
    return None


def _again(request: Request) -> Response:
    """POST/redirect/GET: the outcome is shown by a GET of the same link, so a reload acts no more."""
    return RedirectResponse(request.url.path, status_code=303, headers=HEADERS)


# -- /links/swap/<secret>: agree or decline ----------------------------------------------------------

def swap_rows(swap: Any, tz: str, viewer_is_asked: bool) -> list[tuple[str, str]]:
    rows = [("Shift", text(when(swap.shift_start, swap.shift_end, tz))),
            ("Rotation", text(f"{swap.rotation}, {swap.role}"))]
    if (swap.start, swap.end) != (swap.shift_start, swap.shift_end):
        rows.append(("The part to cover", text(when(swap.start, swap.end, tz))))
    rows.append(("Asked by", text(swap.requester.name)))
    if swap.note:
        rows.append(("Their note", text(swap.note)))
    if swap.partners:
        rows.append(("On call with", ", ".join(
            text(p.name) + (f" ({text(p.contact)})" if p.contact else "") for p in swap.partners)))
    if viewer_is_asked and swap.my_load:
        rows.append(("What it does to your month", text(swap.my_load)))
    if swap.mode == "trade" and swap.trade_start and swap.trade_end:
        rows.append(("In return", text(f"{swap.requester.name} takes your shift "
                                       f"{when(swap.trade_start, swap.trade_end, tz)}")))
    state = swap.state_words or swap.state.replace("_", " ")
    if swap.taken_by is not None and swap.taken_by.name not in state and state != "taken by you":
        state += f" ({swap.taken_by.name} takes it)"
    rows.append(("State", text(state)))
    if swap.answer_by is not None and swap.state in ("open", "escalated"):
        zone = ZoneInfo(tz)
        rows.append(("Answer by", text(swap.answer_by.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z"))))
    return rows


def swap_body(link: Any, message: str = "", reason: str = "") -> str:
    swap, person = link.swap, link.person
    tz = person.tz or "UTC"
    parts = [f"<p>{text(swap.requester.name)} asks you, {text(person.name)}, to take this shift.</p>",
             definitions(swap_rows(swap, tz, viewer_is_asked=True))]
    if message:
        parts.append(f'<p class="error">{text(message)}</p>')
    if link.message:
        parts.append(f"<p><strong>{text(link.message)}</strong></p>")
    if link.can_answer:
        parts.append(
            # Two forms: Enter in the reason field sends the decline, never the agreement.
            '<form method="post">\n'
            '<p><button type="submit" name="answer" value="agree">Agree: I take this shift</button></p>\n'
            "</form>\n"
            '<form method="post">\n'
            '<p><label for="reason">If you decline, a reason (optional; they see it):</label><br>\n'
            f'<input type="text" id="reason" name="reason" maxlength="{SWAP_TEXT_LIMIT}" size="40" '
            f'value="{text(reason)}"></p>\n'
            '<p><button type="submit" name="answer" value="decline">Decline</button></p>\n'
            "</form>\n"
            '<p class="note">Opening this page changed nothing: only these buttons answer. '
            "The link works once.</p>")
    return "\n".join(parts)


def swap_page(backend, secret: str, request: Request) -> Response:
    try:
        if request.method == "POST":
            why = same_site(request)
            if why is not None:
                return refused(why)
            form = form_fields(request)
            answer = form.get("answer", "")
            if answer not in ("agree", "decline"):
                link = backend.swap_link(secret)
                return page("Take this shift?", swap_body(link, "Choose Agree or Decline."), status=422)
            try:
                done = backend.swap_link_answer(secret, agree=answer == "agree", reason=form.get("reason", "").strip())
            except (StaleEdit, InvalidInput) as exc:  # taken meanwhile, or a reason refused: say so beside it
                link = backend.swap_link(secret)
                return page("Take this shift?", swap_body(link, exc.message, form.get("reason", "")),
                            status=409 if isinstance(exc, StaleEdit) else 422)
            # The outcome, on this answer itself: the link is used up now, so a GET of it would
            # find nothing to show.  Sent again (a reload), the POST finds the link used.
            title = "You took this shift" if answer == "agree" else "You declined"
            return page(title, swap_body(done))
        link = backend.swap_link(secret)
        return page("Take this shift?", swap_body(link))
    except NotFound as exc:
        if request.method == "POST" and exc.extra.get("used"):  # its own answer, sent again
            return page(USED[0], USED[1], status=404)
        return not_found()  # a wrong or expired secret: as its GET
    except OncallError as exc:
        return refused(exc.message, status=exc.http_status)


# -- /links/cant/<secret>: "I can't make it" ---------------------------------------------------------

def cant_body(link: Any, values: dict[str, str] | None = None, message: str = "") -> str:
    shift, person = link.shift.assignment, link.person
    tz = person.tz or "UTC"
    rows = [("Shift", text(when(shift.start, shift.end, tz))),
            ("Rotation", text(f"{shift.rotation_name}, {shift.role}")),
            ("On call with", ", ".join(text(p.person.name) for p in link.shift.partners))]
    if link.covered:  # some hours are someone else's now: say which, and which are still yours
        rows.append(("Covered by others", text(link.covered)))
        rows.append(("Still yours to ask about", text("; ".join(when(p.start, p.end, tz) for p in link.held)
                                                      or "nothing")))
    parts = [f"<p>{text(person.name)}, this is your shift.</p>", definitions(rows)]
    if link.open_swap is not None:
        swap = link.open_swap
        asked = ", ".join(f"{text(a.person.name)} ({text(a.state.replace('_', ' '))})" for a in swap.asks)
        parts.append("<h2>Your request</h2>\n" + definitions(
            [("State", text(swap.state_words or swap.state.replace("_", " "))), ("Asked", asked)]))
    if message:
        parts.append(f'<p class="error">{text(message)}</p>')
    if link.message:
        parts.append(f"<p><strong>{text(link.message)}</strong></p>")
    if not link.can_request:
        return "\n".join(parts)
    values = values or {}
    first = _offered(link)
    start = values.get("from", moment_text(first.start, tz))
    end = values.get("to", moment_text(first.end, tz))
    top = values.get("top", str(DEFAULT_TOP))
    everyone = values.get("who") == "everyone"
    candidates = "".join(f"<li>{text(c.person.name)}: {text(c.reason)}</li>\n" for c in link.candidates)
    parts.append(
        "<h2>Ask someone to take it</h2>\n"
        + (f"<p>Who could take it, best first:</p>\n<ol>\n{candidates}</ol>\n" if candidates else
           "<p>Nobody can take it now: a request goes to your managers.</p>\n")
        + '<form method="post">\n'
        f'<p><label for="from">From ({text(tz)}):</label> '
        f'<input type="text" id="from" name="from" size="17" maxlength="40" value="{text(start)}"> '
        f'<label for="to">to:</label> '
        f'<input type="text" id="to" name="to" size="17" maxlength="40" value="{text(end)}"><br>\n'
        f'<span class="note">{text(_offered_words(link, tz))}</span></p>\n'
        "<fieldset><legend>Whom to ask</legend>\n"
        f'<p><input type="radio" id="who-top" name="who" value="top"{"" if everyone else " checked"}> '
        f'<label for="who-top">the best</label> '
        f'<input type="text" id="top" name="top" size="3" maxlength="3" value="{text(top)}"> '
        '<label for="top">in order (the next when one says no or does not answer)</label></p>\n'
        f'<p><input type="radio" id="who-everyone" name="who" value="everyone"{" checked" if everyone else ""}> '
        '<label for="who-everyone">everyone who can, at once (the first to agree takes it)</label></p>\n'
        "</fieldset>\n"
        '<p><label for="note">A note for them (optional):</label><br>\n'
        f'<input type="text" id="note" name="note" size="40" maxlength="{SWAP_TEXT_LIMIT}" '
        f'value="{text(values.get("note", ""))}">'
        "</p>\n"
        '<p><button type="submit" name="ask" value="1">Ask for cover</button></p>\n'
        "</form>\n"
        '<p class="note">Opening this page changed nothing: only the button asks.</p>')
    return "\n".join(parts)


def _offered(link: Any) -> Any:
    """The hours the form offers: the whole shift, or after a partial cover the first piece
    still the holder's and still to come (the one the candidates are ranked for)."""
    return link.held[0] if link.held else link.shift.assignment


def _offered_words(link: Any, tz: str) -> str:
    if not link.held:
        return "The whole shift as it stands; change either end for a part of it."
    words = ("Some hours are covered or asked for already: these are the first of yours still to come "
             "and not asked for")
    if len(link.held) > 1:
        words += "; to ask for your other hours, type " + " or ".join(
            f"{moment_text(p.start, tz)} to {moment_text(p.end, tz)}" for p in link.held[1:])
    return words + "."


def _cant_request(values: dict[str, str], link: Any) -> dict[str, Any]:
    """The request the form asks for; ValueError with one line for a mistake."""
    shift = link.shift.assignment
    tz = link.person.tz or "UTC"
    start, end = part_of_shift(values.get("from", ""), values.get("to", ""), shift.start, shift.end, tz)
    part = (None, None) if (start, end) == (shift.start, shift.end) else (start, end)
    kwargs: dict[str, Any] = {"start": part[0], "end": part[1], "note": values.get("note", "").strip()}
    who = values.get("who", "top")
    if who not in ("top", "everyone"):
        raise ValueError(f"choose whom to ask: the best N in order, or everyone (not {who[:40]!r})")
    if who == "everyone":
        kwargs["everyone"] = True
    else:
        raw = values.get("top", "").strip() or str(DEFAULT_TOP)
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_TOP:
            raise ValueError(f"how many to ask must be a whole number from 1 to {MAX_TOP}, not {raw!r}")
        kwargs["top"] = int(raw)
    return kwargs


def cant_page(backend, secret: str, request: Request) -> Response:
    title = "Can't make it?"
    try:
        link = backend.cant_link(secret)
        if request.method != "POST":
            return page(title, cant_body(link))
        why = same_site(request)
        if why is not None:
            return refused(why)
        values = form_fields(request)
        if not link.can_request:
            return _again(request)  # asked already: the page shows that request
        try:
            kwargs = _cant_request(values, link)
        except ValueError as exc:
            return page(title, cant_body(link, values, f"Not sent: {exc}"), status=422)
        try:
            backend.cant_link_request(secret, **kwargs)
        except (StaleEdit, InvalidInput) as exc:
            return page(title, cant_body(backend.cant_link(secret), values, f"Not sent: {exc.message}"),
                        status=409 if isinstance(exc, StaleEdit) else 422)
        return _again(request)
    except NotFound:
        return not_found()
    except OncallError as exc:
        return refused(exc.message, status=exc.http_status)


register_link("swap", swap_page)
register_link("cant", cant_page)

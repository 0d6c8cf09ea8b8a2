"""Fetch a calendar from a (usually secret) iCal URL.

Streaming, size-capped, conditional (ETag / Last-Modified), http(s) only.
httpx is imported inside :func:`fetch_calendar` so importing this module is cheap.
Error messages never contain the URL's path or query: secret iCal URLs carry
their secret there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from oncall_tui.calendars.errors import CalendarError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "oncall-tui calendar import"
# How many leading bytes we look at to decide whether a body is a calendar.
_SNIFF_BYTES = 512


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch.

    ``not_modified`` is True (and ``body`` None) when the server answered 304 to
    our conditional request; ``etag`` / ``last_modified`` are what to send next
    time (the server's new values, or the ones we sent if it gave none).
    """

    not_modified: bool
    body: bytes | None
    etag: str | None
    last_modified: str | None


def normalise_calendar_url(url: str) -> str:
    """Return an http(s) URL for ``url``; ``webcal://`` becomes ``https://``.

    Raises CalendarError for any other scheme (file:, ftp:, data:, …) or a URL
    without a host.
    """
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        scheme = "https"
    if scheme not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise CalendarError(f"{redact_url(text)}: only http(s) and webcal URLs are supported ({shown})")
    if not parts.hostname:
        raise CalendarError(f"{redact_url(text)}: the URL has no host")
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def redact_url(url: str) -> str:
    """Scheme and host only: ``https://calendar.google.com/…``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "calendar URL"
    if not parts.scheme or not parts.hostname:
        return "calendar URL"
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    tail = "/…" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{tail}"


def looks_like_calendar(head: bytes) -> bool:
    """Whether the first bytes of a body start an iCalendar stream."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:15].upper() == b"BEGIN:VCALENDAR"


def _what_it_is(head: bytes, content_type: str) -> str:
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if b"<html" in lowered or b"<!doctype" in lowered or "html" in content_type:
        return "an HTML page"
    if not head.strip():
        return "an empty body"
    return content_type.split(";")[0].strip() or "unknown content"


def fetch_calendar(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> FetchResult:
    """GET ``url`` and return its body, or ``not_modified`` on a 304.

    ``timeout`` bounds every network wait *and* the whole download, so a server
    that drips bytes cannot hold us longer than ``timeout`` seconds. A body over
    ``max_bytes`` (declared by Content-Length, or counted while streaming) is
    refused without reading the rest. Raises CalendarError with one line on a
    timeout, a refused connection, an HTTP error status, too many redirects, an
    oversize body, or a body that is not an iCalendar file.
    """
    import httpx

    target = normalise_calendar_url(url)
    shown = redact_url(target)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    limit_text = _size_text(max_bytes)
    try:
        with httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=max_redirects,
        ) as client:
            with client.stream("GET", target, headers=headers) as response:
                new_etag = response.headers.get("ETag") or etag
                new_modified = response.headers.get("Last-Modified") or last_modified
                if response.status_code == 304:
                    return FetchResult(True, None, new_etag, new_modified)
                if response.status_code >= 400:
                    reason = response.reason_phrase or ""
                    raise CalendarError(f"{shown}: the server answered HTTP {response.status_code} {reason}")
                if response.status_code != 200:
                    raise CalendarError(
                        f"{shown}: unexpected HTTP {response.status_code} instead of a calendar"
                    )
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise CalendarError(
                        f"{shown}: calendar too large ({_size_text(int(declared))}, limit {limit_text})"
                    )
                content_type = response.headers.get("Content-Type", "")
                chunks: list[bytes] = []
                size = 0
                sniffed = False
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise CalendarError(f"{shown}: calendar too large (over the {limit_text} limit)")
                    chunks.append(chunk)
                    if not sniffed and size >= _SNIFF_BYTES:
                        sniffed = True
                        head = b"".join(chunks)[:_SNIFF_BYTES]
                        if not looks_like_calendar(head):
                            raise CalendarError(
                                f"{shown}: not a calendar (got {_what_it_is(head, content_type)})"
                            )
                    if time.monotonic() > deadline:
                        raise CalendarError(f"{shown}: timed out after {timeout:g} s")
                body = b"".join(chunks)
                if not looks_like_calendar(body[:_SNIFF_BYTES]):
                    raise CalendarError(
                        f"{shown}: not a calendar (got {_what_it_is(body[:_SNIFF_BYTES], content_type)})"
                    )
                return FetchResult(False, body, new_etag, new_modified)
    except httpx.TimeoutException:
        raise CalendarError(f"{shown}: timed out after {timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise CalendarError(f"{shown}: too many redirects (more than {max_redirects})") from None
    except httpx.UnsupportedProtocol:
        raise CalendarError(f"{shown}: redirected to a URL that is not http(s)") from None
    except httpx.ConnectError as error:
        raise CalendarError(f"{shown}: cannot connect ({_reason(error)})") from None
    except httpx.HTTPError as error:
        raise CalendarError(f"{shown}: download failed ({type(error).__name__}: {_reason(error)})") from None


def _reason(error: Exception) -> str:
    text = str(error).strip()
    return text or type(error).__name__


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"

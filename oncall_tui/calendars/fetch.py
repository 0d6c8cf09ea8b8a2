"""Fetch a calendar from a (usually secret) iCal URL.

Streaming, size-capped, conditional (ETag / Last-Modified), http(s) only, under one
deadline, and only from public addresses (or hosts an organisation allowed), checked on every
redirect and pinned for the connection. httpcore is imported inside :func:`fetch_calendar` so
importing this module is cheap.
Error messages never contain the URL's path or query: secret iCal URLs carry
their secret there.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

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


def _what_it_is(head: bytes) -> str:
    """A rough word for a body that is not a calendar (never the server's content type)."""
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if b"<html" in lowered or b"<!doctype" in lowered:
        return "an HTML page"
    if not head.strip():
        return "an empty body"
    return "something else"


# -- which addresses may be fetched ------------------------------------------------------------
ALLOW_HOSTS_ENV = "ONCALL_CALENDAR_ALLOW_HOSTS"
#: The one answer for every address that may not be fetched: it does not tell an open port from
#: a closed one, a name that exists from one that does not, or what answered.
REFUSED = "that calendar address cannot be fetched from this server"


def allowed_hosts() -> tuple[str, ...]:
    """Host names, addresses and networks (CIDR) an organisation named as its own calendar
    hosts: ONCALL_CALENDAR_ALLOW_HOSTS, separated by commas or spaces (`oncall serve
    --allow-calendar-host HOST` adds to it)."""
    return tuple(h.strip().lower().strip("[]") for h in os.environ.get(ALLOW_HOSTS_ENV, "").replace(",", " ").split()
                 if h.strip())


def is_public_address(address: str) -> bool:
    """False for loopback, private, shared, link-local, multicast, reserved and unspecified
    addresses, IPv4 and IPv6 alike (an IPv4 address inside IPv6, mapped, 6to4, Teredo or NAT64,
    is judged as the IPv4 address it carries)."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6:
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not is_public_address(str(inner)):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_reserved or ip.is_unspecified)


def _allowed(host: str, address: str, allow: tuple[str, ...]) -> bool:
    import ipaddress

    if is_public_address(address) or host.lower() in allow:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    for entry in allow:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name
    return False


def resolve_checked(host: str, port: int, shown: str, allow: tuple[str, ...] | None = None) -> list[str]:
    """The addresses `host` resolves to, all of them fetchable; else CalendarError(REFUSED).
    The caller connects to these addresses, never to the name again (no second DNS answer)."""
    allow = allowed_hosts() if allow is None else allow
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise CalendarError(f"{shown}: {REFUSED}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses or not all(_allowed(host, a, allow) for a in addresses):
        raise CalendarError(f"{shown}: {REFUSED}")
    return addresses


class _Deadline:
    """The one deadline of a fetch: connect, TLS, headers and body all wait on what is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self, error: type[Exception]) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise error("the calendar fetch ran out of time")
        return remaining


def _pinned_backend(addresses: list[str], deadline: _Deadline):
    """An httpcore network backend that connects only to `addresses` (checked above), and whose
    every wait ends at `deadline`, however slowly the server drips its bytes."""
    import ssl

    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, sock: socket.socket) -> None:
            self._sock = sock

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            try:
                self._sock.settimeout(deadline.left(httpcore.ReadTimeout))
                return self._sock.recv(max_bytes)
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out") from None
            except OSError as exc:
                raise httpcore.ReadError(str(exc)) from None

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            try:
                while buffer:
                    self._sock.settimeout(deadline.left(httpcore.WriteTimeout))
                    buffer = buffer[self._sock.send(buffer):]
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out") from None
            except OSError as exc:
                raise httpcore.WriteError(str(exc)) from None

        def close(self) -> None:
            self._sock.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            try:
                self._sock.settimeout(deadline.left(httpcore.ConnectTimeout))
                return Stream(ssl_context.wrap_socket(self._sock, server_hostname=server_hostname))
            except TimeoutError:
                self.close()
                raise httpcore.ConnectTimeout("timed out") from None
            except OSError as exc:
                self.close()
                raise httpcore.ConnectError(str(exc)) from None

        def get_extra_info(self, info: str):
            if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
                return self._sock._sslobj  # what httpcore's own stream answers
            return {"client_addr": self._sock.getsockname, "server_addr": self._sock.getpeername,
                    "socket": lambda: self._sock}.get(info, lambda: None)()

    class Backend(httpcore.NetworkBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            error: Exception = httpcore.ConnectError("no address")
            for address in addresses:  # the name is not looked up again
                try:
                    sock = socket.create_connection((address, port), deadline.left(httpcore.ConnectTimeout))
                except TimeoutError:
                    raise httpcore.ConnectTimeout("timed out") from None
                except OSError as exc:
                    error = httpcore.ConnectError(str(exc))
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return Stream(sock)
            raise error

        def sleep(self, seconds: float) -> None:
            time.sleep(seconds)

    return Backend()


_REDIRECTS = (301, 302, 303, 307, 308)


def fetch_calendar(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    allow_hosts: tuple[str, ...] | None = None,
) -> FetchResult:
    """GET ``url`` and return its body, or ``not_modified`` on a 304.

    ``timeout`` is one deadline for everything: connecting, TLS, the headers, every redirect
    and the body, so a server that drips bytes cannot hold us longer than ``timeout`` seconds.
    Every hop (the URL and each redirect, followed here by hand) must resolve only to public
    addresses, or to hosts in ``allow_hosts`` (default: :func:`allowed_hosts`); the connection
    goes to the address that was checked.  A body over ``max_bytes`` (declared by
    Content-Length, or counted while streaming) is refused without reading the rest. Raises
    CalendarError with one line on a refused address, a timeout, a failed connection, an HTTP
    error status, too many redirects, an oversize body, or a body that is not an iCalendar file.
    """
    import ssl

    import httpcore

    target = normalise_calendar_url(url)
    shown = redact_url(target)
    headers = [(b"User-Agent", USER_AGENT.encode()), (b"Accept", b"text/calendar, */*;q=0.5"),
               (b"Accept-Encoding", b"identity")]
    if etag:
        headers.append((b"If-None-Match", etag.encode("latin-1", "replace")))
    if last_modified:
        headers.append((b"If-Modified-Since", last_modified.encode("latin-1", "replace")))
    deadline = _Deadline(timeout)
    try:
        for _hop in range(max_redirects + 1):
            parts = urlsplit(target)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = resolve_checked(parts.hostname or "", port, shown, allow_hosts)
            tls = _ssl_context() if parts.scheme == "https" else None
            with httpcore.ConnectionPool(ssl_context=tls, network_backend=_pinned_backend(addresses, deadline)) as pool:
                with pool.stream("GET", target, headers=headers) as response:
                    found = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
                    if response.status in _REDIRECTS and found.get("location"):
                        target = _next_hop(target, found["location"], shown)
                        continue
                    return _read(response, found, shown, etag, last_modified, max_bytes, deadline)
        raise CalendarError(f"{shown}: too many redirects (more than {max_redirects})")
    except httpcore.TimeoutException:
        raise CalendarError(f"{shown}: timed out after {timeout:g} s") from None
    except (httpcore.ConnectError, httpcore.UnsupportedProtocol):
        raise CalendarError(f"{shown}: cannot connect") from None
    except (httpcore.NetworkError, httpcore.ProtocolError, ssl.SSLError) as error:
        raise CalendarError(f"{shown}: download failed ({type(error).__name__})") from None


def _next_hop(current: str, location: str, shown: str) -> str:
    nxt = urljoin(current, location.strip())
    if urlsplit(nxt).scheme.lower() not in ("http", "https"):
        raise CalendarError(f"{shown}: redirected to a URL that is not http(s)")
    try:
        return normalise_calendar_url(nxt)
    except CalendarError:
        raise CalendarError(f"{shown}: {REFUSED}") from None


def _read(response, found: dict[str, str], shown: str, etag: str | None, last_modified: str | None,
          max_bytes: int, deadline: _Deadline) -> FetchResult:
    new_etag = found.get("etag") or etag
    new_modified = found.get("last-modified") or last_modified
    status = response.status
    if status == 304:
        return FetchResult(True, None, new_etag, new_modified)
    if status >= 400:
        reason = response.extensions.get("reason_phrase", b"").decode("latin-1", "replace")
        raise CalendarError(f"{shown}: the server answered HTTP {status} {reason}")
    if status != 200:
        raise CalendarError(f"{shown}: unexpected HTTP {status} instead of a calendar")
    limit_text = _size_text(max_bytes)
    declared = found.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise CalendarError(f"{shown}: calendar too large ({_size_text(int(declared))}, limit {limit_text})")
    chunks: list[bytes] = []
    size = 0
    sniffed = False
    for chunk in response.iter_stream():
        size += len(chunk)
        if size > max_bytes:
            raise CalendarError(f"{shown}: calendar too large (over the {limit_text} limit)")
        chunks.append(chunk)
        if not sniffed and size >= _SNIFF_BYTES:
            sniffed = True
            head = b"".join(chunks)[:_SNIFF_BYTES]
            if not looks_like_calendar(head):
                raise CalendarError(f"{shown}: not a calendar (got {_what_it_is(head)})")
    body = b"".join(chunks)
    if not looks_like_calendar(body[:_SNIFF_BYTES]):
        raise CalendarError(f"{shown}: not a calendar (got {_what_it_is(body[:_SNIFF_BYTES])})")
    return FetchResult(False, body, new_etag, new_modified)


_TLS: list = []


def _ssl_context():
    """One TLS context per process (loading the CA bundle costs tens of milliseconds)."""
    if not _TLS:
        _TLS.append(_new_ssl_context())
    return _TLS[0]


def _new_ssl_context():
    import ssl

    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"

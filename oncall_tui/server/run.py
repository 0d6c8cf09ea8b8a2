"""Run the app under uvicorn: one process, or several sharing one listening socket."""
from __future__ import annotations

import logging
import os
import signal
import socket
import stat
import struct

from uvicorn.protocols.http.auto import AutoHTTPProtocol

#: The ASGI scope key a Unix-socket connection's peer is under: {"uid": int, "login": str | None}.
#: Set by the server for each connection, never from anything the client sends.
PEER_SCOPE_KEY = "oncall.peer"


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP listening socket whose accepted connections get TCP_NODELAY.

    asyncio turns Nagle's algorithm off only for sockets whose `proto` is IPPROTO_TCP;
    uvicorn's own socket for `--workers` is made with proto 0, so every answer written in
    two pieces (headers, then body) waited ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def listening_unix_socket(path: str, group: str | None = None) -> socket.socket:
    """A Unix socket at `path` that every user may connect to (0666), or only `group` (0660).

    A socket file left by a server that is gone is removed; a live server there, or a file
    that is not a socket, is an OSError saying so (nothing is removed)."""
    if not hasattr(socket, "SO_PEERCRED"):
        raise OSError(0, "--socket needs Linux (the kernel's SO_PEERCRED names each connecting user)")
    gid = None
    if group is not None:
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise OSError(0, f"there is no group called {group!r}") from None
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISSOCK(st.st_mode):
            raise OSError(0, f"{path} exists and is not a socket; not removing it")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except ConnectionRefusedError:
            os.unlink(path)  # stale: its server is gone
        except OSError:
            pass  # not ours to judge (no permission to connect): bind says what is wrong
        else:
            raise OSError(0, f"another server is already listening on {path}")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        if gid is not None:
            os.chown(path, -1, gid)
        os.chmod(path, 0o660 if gid is not None else 0o666)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def peer_of(sock: socket.socket) -> dict:
    """Who is at the other end of a Unix socket connection, from the kernel (SO_PEERCRED)."""
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", raw)
    except OSError:
        return {"uid": None, "login": None}
    import pwd

    try:
        login = pwd.getpwuid(uid).pw_name
    except KeyError:
        login = None
    return {"uid": uid, "login": login}


class PeerCredentialsProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol, with each Unix-socket connection's peer put in every request's scope."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family == socket.AF_UNIX:
            peer, app = peer_of(sock), self.app

            async def with_peer(scope, receive, send):
                scope[PEER_SCOPE_KEY] = peer
                await app(scope, receive, send)

            self.app = with_peer


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


def serve(url: str, host: str, port: int, workers: int = 1, base_url: str | None = None,
          access_log: bool = True, unix_socket: str | None = None, socket_group: str | None = None) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    os.environ["ONCALL_SERVE_DB"] = url
    if base_url:
        os.environ["ONCALL_SERVE_BASE_URL"] = base_url
    config = uvicorn.Config("oncall_tui.server.app:app_from_env", factory=True, workers=workers,
                            access_log=access_log, log_level="info", http=PeerCredentialsProtocol)
    if unix_socket:
        sock = listening_unix_socket(unix_socket, socket_group)
        # uvicorn re-raises the SIGTERM it stopped on; ending with SystemExit lets `finally` remove the socket
        signal.signal(signal.SIGTERM, _exit_quietly)
        where = f"unix:{unix_socket} (each user is who the kernel says they are)"
    else:
        sock = listening_socket(host, port)
        where = f"http://{host}:{sock.getsockname()[1]}"
    logging.getLogger("uvicorn.error").info("oncall serve listening on %s", where)
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        if unix_socket:
            try:
                os.unlink(unix_socket)
            except OSError:
                pass

"""Run the app under uvicorn: one process, or several sharing one listening socket."""
from __future__ import annotations

import logging
import os
import socket


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


def serve(url: str, host: str, port: int, workers: int = 1, base_url: str | None = None,
          access_log: bool = True) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    os.environ["ONCALL_SERVE_DB"] = url
    if base_url:
        os.environ["ONCALL_SERVE_BASE_URL"] = base_url
    config = uvicorn.Config("oncall_tui.server.app:app_from_env", factory=True, workers=workers,
                            access_log=access_log, log_level="info")
    sock = listening_socket(host, port)
    logging.getLogger("uvicorn.error").info("oncall serve listening on http://%s:%d", host, sock.getsockname()[1])
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

"""A small cache of read answers, checked against the change cursor on every hit.

Scripts and TUIs poll the same few reads ("who is on call now") over and
over.  An answer is reused only while (a) nobody changed anything since it
was computed – the change cursor (the newest audit id; every write appends
one) is the same – and (b) less than `ttl` has passed, both on the wall and
on the backend's clock, so answers that depend on the time (a shift handing
over at 09:00) are at most `ttl` late.  Answers are per database, person and
exact arguments.  Each process keeps its own; the cursor lives in the shared
database, so several `oncall serve` processes never disagree for longer than
`ttl`.  Only reads whose data changes solely through audited writes are
cached (CACHED_READS); add a method there only if that holds for it.
"""
from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

DEFAULT_TTL = float(os.environ.get("ONCALL_SERVER_READ_CACHE_SECONDS", "1.0"))
MAX_ENTRIES = 4096
CACHED_READS = frozenset({"now", "shifts", "teams", "members", "rotations", "escalation"})


class ReadCache:
    def __init__(self, ttl_seconds: float = DEFAULT_TTL) -> None:
        self.ttl = timedelta(seconds=ttl_seconds)
        self._entries: dict[tuple, tuple[int, object, float, bytes]] = {}
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl > timedelta(0)

    @staticmethod
    def cursor(backend) -> int:
        return backend.change_seq()

    def computing(self, key: tuple) -> threading.Lock:
        """One lock per key: when an answer expires, one thread recomputes it and the
        others wait for that answer instead of all computing the same thing at once."""
        with self._lock:
            lock = self._computing.get(key)
            if lock is None:
                if len(self._computing) >= MAX_ENTRIES:
                    self._computing.clear()
                lock = self._computing[key] = threading.Lock()
            return lock

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def wants(self, method_name: str) -> bool:
        return self.enabled and method_name in CACHED_READS

    def get(self, key: tuple, cursor: int, at) -> bytes | None:
        entry = self._entries.get(key)
        if (entry is not None and entry[0] == cursor and timedelta(0) <= at - entry[1] < self.ttl
                and time.monotonic() - entry[2] < self.ttl.total_seconds()):
            self.hits += 1
            return entry[3]
        self.misses += 1
        return None

    def put(self, key: tuple, cursor: int, at, body: bytes) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (cursor, at, time.monotonic(), body)

"""Open the database from one URL; nothing else in the code knows which kind it is.

    sqlite:///relative/path.db   sqlite:////absolute/path.db   /a/plain/path.db
    postgresql://user:pass@host:port/dbname
"""
from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee as pw

from ..config import is_sqlite, normalise_url, sqlite_path, storage_problem  # noqa: F401  (re-exported)
from ..core.errors import Unavailable
from .models import database

BUSY_TIMEOUT_MS = 30_000
#: How long a writer waits for the writers' lock file before saying who to look for (tests lower it).
WRITERS_LOCK_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000
PG_POOL_SIZE = 20  # connections per process (`oncall serve` uses at most its worker threads' worth)
# PostgreSQL that hangs (stopped, overloaded, a network that drops packets) must not hang us:
PG_CONNECT_TIMEOUT = 5  # seconds to connect, log in and start a session
PG_STATEMENT_TIMEOUT_MS = 15_000  # the server stops a statement running longer (statement_timeout)
PG_LOCK_TIMEOUT_MS = 10_000  # ... or waiting longer for a lock (lock_timeout)
#: Seconds after which we stop waiting for any answer ourselves (a server that is stopped cannot
#: enforce its own timeouts): the connection is cut, the call fails with a clear 503.
PG_ANSWER_TIMEOUT = 20.0
PG_POOL_WAIT = 10  # seconds to wait for a free pooled connection


#: The files SQLite (and the writers' queue) keep beside a database.
COMPANIONS = ("-wal", "-shm", "-journal", "-writers.lock")
#: The secrets key beside a database (store/secrets.py): the group reads it, nobody else does.
KEY_SUFFIX = "-secret.key"
KEY_MODE = 0o640


def shared_folder_gid(folder: Path) -> int | None:
    """The group of `folder` when it is a setgid group folder (the jump box's `2770`), else None."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return st.st_gid if st.st_mode & stat.S_ISGID else None


def share_with_group(path: Path, gid: int | None = None, bits: int = 0o060, hidden: int = 0) -> None:
    """In a setgid group folder, give `path` the folder's group and the group's `bits` (read and
    write), taking away the `hidden` ones (others' bits, for the secrets key), whatever the umask
    of the process that made it.  Only the file's owner (or root) may change it; anything else is
    left for `oncall doctor` to report."""
    gid = shared_folder_gid(path.parent) if gid is None else gid
    if gid is None:
        return
    try:
        st = path.stat()
        if st.st_uid != os.geteuid() and os.geteuid() != 0:
            return
        if st.st_gid != gid:
            os.chown(path, -1, gid)
        mode = stat.S_IMODE(st.st_mode)
        if (mode | bits) & ~hidden != mode:
            os.chmod(path, (mode | bits) & ~hidden)
    except OSError:
        return


def share_database_files(path: Path) -> None:
    """The database and its companions, shared with the folder's group (see share_with_group)."""
    gid = shared_folder_gid(path.parent)
    if gid is None:
        return
    for name in (str(path), *(str(path) + suffix for suffix in COMPANIONS)):
        share_with_group(Path(name), gid)
    # a key made before the folder was a group folder (or copied in) is the group's to read too
    share_with_group(Path(str(path) + KEY_SUFFIX), gid, bits=KEY_MODE & 0o070, hidden=0o007)


def create_shared_file(path: Path) -> None:
    """Create `path` empty, group-writable when its folder is a setgid group folder.  SQLite gives
    the `-wal` and `-shm` it makes later the mode of the database file, so this one mode, set
    past the umask, keeps every file beside it writable by the group."""
    if shared_folder_gid(path.parent) is None or path.exists():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660)
    except FileExistsError:  # someone else made it meanwhile
        return
    try:
        os.fchmod(fd, 0o660)
    finally:
        os.close(fd)


class SharedSqliteDatabase(pw.SqliteDatabase):
    """A SQLite file whose first connection in this process also puts right the companions
    this process owns (from before this version, or made under a tighter umask), and whose
    permission problems (read-only file, a folder this user may not enter) come out as one
    Unavailable naming the file and the fix, wherever they happen: opening, reading, writing.

    Only the first connection may create the file (a new database).  Every later one (each
    worker thread connects anew) opens it only if it is still there: a file removed while
    oncall runs is reported as gone, never replaced by an empty one that the next query
    would meet as 'no such table'."""

    _opened = False  # a connection worked: the file is the team's, never to be made anew

    def _connect(self):
        if self._opened:
            return self._reconnect()
        conn = super()._connect()
        self._opened = True
        share_database_files(Path(self.database))
        return conn

    def _reconnect(self):
        path = Path(self.database)
        try:
            conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=self._timeout,
                                   isolation_level=None, **self.connect_params)
        except sqlite3.OperationalError:
            if path.exists():
                raise  # a permission problem: connect() says which, in one line
            raise Unavailable(f"the database at {path} is gone: it was removed or moved while oncall ran, "
                              f"and nothing was changed; put it back (or restore the newest copy made with "
                              f"`oncall backup`) and start oncall again") from None
        try:
            self._add_conn_hooks(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def _or_unavailable(self, errors, call, *args):
        """`call(*args)`, a permission or damage problem raised as one Unavailable line.
        A try around each call, not a context manager: this is on every query's path."""
        try:
            return call(*args)
        except errors as exc:
            problem = storage_problem(Path(self.database), exc)
            if problem is None:
                raise
            raise Unavailable(problem) from exc

    def connect(self, reuse_if_open=False):
        return self._or_unavailable((pw.DatabaseError, PermissionError), super().connect, reuse_if_open)

    # pw.DatabaseError: OperationalError, and 'file is not a database'
    def execute_sql(self, sql, params=None):
        return self._or_unavailable(pw.DatabaseError, super().execute_sql, sql, params)

    def begin(self, lock_type=None):
        return self._or_unavailable(pw.DatabaseError, super().begin, lock_type)

    def commit(self):
        return self._or_unavailable(pw.DatabaseError, super().commit)


def make_database(url: str) -> pw.Database:
    url = normalise_url(url)
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            create_shared_file(path)
        except PermissionError as exc:
            raise Unavailable(storage_problem(path, exc)) from None
        return SharedSqliteDatabase(
            str(path),
            pragmas={
                "journal_mode": "wal",
                "busy_timeout": BUSY_TIMEOUT_MS,
                "foreign_keys": 1,
                "synchronous": "normal",
            },
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
    if url.startswith(("postgresql:", "postgres:")):
        from playhouse.pool import PooledPostgresqlDatabase

        from .._peewee import enable_psycopg

        enable_psycopg()

        class AnsweringPostgresqlDatabase(PooledPostgresqlDatabase):
            """Every statement, BEGIN, COMMIT and ROLLBACK gets an answer within PG_ANSWER_TIMEOUT
            seconds, or its connection is cut (OperationalError: a 503, and the next call reconnects)."""

            def _is_closed(self, conn):  # the pool asks a pooled connection before lending it
                with _answering(conn):
                    return super()._is_closed(conn)

            def execute_sql(self, sql, params=None):
                with _answer_deadline(self):
                    return super().execute_sql(sql, params)

            def begin(self, *args, **kwargs):
                with _answer_deadline(self):
                    return super().begin(*args, **kwargs)

            def commit(self, *args, **kwargs):
                with _answer_deadline(self):
                    return super().commit(*args, **kwargs)

            def rollback(self, *args, **kwargs):
                with _answer_deadline(self):
                    return super().rollback(*args, **kwargs)

        parts = urlparse(url)
        # A pool: each thread borrows a connection per unit of work and hands it back on close(),
        # so `oncall serve` threads do not reconnect per request.  psycopg 3 is the driver.
        return AnsweringPostgresqlDatabase(
            unquote(parts.path.lstrip("/")),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            connect_timeout=PG_CONNECT_TIMEOUT,
            options=f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS} -c lock_timeout={PG_LOCK_TIMEOUT_MS}",
            max_connections=PG_POOL_SIZE,
            stale_timeout=300,
            timeout=PG_POOL_WAIT,
            prefer_psycopg3=True,
        )
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")


class _Watchdog:
    """One thread per process that cuts the connections whose answer is overdue."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, int]] = {}  # id -> (deadline, socket fd)
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, fd: int, seconds: float) -> int:
        with self._lock:
            self._next += 1
            self._armed[self._next] = (time.monotonic() + seconds, fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="oncall-db-watchdog", daemon=True)
                self._thread.start()
            return self._next

    def disarm(self, key: int) -> None:
        with self._lock:
            self._armed.pop(key, None)

    def _run(self) -> None:
        import socket

        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._lock:  # under the lock: a disarmed (finished) call is never cut
                for key, (deadline, fd) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[key]
                        try:
                            sock = socket.socket(fileno=os.dup(fd))
                            sock.shutdown(socket.SHUT_RDWR)
                            sock.close()
                        except OSError:
                            pass


_WATCHDOG = _Watchdog()


@contextmanager
def _answer_deadline(db: pw.Database) -> Iterator[None]:
    if db.is_closed():
        db.connect()  # what the call would do anyway; bounded by PG_CONNECT_TIMEOUT
    with _answering(db._state.conn):
        yield


@contextmanager
def _answering(conn) -> Iterator[None]:
    """Cut `conn` (a psycopg connection) if no answer comes within PG_ANSWER_TIMEOUT seconds."""
    try:
        fd = conn.fileno() if conn is not None else -1
    except Exception:  # a broken connection: the call itself will say so
        fd = -1
    if fd < 0:
        yield
        return
    key = _WATCHDOG.arm(fd, PG_ANSWER_TIMEOUT)
    try:
        yield
    finally:
        _WATCHDOG.disarm(key)


def bind(db: pw.Database) -> None:
    """Point every model at `db` (one database per process)."""
    database.initialize(db)


_RETRYABLE_TEXT = ("database is locked", "database is busy", "could not serialize",
                   "deadlock detected", "SQLITE_BUSY")


def _retryable(exc: Exception) -> bool:
    text = str(exc)
    return any(t in text for t in _RETRYABLE_TEXT)


class WriterQueue:
    """Writers to one SQLite file wait their turn on a lock file beside it.

    SQLite's own busy handler makes a waiting writer sleep and retry with
    back-off, so under contention the write lock often sits idle while
    everybody sleeps; a kernel file lock (flock) wakes the next writer the
    moment the last one lets go.  Several OS users sharing the file share the
    lock file (it is created group-writable beside the database).  Where the
    lock file cannot be opened, writers fall back to the busy handler alone."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(str(db_path) + "-writers.lock")
        self._thread_lock = threading.Lock()  # flock is per open file: threads queue here first
        self._fd: int | None = None
        self._usable = True

    def _open(self) -> int | None:
        if self._fd is None and self._usable:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                self._usable = False
            else:
                share_with_group(self.path)
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # not a POSIX system: the busy handler alone
            yield
            return
        give_up_at = time.monotonic() + WRITERS_LOCK_TIMEOUT_S
        if not self._thread_lock.acquire(timeout=max(0.0, WRITERS_LOCK_TIMEOUT_S)):
            raise self._held_too_long()
        try:
            fd = self._open()
            if fd is None:
                yield
                return
            self._take(fcntl, fd, give_up_at)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _take(self, fcntl, fd: int, give_up_at: float) -> None:
        """The lock, or Unavailable once the deadline passes: a process holding it for ever
        (a suspended `oncall`, anyone in the group running `flock` on it) must not hang every
        writer in silence.  Short waits, so the next writer still starts soon after the last."""
        wait = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                left = give_up_at - time.monotonic()
                if left <= 0:
                    raise self._held_too_long() from None
                time.sleep(min(wait, left))
                wait = min(wait * 2, 0.01)

    def _held_too_long(self) -> Unavailable:
        return Unavailable(f"another oncall process holds the write lock on {self.path} for over "
                           f"{WRITERS_LOCK_TIMEOUT_S:g} s; `fuser {self.path}` shows which")


_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def writer_queue(db: pw.SqliteDatabase) -> WriterQueue:
    with _QUEUES_LOCK:
        queue = _QUEUES.get(db.database)
        if queue is None:
            queue = _QUEUES[db.database] = WriterQueue(Path(db.database))
        return queue


@contextmanager
def write_tx(db: pw.Database) -> Iterator[None]:
    """One write transaction.  SQLite writers queue on the lock file, then take the
    write lock up front (BEGIN IMMEDIATE), so two writers never deadlock on a lock
    upgrade and nobody sleeps while the lock is free."""
    if isinstance(db, pw.SqliteDatabase):
        if db.in_transaction():  # nested: the outer transaction already holds the turn
            with db.atomic():
                yield
            return
        with writer_queue(db).turn(), db.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield


_CONNECTION_TEXT = ("connection", "server closed", "terminating", "could not connect", "refused",
                    "timeout expired", "Max connections exceeded")


def is_connection_error(exc: Exception) -> bool:
    """The database server went away or cannot be reached (as opposed to a bad query)."""
    if isinstance(exc, pw.InterfaceError):
        return True
    return isinstance(exc, pw.OperationalError) and not _retryable(exc) and any(
        t in str(exc) for t in _CONNECTION_TEXT)


def discard_connection(db: pw.Database) -> None:
    """Forget this thread's connection after the server went away; the next query reconnects."""
    try:
        manual = getattr(db, "manual_close", None)
        (manual or db.close)()
    except Exception:  # the connection is already gone
        try:
            db._state.reset()
        except Exception:
            pass


def run_write(db: pw.Database, fn, attempts: int = 8):
    """Run `fn()` inside a write transaction, retrying when the database says
    'busy' or 'could not serialize', or lost its connection before the work began.
    Nothing is half-applied: a failed attempt is rolled back before the next."""
    delay = 0.02
    lost = 0
    for attempt in range(attempts):
        try:
            with write_tx(db):
                return fn()
        except (pw.OperationalError, pw.InternalError, pw.InterfaceError) as exc:
            if is_connection_error(exc):
                discard_connection(db)
                lost += 1
                if lost >= 2:
                    raise Unavailable("the database cannot be reached right now; nothing was changed, "
                                      "try again shortly") from exc
                continue
            if not _retryable(exc) or attempt == attempts - 1:
                if _retryable(exc):
                    raise Unavailable("the database stayed busy; nothing was changed, try again") from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def connect_error_message(url: str, exc: Exception) -> str:
    where = sqlite_path(url) if is_sqlite(url) else urlparse(normalise_url(url)).hostname
    return f"cannot open the database at {where}: {exc}"


def sqlite_logins(path: Path) -> list[str]:
    """The active people's logins in a SQLite database, read without writing anything (for
    `oncall doctor`, which must work where the app cannot)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return [row[0] for row in conn.execute("SELECT login FROM person WHERE active = 1 ORDER BY login")]
    finally:
        conn.close()

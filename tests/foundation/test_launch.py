"""Opening the app: the first screen's data read by a child process while Textual loads.

Forking is only safe in a process with one thread, and pytest's workers run several, so the
look-ahead itself runs in a fresh interpreter here, as it does under `oncall`."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading

import pytest

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.config import Target
from oncall_tui.launch import FirstLook, LazyBackend, LookAhead, first_look

from ..conftest import DEMO_NAME, DEMO_YOU, NOW
from .helpers import screen_text, wait_until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the look-ahead needs fork()")

_LOOK_AHEAD = """
import json, pickle, sys
from oncall_tui.core.clock import clock_from_env
from oncall_tui.config import Target
from oncall_tui.core.errors import OncallError
from oncall_tui.launch import LookAhead

where, act_as, token = sys.argv[1:4]
target = Target(server=where, token=token) if token else Target(db_url=where)
ahead = LookAhead.start(target, act_as or None, clock_from_env())
try:
    look = ahead.result()
except OncallError as exc:
    print(json.dumps({"refused": exc.message}))
    raise SystemExit(0)
storage = sorted(m for m in ("peewee", "sqlite3", "httpx", "oncall_tui.store", "oncall_tui.backend.local")
                 if m in sys.modules)
print(json.dumps({"forked": ahead is not None, "welcome": look.welcome, "backend": look.backend is not None,
                  "storage_loaded_here": storage}))
sys.stdout.flush()
sys.stdout.buffer.write(pickle.dumps(look.home))
"""


def _look_ahead(where: str, login: str = DEMO_YOU, act_as: str = "", token: str = "") -> tuple[dict, bytes]:
    """Run the look-ahead in a fresh interpreter on a database URL (or a server, with a token)."""
    env = {**os.environ, "ONCALL_NOW": NOW.isoformat(), "ONCALL_LOGIN": login}
    done = subprocess.run([sys.executable, "-c", _LOOK_AHEAD, where, act_as, token], capture_output=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    head, _, rest = done.stdout.partition(b"\n")
    return json.loads(head), rest


def test_the_child_reads_what_the_app_would_read_itself_and_this_process_loads_no_storage(demo_db, clock):
    import pickle

    # the demo's swap requests due already: stored now, so no deliverer the launch starts moves the cursor meanwhile
    LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).services.swaps.advance_due()
    facts, home = _look_ahead(demo_db)
    assert facts == {"forked": True, "welcome": None, "backend": False, "storage_loaded_here": []}
    cursor, view = pickle.loads(home)
    mine = first_look(Target(db_url=demo_db), None, clock)
    assert (cursor, view) == mine.home
    assert "1 swap request waiting" in view.swaps_summary and view.next_shifts


def test_through_a_server_the_child_reads_over_http_and_this_process_loads_no_http_client(
        demo_db, clock, remote_backend_factory):
    import pickle

    remote = remote_backend_factory(demo_db, DEMO_YOU)
    facts, home = _look_ahead(remote.url, token=remote.token)
    assert facts == {"forked": True, "welcome": None, "backend": False, "storage_loaded_here": []}
    _cursor, view = pickle.loads(home)
    assert view == LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).home()


def test_on_postgresql_the_child_reads_what_this_process_would(fresh_pg_demo, clock):
    import pickle

    facts, home = _look_ahead(fresh_pg_demo)
    assert facts == {"forked": True, "welcome": None, "backend": False, "storage_loaded_here": []}
    assert pickle.loads(home) == first_look(Target(db_url=fresh_pg_demo), None, clock).home


def test_a_login_that_is_no_member_gets_the_welcome_from_the_child(demo_db):
    facts, _ = _look_ahead(demo_db, login="stranger")
    assert facts["forked"] and facts["welcome"]
    assert "stranger" in facts["welcome"] and "Maya Goldberg" in facts["welcome"], facts["welcome"]


def test_a_refusal_in_the_child_reaches_this_process_as_the_same_error(tmp_path):
    from .test_cli import _real_team

    facts, _ = _look_ahead(str(_real_team(tmp_path)), login="dana", act_as="alice")
    assert facts == {"refused": "--as works only in a demo database; a real one always acts as your login"}


@pytest.mark.parametrize("command", [[], ["now"]], ids=["bare oncall", "oncall now"])
def test_a_refused_as_is_one_line_and_exit_2_with_or_without_a_command(tmp_path, command):
    """One convention (README: exit codes): the backend's refusal is exit 2 and one line on
    stderr prefixed `oncall:`, whether the app was to open or a command to run."""
    from .test_cli import _real_team

    path = _real_team(tmp_path)
    env = {**os.environ, "ONCALL_NOW": NOW.isoformat(), "ONCALL_LOGIN": "dana"}
    done = subprocess.run([sys.executable, "-c", "from oncall_tui.cli import main; main()", "--db", str(path),
                           "--as", "alice", *command], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("oncall: --as works only in a demo database; a real one always acts as your "
                           "login\n")
    assert done.stdout == "", "the app never started and nothing else was said"


def test_a_child_that_dies_without_an_answer_leaves_the_look_to_this_process():
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # a child killed before it could answer
        os._exit(9)
    os.close(write_fd)
    assert LookAhead(pid, read_fd).result() is None


def test_no_child_is_forked_while_other_threads_run(demo_db, clock):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert LookAhead.start(Target(db_url=demo_db), None, clock) is None
    finally:
        stop.set()
        other.join()


def test_no_child_is_forked_once_this_process_has_a_database_open(demo_db):
    """`oncall demo` builds the database, then opens the app: its connection must not be used
    on both sides of a fork, so the look is taken in this process."""
    code = (
        "import sys\n"
        "from oncall_tui.backend.local import LocalBackend\n"
        "from oncall_tui.core.clock import clock_from_env\n"
        "from oncall_tui.config import Target\n"
        "from oncall_tui.launch import LookAhead\n"
        "target = Target(db_url=sys.argv[1])\n"
        "before = LookAhead.start(target, None, clock_from_env())\n"
        "print(before is not None and before.result() is not None)\n"
        "LocalBackend(sys.argv[1]).whoami()\n"
        "print(LookAhead.start(target, None, clock_from_env()) is None)\n"
    )
    env = {**os.environ, "ONCALL_NOW": NOW.isoformat(), "ONCALL_LOGIN": DEMO_YOU}
    done = subprocess.run([sys.executable, "-c", code, demo_db], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_a_missing_database_is_the_first_run_welcome_without_creating_it(tmp_path, clock):
    missing = tmp_path / "none.db"
    look = first_look(Target(db_url=str(missing)), None, clock)
    assert look == FirstLook(welcome=f"There is no database at {missing} yet.")
    assert not missing.exists()


def test_the_lazy_backend_is_made_once_whichever_threads_ask_first(demo_db, clock):
    lazy = LazyBackend(Target(db_url=demo_db), clock, None)
    seen: list = []

    def ask() -> None:
        seen.append((lazy.whoami().login, lazy.resolve()))
        lazy.release_thread()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {login for login, _ in seen} == {DEMO_YOU}
    assert len({id(backend) for _, backend in seen}) == 1
    assert isinstance(seen[0][1], LocalBackend)


def test_the_first_frame_shows_the_data_read_before_start_and_the_backend_comes_after(demo_db, clock):
    """The home screen paints from the look alone; the backend is made afterwards, and from then
    on another user's change reaches the screen as it always does."""
    target = Target(db_url=demo_db)
    look = first_look(target, None, clock)
    app = make_app(target, clock=clock, look=FirstLook(home=look.home))  # its backend stayed in the child
    lazy = app.backend
    assert isinstance(lazy, LazyBackend)
    bogdan = LocalBackend(demo_db, actor="bogdan", clock=clock)
    uid = look.home[1].next_shifts[0].assignment.uid

    async def steps(pilot):
        first = screen_text(pilot.app)
        backend_at_first_frame = lazy._backend
        made = await wait_until(pilot, lambda: lazy._backend is not None)
        bogdan.add_handover_note(uid, "pager rota moved to the new phone")
        seen = await wait_until(pilot, lambda: "new phone" in screen_text(pilot.app), attempts=80)
        return first, backend_at_first_frame, made, seen

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            return await steps(pilot)

    first, backend_at_first_frame, made, seen = asyncio.run(go())
    assert "1 swap request waiting for your answer" in first and "Loading…" not in first
    assert "oncall · My on-call" in first and DEMO_NAME in first
    assert backend_at_first_frame is None, "the first frame needed no backend"
    assert made and seen

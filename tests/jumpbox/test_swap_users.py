"""A whole shift swap between real OS users on the README's jump box: one shared SQLite file in a
setgid group folder, each person running the installed `oncall` as their own login.

alice asks bob by name for one of her shifts, bob sees it and agrees, and everyone's `shifts`
and `now` show bob on it; chen (in the team, not asked) can neither answer nor cancel it, and
alice cannot agree to her own request.  The links people are sent (swap answers, "can't make
it") are made with a key derived from the database's secrets key, a file beside the database:
whoever makes it first, the group can read it and nobody else, and every member's `oncall`
makes the same links."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest_backends import free_port
from tests.delivery.conftest import Mailbox

from .users import Box, UserTerminal, built_box

pytestmark = [pytest.mark.slow]

SERVER = "https://oncall.example.com"
ROTATION = "payments-oncall"
CANT_LINK = re.compile(re.escape(SERVER) + r"/links/cant/[A-Za-z0-9_\-]+")
SWAP_LINK = re.compile(re.escape(SERVER) + r"/links/swap/[A-Za-z0-9_\-]+")


@pytest.fixture(scope="module")
def crew():
    """The box with the example team's whole crew (eight engineers: with fewer, everyone's
    month is full to the rotation's rules and nobody can take anything), chen among them (in
    the team and the group, never asked), and the team's server_url set, so that links carry
    the whole address."""
    people = ("dana", "alice", "bob", "chen", "devi", "emil", "fatima", "gus", "hana")
    with built_box(people=people, settings=f'server_url = "{SERVER}"') as made:
        yield made


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout


def refused(done: subprocess.CompletedProcess) -> str:
    """A refusal: a non-zero exit, one line on stderr, nothing on stdout, no traceback."""
    assert done.returncode != 0, f"it was allowed:\n{done.stdout}"
    assert "Traceback" not in done.stderr and done.stdout == "", done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def without_url(team_file: Path) -> Path:
    """The box's team file without its server_url (the team before its manager adds it)."""
    text = team_file.read_text()
    plain = text.replace(f'settings = {{ server_url = "{SERVER}" }}\n', "")
    assert plain != text
    path = team_file.with_name("team-without-url.toml")
    path.write_text(plain)
    os.chmod(path, 0o644)
    return path


def publish_december(box: Box, *db: str) -> None:
    """dana, the manager, drafts December (greedy: a plan in a second) and publishes it."""
    ok(box.oncall_as("dana", *db, "plan", "-r", ROTATION, "--month", "2026-12", "--solver", "greedy"))
    plans = json.loads(ok(box.oncall_as("dana", *db, "plans", "--json")))
    draft = next(p for p in plans if p["status"] == "draft" and p["first_day"] == "2026-12-01")
    ok(box.oncall_as("dana", *db, "publish", str(draft["id"])))


def key_file(db: Path) -> Path:
    return db.with_name(db.name + "-secret.key")


def tight_umask(command: list[str]) -> list[str]:
    """`command` (runuser -u LOGIN -- ...) with umask 077 in the user's process, whatever the
    PAM session of runuser sets."""
    at = command.index("--") + 1
    return [*command[:at], "sh", "-c", 'umask 077 && exec "$@"', "sh", *command[at:]]


def quiet(box: Box, who: str, seconds: float = 60) -> None:
    """Wait until nothing runs as `who` (the mail deliverer a change starts in the background
    opens the database too, and puts right what its user owns)."""
    import time

    deadline = time.monotonic() + seconds
    while subprocess.run(["pgrep", "-u", box.login[who]], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, f"{who}'s processes are still running"
        time.sleep(0.05)


def cant_links(ics: str) -> list[str]:
    return CANT_LINK.findall(ics.replace("\r\n ", ""))  # unfolded: a long line goes on after "\r\n "


def holder(box: Box, who: str, uid: str) -> str:
    """Who `who`'s `oncall shifts --json` says holds shift `uid` (everybody's shifts are listed)."""
    shifts = json.loads(ok(box.oncall_as(who, "shifts", "--person", "*", "--from", "2026-12-01",
                                         "--to", "2026-12-31", "--json")))
    found = [s for s in shifts if s["assignment"]["uid"] == uid]
    assert len(found) == 1, (uid, shifts)
    return found[0]["assignment"]["person"]["login"]


# -- the secrets key and the links made with it ---------------------------------------------------
def test_the_key_is_made_by_whoever_comes_first_shared_with_the_group_only_and_links_agree(crew):
    """The team adds its server_url after the plan is out, then alice and bob both open their
    calendars at once under a tight umask: one of them makes the key, and it is theirs, the
    folder's group's and nobody else's; dana's export of alice's shifts carries the very
    "can't make it" links alice's own export does."""
    db = crew.folder / "keys.db"
    on = ("--db", str(db))
    ok(crew.oncall_as("dana", *on, "team", "import", str(without_url(crew.team_file))))
    publish_december(crew, *on)
    key = key_file(db)
    assert not key.exists(), "no link handed out yet (no server_url): the key is made when one is"
    ok(crew.oncall_as("dana", *on, "team", "import", str(crew.team_file)))
    quiet(crew, "dana")
    assert not key.exists(), "dana handed out no link: the key is alice's or bob's to make"

    exports = {who: subprocess.Popen(tight_umask(crew.command(who, *on, "calendar", "export", "-o", "-")),
                                     cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
               for who in ("alice", "bob")}
    ics = {}
    for who, proc in exports.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        ics[who] = out

    st = key.stat()
    assert st.st_uid in (crew.uid("alice"), crew.uid("bob")), f"made by uid {st.st_uid}"
    assert st.st_gid == db.stat().st_gid == crew.folder.stat().st_gid, "not in the folder's group"
    assert stat.S_IMODE(st.st_mode) == 0o640, f"mode {stat.S_IMODE(st.st_mode):o}"
    made = [p.name for p in crew.folder.iterdir() if p.name.lstrip(".").startswith(key.name)]
    assert made == [key.name], f"a half-made key is left: {made}"
    for who in ("alice", "bob", "dana"):
        ok(subprocess.run(["runuser", "-u", crew.login[who], "--", "cat", str(key)], capture_output=True,
                          text=True, timeout=60))
    # someone outside the group: kept out by the folder, and by the key's own mode were the folder
    # opened to passers-by (o+x, as a mistaken chmod would)
    mode = stat.S_IMODE(crew.folder.stat().st_mode)
    for opened in (False, True):
        os.chmod(crew.folder, mode | (0o001 if opened else 0))
        try:
            outside = subprocess.run(["runuser", "-u", crew.login["out"], "--", "cat", str(key)],
                                     capture_output=True, text=True, timeout=60)
        finally:
            os.chmod(crew.folder, mode)
        assert outside.returncode != 0 and outside.stdout == "", f"outside the group read the key ({opened=})"
        assert "Permission denied" in outside.stderr, outside.stderr

    alices = cant_links(ics["alice"])
    assert alices, "alice's calendar entries carry her \"can't make it\" links"
    assert not set(alices) & set(cant_links(ics["bob"])), "a link is one person's and one shift's"
    from_dana = cant_links(ok(crew.oncall_as("dana", *on, "calendar", "export", "--person", crew.login["alice"],
                                             "-o", "-")))
    assert from_dana == alices, "dana's oncall makes other links for alice's shifts than alice's oncall"
    again = cant_links(ok(crew.oncall_as("alice", *on, "calendar", "export", "-o", "-")))
    assert again == alices, "the links change from one run to the next"


def test_a_key_the_group_cannot_read_is_named_by_doctor_and_put_right_by_its_owner(crew):
    """A key left private to dana (made before the folder was a setgid group folder, or by a
    copy that kept her own group): bob's first command that makes a link is one line naming the
    key and `oncall doctor`; doctor names it with its fix; dana's next `oncall` puts it right,
    as it does for the database's own companions, and bob's links are dana's again."""
    import pwd

    db = crew.folder / "older.db"
    on = ("--db", str(db))
    ok(crew.oncall_as("dana", *on, "team", "import", str(crew.team_file)))
    publish_december(crew, *on)  # with a server_url: the plan's calendar entries make the key
    key = key_file(db)
    assert key.stat().st_uid == crew.uid("dana")
    quiet(crew, "dana")
    own_group = pwd.getpwnam(crew.login["dana"]).pw_gid
    os.chown(key, -1, own_group)
    os.chmod(key, 0o600)

    line = refused(crew.oncall_as("bob", *on, "calendar", "export", "-o", "-"))
    assert str(key) in line and "oncall doctor" in line, line
    doctor = crew.oncall_as("bob", *on, "doctor")
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert f"fix: sudo chgrp {crew.group} {key} && sudo chmod 640 {key}" in doctor.stdout, doctor.stdout

    ok(crew.oncall_as("dana", *on, "now"))  # any command: its first connection puts right what dana owns
    st = key.stat()
    assert st.st_gid == crew.folder.stat().st_gid and stat.S_IMODE(st.st_mode) == 0o640, oct(st.st_mode)
    bobs = cant_links(ok(crew.oncall_as("bob", *on, "calendar", "export", "-o", "-")))
    assert bobs and bobs == cant_links(ok(crew.oncall_as("dana", *on, "calendar", "export", "--person",
                                                         crew.login["bob"], "-o", "-")))
    doctor = crew.oncall_as("bob", *on, "doctor")
    assert doctor.returncode == 0 and f"ok       {key} (owner {crew.login['dana']}" in doctor.stdout, doctor.stdout


# -- the swap itself --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mail():
    """The mail server the team's swap mail leaves through (aiosmtpd on 127.0.0.1, as the
    delivery tests' `smtp`, kept for the module): (port, mailbox)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        pytest.skip("aiosmtpd is not installed (pip install -e '.[test]')")
    inbox = Mailbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture(scope="module")
def published(crew, mail):
    """The shared file named by the system configuration: the team imported by dana (with its
    server_url), December published, and the team's mail going to `mail`."""
    port, _ = mail
    ok(crew.oncall_as("dana", "team", "import", str(crew.team_file)))
    publish_december(crew)
    ok(crew.oncall_as("dana", "calendar", "mail-server", "--host", "127.0.0.1", "--port", str(port),
                      "--security", "none", "--from", "oncall@example.com"))
    return crew


def shift_bob_can_take(box: Box, skip: set[str] = frozenset()) -> tuple[dict, str]:
    """alice's first December shift that bob is a candidate for, and `oncall swap candidates`'s
    table for it (as alice sees it)."""
    mine = json.loads(ok(box.oncall_as("alice", "shifts", "--from", "2026-12-01", "--to", "2026-12-31",
                                       "--json")))
    for shift in mine:
        uid = shift["assignment"]["uid"]
        if uid in skip:
            continue
        found = json.loads(ok(box.oncall_as("alice", "swap", "candidates", uid, "--json")))
        if any(c["person"]["login"] == box.login["bob"] for c in found):
            return shift, ok(box.oncall_as("alice", "swap", "candidates", uid))
    pytest.fail(f"bob can take none of alice's shifts: {[s['assignment']['uid'] for s in mine]}")


def mail_to(inbox: Mailbox, address: str, subject: str, seconds: float = 60) -> EmailMessage:
    """The message to `address` whose subject starts with `subject`, once it has arrived."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        with inbox.lock:
            arrived = list(inbox.messages)
        found = [msg for msg in arrived if msg["To"] and address in msg["To"]
                 and str(msg["Subject"]).startswith(subject)]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, [(m["To"], m["Subject"]) for m in arrived]
        time.sleep(0.05)


def swap_of(box: Box, who: str, swap_id: int) -> dict:
    found = [s for s in json.loads(ok(box.oncall_as(who, "swap", "list", "--all", "--json")))
             if s["id"] == swap_id]
    assert len(found) == 1, f"{who} does not see swap {swap_id}"
    return found[0]


def test_alice_asks_bob_bob_agrees_and_everyone_sees_him_on_the_shift(published, mail):
    box, (_, inbox) = published, mail
    alice, bob, chen = box.login["alice"], box.login["bob"], box.login["chen"]
    shift, table = shift_bob_can_take(box)
    uid = shift["assignment"]["uid"]
    assert bob in table and "RANK" in table
    assert holder(box, "bob", uid) == alice

    asked = json.loads(ok(box.oncall_as("alice", "swap", "request", uid, "--ask", bob, "--json")))
    swap_id = asked["id"]
    assert asked["state"] == "open" and asked["requester"]["login"] == alice
    assert [a["person"]["login"] for a in asked["asks"]] == [bob]

    # the key was made by whoever handed out the first link: the group's to read, nobody else's
    key = key_file(box.db)
    assert key.stat().st_uid in {box.uid(who) for who in box.people}
    assert key.stat().st_gid == box.folder.stat().st_gid and stat.S_IMODE(key.stat().st_mode) == 0o640
    # bob's ask: in his list with his own answer link, the very link alice's oncall mailed him
    theirs = swap_of(box, "bob", swap_id)
    assert theirs["my_part"] == "incoming" and theirs["shift_uid"] == uid
    assert SWAP_LINK.fullmatch(theirs["link"]), theirs["link"]
    sent = mail_to(inbox, "bob@", "Can you take")
    assert SWAP_LINK.findall(sent.get_content()) == [theirs["link"]], sent.get_content()
    assert swap_of(box, "alice", swap_id)["link"] == "", "the link is bob's alone"

    # chen was not asked, alice asked: neither can take it, and nothing changes
    before = swap_of(box, "alice", swap_id)
    for who, args in (("chen", ("agree",)), ("chen", ("decline", "--reason", "no")), ("chen", ("cancel",)),
                      ("alice", ("agree",))):
        line = refused(box.oncall_as(who, "swap", *args, str(swap_id)))
        assert line.startswith("oncall: "), line
        assert ("only Alice Moreau or a manager" if args == ("cancel",) else "you were not asked") in line, line
    assert swap_of(box, "alice", swap_id) == before
    seen_by_chen = json.loads(ok(box.oncall_as("chen", "swap", "list", "--all", "--json")))
    assert swap_id not in {s["id"] for s in seen_by_chen}, "chen, neither asking nor asked, is not shown it"
    assert holder(box, "chen", uid) == alice

    ok(box.oncall_as("bob", "swap", "agree", str(swap_id)))
    done = swap_of(box, "alice", swap_id)
    assert done["state"] == "agreed" and done["taken_by"]["login"] == bob
    for who in ("alice", "bob", "chen", "dana"):
        assert holder(box, who, uid) == bob, f"{who}'s oncall shifts"
    own = {who: {s["assignment"]["uid"] for s in json.loads(ok(box.oncall_as(
        who, "shifts", "--from", "2026-12-01", "--to", "2026-12-31", "--json")))} for who in ("alice", "bob")}
    assert uid in own["bob"] and uid not in own["alice"], "each one's own `oncall shifts`"
    during = datetime.fromisoformat(shift["assignment"]["start"]) + timedelta(hours=1)
    for who in ("alice", "bob"):
        now = json.loads(ok(box.oncall_as(who, "now", "--json", ONCALL_NOW=during.isoformat())))
        role = shift["assignment"]["role"]
        assert [n["person"]["login"] for n in now if n["role"] == role] == [bob], (who, now)
        assert alice not in {n["person"]["login"] for n in now}, (who, now)
    assert cant_links(ok(box.oncall_as("bob", "calendar", "export", "-o", "-"))), "the shift is bob's to give"
    # once taken, nobody answers it again: chen cannot take it, bob cannot decline what he took
    for who, answer in (("chen", "agree"), ("bob", "decline")):
        assert "already taken by Bob Okafor" in refused(box.oncall_as(who, "swap", answer, str(swap_id)))
    assert swap_of(box, "alice", swap_id) == done


# -- the swap inbox, as bob in his own terminal -------------------------------------------------------
def test_bob_agrees_in_the_swap_inbox_and_alice_sees_it_agreed(published):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    box = published
    bob = box.login["bob"]
    earlier = json.loads(ok(box.oncall_as("alice", "swap", "list", "--all", "--json")))
    for swap in earlier:  # bob's inbox is to hold one open ask (whatever the test before left)
        if swap["state"] in ("open", "escalated"):
            ok(box.oncall_as("alice", "swap", "cancel", str(swap["id"])))
    taken = {s["shift_uid"] for s in earlier}
    shift, _ = shift_bob_can_take(box, skip=taken)
    asked = json.loads(ok(box.oncall_as("alice", "swap", "request", shift["assignment"]["uid"], "--ask", bob,
                                        "--json")))
    terminal = UserTerminal(box.command("bob"), size=(80, 24))
    try:
        terminal.wait_for("Your next shifts")
        terminal.press("s")
        inbox = terminal.wait_for("from Alice Moreau")
        assert "Asked of you" in inbox
        keys = inbox.splitlines()[-1]
        agree = re.search(r"(\S+) Agree\b", keys)
        assert agree, f"the key bar shows no Agree key: {keys!r}"
        terminal.press(agree.group(1))
        terminal.wait_for("You agreed")
    finally:
        terminal.stop()
    mine = ok(box.oncall_as("alice", "swap", "list", "--all"))
    line = next(line for line in mine.splitlines() if line.startswith(f"swap {asked['id']} "))
    assert "taken by Bob Okafor" in line, mine
    assert swap_of(box, "alice", asked["id"])["state"] == "agreed"

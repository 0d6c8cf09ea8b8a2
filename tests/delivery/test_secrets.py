"""Mail and CalDAV passwords at rest: encrypted with a key kept outside the database, never in
the database file, the audit log, a team export, an answer, a screen line or an error."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from oncall_tui.backend.local import LocalBackend, forget_database
from oncall_tui.core.errors import InvalidInput
from oncall_tui.services.outbox import Delivery

from ..conftest import DEMO_YOU
from ..foundation.helpers import checkpoint, db_path
from .helpers import TEAM, queue_mails

MAIL_PASSWORD = "Zq9-mail-secret-Very-Unusual"
CALDAV_PASSWORD = "Xw7-caldav-secret-Also-Unusual"


def _everything_written(backend, demo_db) -> bytes:
    forget_database(demo_db)
    checkpoint(db_path(demo_db))
    path = db_path(demo_db)
    data = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)
                    and not p.name.endswith("-secret.key"))
    audit = repr(backend.audit(team=TEAM, limit=1000)).encode()
    export = backend.export_team(TEAM).encode()
    return data + audit + export


def test_passwords_are_stored_encrypted_and_shown_nowhere(demo_db, clock, monkeypatch):
    from ..conftest_backends import free_port

    monkeypatch.delenv("ONCALL_SECRET_KEY", raising=False)
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    # A mail server that refuses (nobody listens) and a CalDAV server that does not answer:
    # the error lines are written to the delivery state.
    info = root.set_mail_server(TEAM, "127.0.0.1", free_port(), "none", "mailer", "oncall@example.com",
                                MAIL_PASSWORD)
    assert info.has_password and MAIL_PASSWORD not in repr(info)
    cal = alice.set_caldav(f"http://127.0.0.1:{free_port()}/alice/cal/", "alice", CALDAV_PASSWORD)
    assert cal.has_password and CALDAV_PASSWORD not in repr(cal)
    queue_mails(root, ["alice"])
    Delivery(root.context).run_once()
    states = root.delivery_status(TEAM)
    assert any(s.state == "failing" for s in states)

    key = db_path(demo_db).with_name(db_path(demo_db).name + "-secret.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # made on first use, for its owner only
    everything = _everything_written(root, demo_db) + repr(states).encode()
    for secret in (MAIL_PASSWORD, CALDAV_PASSWORD):
        assert secret.encode() not in everything
    # ... and the CLI's lines and JSON, with the errors in them.
    env = {**os.environ}
    for args in (["calendar", "status", "--team", TEAM, "--json"], ["calendar", "mail-server", "--json"],
                 ["calendar", "status"], ["deliver", "--json"]):
        out = subprocess.run([sys.executable, "-m", "oncall_tui", "--db", demo_db, *args], capture_output=True,
                             text=True, env=env, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "failing" in out.stdout or "sent" in out.stdout or "mailer" in out.stdout
        assert MAIL_PASSWORD not in out.stdout + out.stderr and CALDAV_PASSWORD not in out.stdout + out.stderr


def test_a_wrong_or_missing_key_is_one_clear_line(demo_db, clock, smtp, monkeypatch):
    from .helpers import set_mail

    host, port, _ = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port, security="none", username="u", password=MAIL_PASSWORD)
    key = db_path(demo_db).with_name(db_path(demo_db).name + "-secret.key")
    key.unlink()  # the key is lost (a restore without it)
    queue_mails(root, ["alice"])
    Delivery(root.context).run_once()
    line = root.my_delivery("alice").last_error
    assert line == (f"the mail server password of team '{TEAM}' "
                    f"cannot be read: the secrets key {key} is missing; set the password again")


def test_the_key_can_come_from_the_environment_instead_of_a_file(demo_db, clock, smtp, monkeypatch):
    from cryptography.fernet import Fernet

    from .helpers import set_mail

    # the demo's swap links made the key file beside it (links use the same key): start without it
    db_path(demo_db).with_name(db_path(demo_db).name + "-secret.key").unlink()
    monkeypatch.setenv("ONCALL_SECRET_KEY", Fernet.generate_key().decode())
    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port, security="none", username="", password=MAIL_PASSWORD)
    assert not db_path(demo_db).with_name(db_path(demo_db).name + "-secret.key").exists()
    queue_mails(root, ["alice"])
    assert Delivery(root.context).run_once().sent == 1


def test_bad_settings_are_one_line_and_change_nothing(demo_db, clock, monkeypatch):
    monkeypatch.delenv("ONCALL_CALENDAR_ALLOW_HOSTS", raising=False)
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    with pytest.raises(InvalidInput, match="put the CalDAV user and password in their own fields"):
        alice.set_caldav("https://alice:hunter22@cal.example.com/dav/", "alice")
    with pytest.raises(InvalidInput, match="cannot be fetched from this server"):
        alice.set_caldav("http://127.0.0.1:8080/alice/cal/", "alice")  # the server's own network
    with pytest.raises(InvalidInput, match="security must be one of"):
        root.set_mail_server(TEAM, "smtp.example.com", 587, "ssl3", "", "oncall@example.com")
    with pytest.raises(InvalidInput, match="port must be 1 to 65535"):
        root.set_mail_server(TEAM, "smtp.example.com", 70000, "tls", "", "oncall@example.com")
    assert not alice.caldav_account().configured and not root.mail_server(TEAM).configured
    # Only managers set the team's mail server; nobody sets someone else's CalDAV calendar.
    from oncall_tui.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        alice.set_mail_server(TEAM, "smtp.example.com", 587, "starttls", "", "oncall@example.com")
    with pytest.raises(NotAllowed):
        root.set_caldav("https://cal.example.com/dav/", "x", person="alice")
    with pytest.raises(NotAllowed):
        alice.delivery_status(TEAM)


def test_the_cli_reads_the_password_from_stdin_and_never_prints_it(demo_db, clock):
    base = [sys.executable, "-m", "oncall_tui", "--db", demo_db, "calendar", "mail-server", "--team", TEAM]
    done = subprocess.run([*base, "--host", "smtp.example.com", "--user", "mailer", "--from", "oncall@example.com",
                           "--password-stdin"], input=MAIL_PASSWORD + "\n", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("platform: smtp.example.com:587 (starttls), user mailer, from oncall@example.com, "
                                   "password set (encrypted)")
    shown = subprocess.run([*base, "--json"], capture_output=True, text=True, timeout=120)
    assert '"has_password": true' in shown.stdout and MAIL_PASSWORD not in shown.stdout + done.stdout
    refused = subprocess.run([*base, "--port", "99999"], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stderr.strip() == "oncall: the mail server port must be 1 to 65535"
    assert LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).mail_server(TEAM).port == 587  # unchanged

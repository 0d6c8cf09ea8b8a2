"""Mail through the outbox against a real SMTP server (aiosmtpd on 127.0.0.1): written in the
change's transaction, sent after the commit, once; failures are a clear state with back-off."""
from __future__ import annotations

from oncall_tui.backend.local import LocalBackend
from oncall_tui.services.outbox import Delivery

from ..conftest import DEMO_YOU
from .conftest import SECRET
from .helpers import TEAM, outbox_rows, queue_mails, set_mail


def test_a_mail_queued_with_a_change_is_sent_once_after_the_commit(demo_db, clock, smtp):
    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)
    queue_mails(root, ["alice", "bogdan"])
    assert box.count() == 0  # nothing leaves inside the transaction
    done = Delivery(root.context).run_once()
    assert (done.sent, done.failed) == (2, 0)
    assert sorted(msg["To"].addresses[0].addr_spec for msg in box.messages) == ["alice@example.com",
                                                                                 "bogdan@example.com"]
    assert all(msg["From"].addresses[0].addr_spec == "oncall@example.com" for msg in box.messages)
    again = Delivery(root.context).run_once()
    assert (again.sent, box.count()) == (0, 2)  # a delivered row is never sent again
    assert all(r.delivered_at is not None and r.lease_owner == "" for r in outbox_rows(root))
    states = {s.login: s for s in root.delivery_status(TEAM)}
    assert states["alice"].delivered == 1 and states["alice"].pending == 0


def test_starttls_and_login_with_the_stored_password(demo_db, clock, smtp_tls_login):
    host, port, box = smtp_tls_login
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port, security="starttls", username="alice", password=SECRET)
    queue_mails(root, ["alice"])
    done = Delivery(root.context).run_once()
    assert (done.sent, done.failed) == (1, 0), done.errors
    assert box.logins == ["alice:ok"] and box.count() == 1


def test_a_refused_login_is_a_failing_state_with_the_server_reason_then_retry_delivers(
        demo_db, clock, smtp_tls_login):
    host, port, box = smtp_tls_login
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port, security="starttls", username="alice", password="wrong-password-123")
    queue_mails(root, ["alice"])
    done = Delivery(root.context).run_once()
    assert (done.sent, done.failed) == (0, 1)
    state = root.my_delivery("alice")
    assert state.state == "failing" and state.failing == 1
    assert state.last_error.startswith(f"mail server {host}:{port} refused the login for alice: 535")
    assert "\n" not in state.last_error and "wrong-password-123" not in state.last_error
    row = outbox_rows(root)[0]
    assert row.attempts == 1 and row.next_attempt_at is not None  # backed off: not due now
    assert Delivery(root.context).run_once().sent == 0
    # The manager fixes the password (kept otherwise) and retries: it goes at once.
    root.set_mail_server(TEAM, host, port, "starttls", "alice", "oncall@example.com", SECRET)
    assert root.retry_delivery(team=TEAM) == 1
    assert Delivery(root.context).run_once().sent == 1
    assert box.count() == 1 and root.my_delivery("alice").state == "up to date"


def test_an_unreachable_mail_server_is_a_clear_state_and_nothing_is_lost(demo_db, clock, smtp):
    from ..conftest_backends import free_port

    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, "127.0.0.1", free_port())  # nobody listens there
    queue_mails(root, ["alice"])
    Delivery(root.context).run_once()
    state = root.my_delivery("alice")
    assert state.state == "failing"
    assert "cannot be reached: connection refused" in state.last_error
    set_mail(root, host, port)
    root.retry_delivery(person="alice")
    assert Delivery(root.context).run_once().sent == 1 and box.count() == 1


def test_a_team_without_a_mail_server_says_how_to_set_one(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    queue_mails(root, ["alice"])
    Delivery(root.context).run_once()
    assert root.my_delivery("alice").last_error == (
        "team 'platform' has no mail server: a manager sets one with `oncall calendar mail-server`")


def test_a_newer_message_of_the_same_topic_supersedes_an_unsent_older_one(demo_db, clock, smtp):
    from oncall_tui.services.outbox import Queued, enqueue
    from oncall_tui.store import models as m

    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)

    def queue(subject):
        def run():
            alice = m.Person.get(m.Person.login == "alice")
            enqueue(root.context, [Queued("mail", {"to": alice.email, "subject": subject, "text": "x"},
                                          alice.id, alice.memberships[0].team_id, "mail:alice:slot-1")])
        root._write(run)
    queue("first")
    queue("second")
    assert Delivery(root.context).run_once().sent == 1
    assert [msg["Subject"] for msg in box.messages] == ["second"]

"""The delivery operations behave the same on every backend (a local file, `oncall serve` over
HTTP, PostgreSQL): who may call them, what they answer, and that a password goes in but never
comes out."""
from __future__ import annotations

import pytest

from oncall_tui.core.errors import InvalidInput, NotAllowed

from .helpers import TEAM

PASSWORD = "api-Pa55-never-shown"


def test_settings_state_and_retry_through_the_interface(as_user, monkeypatch):
    monkeypatch.setenv("ONCALL_CALENDAR_ALLOW_HOSTS", "127.0.0.1")
    root, alice = as_user("root"), as_user("alice")

    info = root.set_mail_server(TEAM, "smtp.example.com", 587, "starttls", "mailer", "oncall@example.com", PASSWORD)
    assert (info.configured, info.host, info.has_password) == (True, "smtp.example.com", True)
    kept = root.set_mail_server(TEAM, "smtp.example.com", 465, "tls", "mailer", "oncall@example.com")
    assert kept.has_password and kept.port == 465  # None keeps the stored password
    assert PASSWORD not in repr(root.mail_server(TEAM))
    with pytest.raises(NotAllowed):
        alice.mail_server(TEAM)

    cal = alice.set_caldav("http://127.0.0.1:5232/alice/oncall/", "alice", PASSWORD)
    assert cal.configured and cal.has_password and alice.caldav_account().url.endswith("/alice/oncall/")
    with pytest.raises(NotAllowed):
        root.caldav_account("alice")  # not even their manager reads where it goes

    states = {s.login: s for s in root.delivery_status(TEAM)}
    assert "alice" in states and states["alice"].state == "off"  # she keeps the feed (the default)
    assert alice.my_delivery().login == "alice"
    assert root.my_delivery("alice").login == "alice"  # her manager
    with pytest.raises(NotAllowed):
        alice.delivery_status(TEAM)
    with pytest.raises(NotAllowed):
        alice.my_delivery("bogdan")
    assert alice.retry_delivery() == 0
    with pytest.raises(NotAllowed):
        alice.retry_delivery(team=TEAM)
    with pytest.raises(InvalidInput, match="from address|not an email"):
        root.set_mail_server(TEAM, "smtp.example.com", 587, "starttls", "", "not-an-address")
    removed = root.set_mail_server(TEAM, "", 587)
    assert not removed.configured
    audit = repr(root.audit(team=TEAM, limit=50))
    assert "delivery.mail_server" in audit and PASSWORD not in audit

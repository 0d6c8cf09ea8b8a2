"""Teams, people and offboarding, the way an unfriendly engineer with a valid token tries it
(on every backend: a local file, the real `oncall serve`, PostgreSQL)."""
from __future__ import annotations

from pathlib import Path

import sqlite3

import httpx
import pytest

from oncall_tui.core.errors import NotAllowed, NotAuthenticated, UnknownUser
from tests.conftest import DEMO_YOU
from tests.conftest_backends import issue_test_token
from tests.server.authz_world import PAYMENTS, drop_person

REFUSED = (NotAllowed, NotAuthenticated)  # UnknownUser is a NotAllowed

EVIL = '''[team]
slug = "{slug}"
name = "Totally real team"

[[people]]
login = "{me}"
name = "Me"
role = "manager"

[[people]]
login = "maya"
name = "Maya (now mine)"
email = "attacker@evil.example"
phones = ["+1 555 0666"]
role = "engineer"

[[people]]
login = "alice"
name = "Alice"
email = "attacker@evil.example"
role = "engineer"
'''


def _contact(backend, login: str) -> tuple:
    import tomllib

    person = next(p for p in tomllib.loads(backend.export_team("platform"))["people"] if p["login"] == login)
    return person["name"], person["email"], tuple(person["phones"])


def test_account_takeover_through_a_team_import_is_refused_at_every_step(as_user):
    """The review's reproducer, step by step: an engineer of another team tries to make
    themselves the manager of platform's manager, and act as her."""
    root = as_user(DEMO_YOU)
    root.import_team(PAYMENTS, "payments.toml")  # the administrator sets up a second team
    quinn = as_user("quinn")  # an engineer of payments, with a valid token
    maya_before, alice_before = _contact(root, "maya"), _contact(root, "alice")
    platform_plan = next(p for p in root.plans(team="platform") if p.status == "published")

    # 1-3. a new team naming himself manager and listing platform's people: refused whole
    with pytest.raises(NotAllowed) as err:
        quinn.import_team(EVIL.format(slug="evil", me="quinn"), "evil.toml")
    assert "administrator" in err.value.message
    # 4. ... nor over his own team (he is no manager of it)
    with pytest.raises(NotAllowed):
        quinn.import_team(EVIL.format(slug="payments", me="quinn"), "payments.toml")
    # 5-6. a manager of another team tries the same over the team he does manage
    pat = as_user("pat")
    report = pat.import_team(EVIL.format(slug="payments", me="pat"), "payments.toml")
    assert len(report.refused) == 2 and all("only an organisation administrator or their manager" in line
                                            for line in report.refused)
    assert "line 11" in report.refused[0] and "'maya'" in report.refused[0]
    # 7. nobody's contact details changed, and maya and alice are not in payments
    assert (_contact(root, "maya"), _contact(root, "alice")) == (maya_before, alice_before)
    assert {mb.person.login for mb in root.members("payments")} == {"pat"}  # (his file dropped the others)
    # 8-9. no token for platform's manager, nor a list of hers (quinn, dropped from payments by
    # pat's file, is out altogether: his token went with him)
    for who in (quinn, pat):
        with pytest.raises(REFUSED):
            who.issue_token("maya", expires_days=700)
        with pytest.raises(REFUSED):
            who.tokens(login="maya")
    # 10-11. and nothing of platform's to publish or approve
    with pytest.raises(NotAllowed):
        pat.publish_plan(platform_plan.id, platform_plan.version)
    with pytest.raises(NotAllowed):
        pat.pending_verifications("platform")


def test_an_administrator_moves_people_but_only_their_managers_change_their_details(as_user):
    import os

    root = as_user(DEMO_YOU)
    root.import_team(PAYMENTS, "payments.toml")
    maya_before = _contact(root, "maya")
    # The system configuration (root's file) names pat an administrator too.
    Path(os.environ["ONCALL_SYSTEM_CONFIG"]).write_text('admins = ["pat"]\n')
    pat = as_user("pat")
    # pat puts maya into payments as well: she is added, but her details stay hers.
    text = pat.export_team("payments") + (
        '\n[[people]]\nlogin = "maya"\nname = "M."\nemail = "m@other.example"\nrole = "engineer"\n')
    report = pat.import_team(text, "payments.toml")
    assert "maya" in {mb.person.login for mb in pat.members("payments")}
    assert len(report.refused) == 1 and "stay as they set them" in report.refused[0]
    assert _contact(root, "maya") == maya_before
    # Her own manager may change them (a team file of the team she is in).
    platform = root.export_team("platform").replace('email = "maya@example.com"', 'email = "maya@new.example"')
    assert root.import_team(platform, "platform.toml").refused == ()
    assert _contact(root, "maya")[1] == "maya@new.example"


def test_only_an_administrator_creates_a_team(as_user):
    maya = as_user("maya")  # a manager, not an administrator
    with pytest.raises(NotAllowed) as err:
        maya.import_team('[team]\nslug = "maya-team"\nname = "Maya\'s own"\n\n'
                         '[[people]]\nlogin = "maya"\nname = "Maya"\nrole = "manager"\n')
    assert "only an organisation administrator can create a team" in err.value.message
    report = as_user(DEMO_YOU).import_team(PAYMENTS, "payments.toml")
    assert report.team == "payments" and report.people_added == 2 and report.people_updated == 1


def test_offboarding_revokes_tokens_in_the_same_import_and_the_former_manager_keeps_control(as_user):
    root, maya = as_user(DEMO_YOU), as_user("maya")
    alice = as_user("alice")  # her session, opened before she leaves
    issued = maya.issue_token("alice", expires_days=90, label="laptop")
    moved = maya.issue_token("bogdan", expires_days=90, label="old laptop")  # while only in platform
    # bogdan moves to payments (the administrator adds him) and is dropped from platform
    root.import_team(PAYMENTS.replace('[[rotations]]', '[[people]]\nlogin = "bogdan"\nname = "Bogdan"\n'
                                      'role = "engineer"\n\n[[rotations]]'), "payments.toml")
    text = drop_person(drop_person(root.export_team("platform"), "alice"), "bogdan")
    root.import_team(text, "platform.toml")

    # alice left her last team: her tokens were revoked with the import, and she is out
    listed = {t.id: t for t in maya.tokens(login="alice")}
    assert listed[issued.info.id].status == "revoked"
    with pytest.raises(REFUSED):
        alice.whoami()
    with pytest.raises(REFUSED):
        alice.issue_token("alice")
    with pytest.raises(REFUSED):
        alice.import_team(EVIL.format(slug="alice-team", me="alice"))
    # bogdan is still in payments: his token still works, and his former manager sees and stops it
    assert {t.id for t in maya.tokens()} >= {issued.info.id, moved.info.id}
    assert maya.revoke_token(moved.info.id).status == "revoked"
    # an engineer who never managed him cannot
    with pytest.raises(NotAllowed):
        as_user("chloe").tokens(login="bogdan")


def test_a_removed_person_is_let_back_in_by_a_new_import(as_user):
    root = as_user(DEMO_YOU)
    text = root.export_team("platform")
    root.import_team(drop_person(text, "alice"), "platform.toml")
    with pytest.raises(UnknownUser):
        as_user("alice").whoami()
    assert "alice" not in {mb.person.login for mb in root.members("platform")}
    # another team's manager cannot pick her up (and with her, her calendars and history)
    root.import_team(PAYMENTS, "payments.toml")
    grab = PAYMENTS.replace("[[rotations]]", '[[people]]\nlogin = "alice"\nname = "A"\nemail = "a@evil.example"\n'
                                              'role = "engineer"\n\n[[rotations]]')
    grab = grab.replace('login = "root"', 'login = "root-not-here"')  # pat's own file, without root
    report = as_user("pat").import_team(grab, "payments.toml")
    assert len(report.refused) == 1 and "'alice' was in team platform" in report.refused[0]
    # her former team's manager brings her back
    root.import_team(text, "platform.toml")
    assert as_user("alice").whoami().login == "alice"


def test_cross_team_reads_and_a_repeated_query_parameter_are_refused_over_http(served):
    server, local = served
    local.import_team(PAYMENTS, "payments.toml")
    auth = {"Authorization": f"Bearer {issue_test_token(local, 'quinn')}"}
    url = f"{server.url}/api/v1"
    for name, params in [("members", {"team": "platform"}), ("rotations", {"team": "platform"}),
                         ("shifts", {"team": "platform", "person": "*"}), ("shifts", {"person": "alice"}),
                         ("audit", {"team": "platform"})]:
        answer = httpx.get(f"{url}/{name}", params=params, headers=auth)
        assert answer.status_code == 403, (name, params, answer.text)
        assert "+44" not in answer.text
    # who is on call now and whom to escalate to are organisation-wide on purpose
    assert httpx.get(f"{url}/now", params={"team": "platform"}, headers=auth).status_code == 200
    assert httpx.get(f"{url}/escalation", params={"team": "platform"}, headers=auth).status_code == 200
    # one name twice: which did the caller mean?  Refused, not "the last one wins"
    answer = httpx.get(f"{url}/members?team=payments&team=platform", headers=auth)
    assert answer.status_code == 422 and answer.json()["field"] == "team"
    assert "more than once" in answer.json()["message"] and "\n" not in answer.json()["message"]


def test_an_older_file_is_upgraded_and_its_leftover_tokens_revoked(demo_db, clock):
    """A file written before offboarding existed: a person in no team with a live token."""
    from oncall_tui.backend.local import LocalBackend, forget_database
    from oncall_tui.store.migrations import current_version

    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    secret = issue_test_token(root, "alice")
    root.import_team(drop_person(root.export_team("platform"), "alice"), "platform.toml")
    forget_database(demo_db)
    path = demo_db.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    with con:  # as the release before schema 3 left it
        con.execute("DROP TABLE past_membership")
        con.execute("UPDATE api_token SET revoked_at = NULL")
        con.execute("UPDATE person SET active = 1")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()

    upgraded = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    from oncall_tui.core.errors import NotAuthenticated as Refused

    with pytest.raises(Refused) as err:
        upgraded.authenticate(secret)
    assert "revoked" in err.value.message
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            current_version())
        assert con.execute("SELECT count(*) FROM past_membership").fetchone()[0] == 0
        assert con.execute("SELECT active FROM person WHERE login = 'alice'").fetchone()[0] == 0
        assert con.execute("SELECT active FROM person WHERE login = 'maya'").fetchone()[0] == 1
    finally:
        con.close()


def test_an_engineer_cannot_name_themselves_administrator_through_the_environment(as_user, monkeypatch):
    """On a jump box everybody sets their own environment: no variable makes anyone an
    administrator (the system configuration and `oncall serve --admin` are the operator's)."""
    for name in ("ONCALL_ADMINS", "ONCALL_SERVE_ADMINS"):
        monkeypatch.setenv(name, "alice")
    alice = as_user("alice")
    with pytest.raises(NotAllowed):
        alice.import_team(PAYMENTS.replace('login = "pat"', 'login = "alice"', 1), "payments.toml")
    assert "payments" not in {t.slug for t in alice.teams()}


def test_administrators_come_only_from_a_system_configuration_root_alone_may_write(as_user, tmp_path, monkeypatch):
    """ONCALL_SYSTEM_CONFIG may point anywhere (it says where the database is), so a file of
    one's own must not name administrators: only a file root owns and alone may write does."""
    import os

    from oncall_tui.config import system_config

    if os.geteuid() != 0:
        pytest.skip("needs root: the trusted file is root's and the untrusted one another user's")
    own = tmp_path / "mine.toml"
    own.write_text('admins = ["alice"]\n')
    os.chown(own, 65534, -1)  # nobody's file, as an engineer's would be
    monkeypatch.setenv("ONCALL_SYSTEM_CONFIG", str(own))
    assert system_config().admins == () and "not root's alone" in system_config().admins_refused
    alice = as_user("alice")
    with pytest.raises(NotAllowed):
        alice.issue_token("maya")
    os.chown(own, 0, -1)
    own.chmod(0o664)  # root's, but the group may write it
    assert system_config().admins == ()
    own.chmod(0o644)
    assert system_config().admins == ("alice",)


def test_a_manager_of_one_of_someones_teams_cannot_speak_for_them_everywhere(as_user):
    """pat manages payments; root is in payments and also manages platform (and is an
    administrator): pat may not mint root's token nor rename root through a payments import."""
    root = as_user(DEMO_YOU)
    root.import_team(PAYMENTS, "payments.toml")
    pat = as_user("pat")
    with pytest.raises(NotAllowed):
        pat.issue_token(DEMO_YOU)
    before = _contact(root, DEMO_YOU)
    text = pat.export_team("payments").replace('name = "Root (you)"', 'name = "Renamed by pat"')
    assert "Renamed by pat" in text
    report = pat.import_team(text, "payments.toml")
    assert any("stay as they set them" in line for line in report.refused)
    assert _contact(root, DEMO_YOU) == before
    assert pat.issue_token("quinn").info.login == "quinn"  # pat manages every team quinn is in


def test_someone_elses_shifts_only_in_the_teams_we_share(as_user):
    """quinn (payments only) asking for root's shifts must not see root's platform shifts,
    nor the platform partners' phone numbers in them."""
    from datetime import date

    root = as_user(DEMO_YOU)
    root.import_team(PAYMENTS, "payments.toml")
    assert root.shifts(person=DEMO_YOU, first=date(2026, 11, 1), last=date(2026, 12, 31))
    quinn = as_user("quinn")
    seen = quinn.shifts(person=DEMO_YOU, first=date(2026, 11, 1), last=date(2026, 12, 31))
    assert all(s.assignment.team != "platform" for s in seen), [s.assignment.team for s in seen]

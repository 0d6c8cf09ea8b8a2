"""The `oncall` command as a script or a person at a prompt uses it."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from oncall_tui.cli import main

from ..conftest import DEMO_YOU, NOW
from .helpers import db_path

ENV = {"ONCALL_LOGIN": DEMO_YOU}
PERSON_KEYS = {"login", "name", "contact", "tz"}
ESCALATION_KEYS = {"position", "name", "contact", "login"}
ASSIGNMENT_KEYS = {"uid", "team", "rotation", "rotation_name", "role", "start", "end", "person", "plan_id"}
NOW_KEYS = {"team", "rotation", "rotation_name", "role", "person", "start", "end", "partners", "escalation"}
SHIFT_KEYS = {"assignment", "partners", "escalation", "handover"}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env={**ENV, **(env or {})}, catch_exceptions=False)


def utc(text: str) -> datetime:
    assert text.endswith("Z"), f"times are UTC with a Z: {text}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def demo_file(tmp_path) -> Path:
    path = tmp_path / "team.db"
    result = run("--db", str(path), "demo", "--no-open")
    assert result.exit_code == 0, result.output
    return path


def test_demo_builds_the_team_and_prints_where_it_is(tmp_path):
    path = tmp_path / "shared" / "demo.db"
    result = run("--db", str(path), "demo", "--no-open")
    assert result.exit_code == 0, result.output
    assert f"Created a demo team (platform) at {path}" in result.output
    assert f"You are '{DEMO_YOU}', a manager on the rotation" in result.output
    assert path.exists()
    members = json.loads(run("--db", str(path), "now", "--json").output)
    assert {r["role"] for r in members} >= {"primary", "secondary"}
    again = run("--db", str(path), "demo", "--no-open")
    assert f"Opening the demo team at {path}" in again.output


def test_demo_opened_as_someone_else_says_so(tmp_path):
    path = tmp_path / "demo.db"
    result = run("--db", str(path), "--as", "lena", "demo", "--no-open")
    assert result.exit_code == 0, result.output
    assert f"Opening it as 'lena'; the demo's manager on the rotation is '{DEMO_YOU}'." in result.output
    assert "You are" not in result.output


def test_demo_without_db_goes_to_the_data_directory(_isolated_home):
    result = run("demo", "--no-open")
    assert result.exit_code == 0, result.output
    expected = _isolated_home / "data" / "demo.db"
    assert str(expected) in result.output and expected.exists()


def test_demo_takes_db_after_the_command_name(tmp_path):
    path = tmp_path / "demo.db"
    result = run("demo", "--no-open", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert str(path) in result.output


def test_now_json_shape(demo_file):
    result = run("--db", str(demo_file), "now", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["role"] for r in rows] == ["primary", "secondary"]
    for row in rows:
        assert set(row) == NOW_KEYS
        assert set(row["person"]) == PERSON_KEYS
        assert all(set(p) == PERSON_KEYS for p in row["partners"])
        assert [e["position"] for e in row["escalation"]] == [1, 2, 3]
        assert all(set(e) == ESCALATION_KEYS for e in row["escalation"])
        assert utc(row["start"]) <= NOW < utc(row["end"])
    primary, secondary = rows
    assert primary["partners"][0]["login"] == secondary["person"]["login"]
    assert primary["escalation"][2]["login"] is None  # a contact that is not a person


def test_shifts_json_shape(demo_file):
    result = run("--db", str(demo_file), "shifts", "--json", "--from", "2026-11-27", "--to", "2026-12-10")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows
    for row in rows:
        assert set(row) == SHIFT_KEYS
        a = row["assignment"]
        assert set(a) == ASSIGNMENT_KEYS and set(a["person"]) == PERSON_KEYS
        assert a["person"]["login"] == DEMO_YOU
        assert isinstance(a["plan_id"], int)
        assert utc(a["start"]) < utc(a["end"])
        assert all(set(p) == ASSIGNMENT_KEYS and p["start"] == a["start"] for p in row["partners"])
        assert isinstance(row["handover"], str)
    everybody = json.loads(run("--db", str(demo_file), "shifts", "--json", "--person", "*",
                               "--from", "2026-11-28", "--to", "2026-11-28").output)
    assert {r["assignment"]["role"] for r in everybody} >= {"primary", "secondary"}


def test_human_output_of_now_and_shifts(demo_file):
    now = run("--db", str(demo_file), "now").output
    assert now.splitlines()[0].split() == ["TEAM", "ROTATION", "ROLE", "PERSON", "CONTACT", "WITH"]
    assert "Escalation: 1. Maya Goldberg" in now
    shifts = run("--db", str(demo_file), "shifts").output
    assert "WHEN" in shifts and "secondary" in shifts


def test_as_acts_as_another_member_in_a_demo(demo_file):
    rows = json.loads(run("--db", str(demo_file), "--as", "alice", "shifts", "--json").output)
    assert rows and {r["assignment"]["person"]["login"] for r in rows} == {"alice"}


def _real_team(tmp_path) -> Path:
    """A real (not demo) database whose manager dana is this process's OS login: on a real
    database who you are comes from the kernel, so the file names the login the tests run as."""
    from oncall_tui.backend.local import real_login

    example = Path(__file__).parents[2] / "data" / "team.example.toml"
    team_file = tmp_path / "team.toml"
    team_file.write_text(example.read_text().replace('login = "dana"', f'login = "{real_login()}"'))
    path = tmp_path / "real.db"
    result = run("--db", str(path), "team", "import", str(team_file))
    assert result.exit_code == 0, result.output
    assert "Team payments: 10 people added" in result.output
    return path


def test_the_example_team_file_staffs_its_first_plan(tmp_path):
    """The README's recipe on the shipped example: `team import` then `plan` gives a whole
    plan, because the file records who already meets the requirements (`meets`)."""
    path = _real_team(tmp_path)
    result = run("--db", str(path), "plan", "-r", "payments-oncall", "--json")
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["gaps"] == []
    required = [c for c in view["cells"] if c["role"] in ("primary", "secondary")]
    assert required and all(c["login"] for c in required)
    again = run("--db", str(path), "team", "import", str(tmp_path / "team.toml"))  # idempotent
    assert again.exit_code == 0, again.output


def test_team_file_meets_must_name_a_requirement_of_the_file(tmp_path):
    from oncall_tui.backend.local import real_login

    example = (Path(__file__).parents[2] / "data" / "team.example.toml").read_text()
    bad = example.replace('login = "dana"', f'login = "{real_login()}"').replace(
        'meets = ["incident-training", "shadowing"]', 'meets = ["incident-trainin"]', 1)
    team_file = tmp_path / "team.toml"
    team_file.write_text(bad)
    result = run("--db", str(tmp_path / "bad.db"), "team", "import", str(team_file))
    assert result.exit_code != 0
    assert "'incident-trainin', which is not a requirement in this file" in result.output
    assert "line " in result.output and "Traceback" not in result.output


def test_as_is_refused_on_a_real_database(tmp_path):
    path = _real_team(tmp_path)
    result = run("--db", str(path), "--as", "alice", "now")
    assert result.exit_code == 2
    assert "--as works only in a demo database" in result.output
    assert "Traceback" not in result.output


def test_team_import_names_the_line_and_changes_nothing(tmp_path):
    path = _real_team(tmp_path)
    before = run("--db", str(path), "team", "export", "payments").output
    broken = before.replace('tz = "America/New_York"', 'tz = "America/Nowhere"', 1)
    broken += '\n[[people]]\nlogin = "newbie"\nname = "New Person"\nrole = "engineer"\n'
    assert broken != before
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "America/Nowhere" in text)
    file = tmp_path / "payments.toml"
    file.write_text(broken)
    result = run("--db", str(path), "team", "import", str(file))
    assert result.exit_code == 2
    assert f"payments.toml, line {line}" in result.output
    assert "America/Nowhere" in result.output
    after = run("--db", str(path), "team", "export", "payments").output
    assert after == before, "nothing is half-imported"


def test_team_import_of_a_file_that_is_not_toml_names_the_line(tmp_path):
    path = _real_team(tmp_path)
    file = tmp_path / "bad.toml"
    file.write_text('[team]\nslug = "payments"\nname = Payments\n')
    result = run("--db", str(path), "team", "import", str(file))
    assert result.exit_code == 2
    assert "line 3" in result.output


def test_team_export_then_import_round_trips(demo_file, tmp_path):
    out = tmp_path / "platform.toml"
    result = run("--db", str(demo_file), "team", "export", "platform", "-o", str(out))
    assert result.exit_code == 0 and f"Wrote {out}" in result.output
    text = out.read_text()
    assert '[[rotations]]' in text and 'slug = "platform-247"' in text and 'login = "alice"' in text
    again = run("--db", str(demo_file), "team", "import", str(out))
    assert again.exit_code == 0, again.output
    assert "0 people added, 14 updated" in again.output
    assert run("--db", str(demo_file), "team", "export", "platform").output == text


def test_commands_without_a_database_say_what_to_do(tmp_path):
    result = run("--db", str(tmp_path / "missing.db"), "now")
    assert result.exit_code != 0
    assert "no database at" in result.output and "oncall demo" in result.output
    assert not (tmp_path / "missing.db").exists(), "a read never creates an empty file"


def test_bare_oncall_without_a_database_opens_the_welcome(tmp_path, clock):
    from oncall_tui.app import make_app
    from oncall_tui.config import Target
    from oncall_tui.screens.welcome import WelcomeScreen

    missing = tmp_path / "nothing-here.db"
    app = make_app(Target(db_url=str(missing)), clock=clock)

    async def first_screen():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return type(pilot.app.screen), str(pilot.app.screen.query_one("#welcome").render())

    kind, text = asyncio.run(first_screen())
    assert kind is WelcomeScreen
    assert f"There is no database at {missing} yet." in text
    assert "open a demo team" in text and "oncall team import" in text
    assert not missing.exists()


def test_backup_copies_the_database(demo_file, tmp_path):
    dest = tmp_path / "copy.db"
    result = run("--db", str(demo_file), "backup", str(dest))
    assert result.exit_code == 0, result.output
    assert f"Backed up {demo_file} to {dest}" in result.output
    again = run("--db", str(demo_file), "backup", str(dest))
    assert again.exit_code != 0 and "--force" in again.output
    copied = run("--db", str(dest), "now", "--json").output
    assert copied == run("--db", str(demo_file), "now", "--json").output


def _account_with_a_full_name():
    import pwd

    for entry in pwd.getpwall():
        name = entry.pw_gecos.split(",")[0].strip()
        if name and "&" not in name and name != entry.pw_name and name.isprintable() and entry.pw_name.isascii():
            return entry.pw_name, name
    pytest.skip("no account on this machine has a full name in its GECOS field")


def _demo_built_by(login: str, tmp_path, clock) -> str:
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.services.demo import build_demo

    backend = LocalBackend(f"sqlite:///{tmp_path}/demo.db", actor=login, clock=clock)
    build_demo(backend, clock)  # as `oncall demo` builds it, for the login that ran it
    return backend.export_team("platform")


def test_the_demo_names_you_after_your_account(tmp_path, clock):
    """Other members see the demo's own person as a partner and an escalation contact: named as
    their account names them (GECOS), not "Root (you)"."""
    login, name = _account_with_a_full_name()
    exported = _demo_built_by(login, tmp_path, clock)
    assert f'login = "{login}"\nname = "{name}"' in exported
    assert f'name = "{name} (manager)"' in exported  # the escalation contact
    assert "(you" not in exported


def test_the_demo_names_an_account_without_a_full_name_by_its_login(tmp_path, clock):
    exported = _demo_built_by("zed", tmp_path, clock)  # no such account here
    assert 'login = "zed"\nname = "zed"' in exported and "(you" not in exported


def test_a_refusal_with_json_prints_the_error_as_json_too(demo_file):
    refused = run("--db", str(demo_file), "now", "--json", "--team", "no-such-team")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("oncall: ") and refused.stderr.count("\n") == 1
    error = json.loads(refused.stdout)["error"]
    assert error["code"] in {"not_found", "not_allowed"} and error["message"] in refused.stderr
    plain = run("--db", str(demo_file), "now", "--team", "no-such-team")
    assert plain.exit_code == 2 and plain.stdout == ""

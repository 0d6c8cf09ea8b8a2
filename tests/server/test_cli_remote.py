"""`oncall login`, `oncall token ...` and every CLI verb against a real server."""
from __future__ import annotations

import json
import stat

from click.testing import CliRunner

from oncall_tui.cli import main
from oncall_tui.config import credentials_path
from tests.conftest import DEMO_YOU


def run(*args: str, login: str = DEMO_YOU, stdin: str | None = None):
    result = CliRunner().invoke(main, list(args), input=stdin, env={"ONCALL_LOGIN": login})
    return result


def test_manager_issues_token_engineer_logs_in_and_cli_answers_like_the_file(served, demo_db):
    server, local = served
    issued = run("--db", demo_db, "token", "issue", "alice", "--label", "laptop", "--expires-days", "30")
    assert issued.exit_code == 0, issued.output
    secret = next(w for w in issued.output.split() if w.startswith("oc_"))
    listed = run("--db", demo_db, "token", "list")
    assert "alice" in listed.output and secret not in listed.output and secret[:9] in listed.output

    refused = run("--db", demo_db, "token", "issue", "bogdan", login="alice")
    assert refused.exit_code == 2 and "only a manager" in refused.output

    logged = run("login", server.url, stdin=secret + "\n", login="nobody")
    assert logged.exit_code == 0, logged.output
    assert "as Alice Moreau (alice)" in logged.output
    path = credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["default_server"] == server.url and saved["servers"][server.url]["token"] == secret

    # The saved default server now answers every verb, as the token's person, with the same JSON.
    for verb in (["now", "--json"], ["shifts", "--json", "--from", "2026-11-01", "--to", "2026-11-30"]):
        remote = run(*verb, login="nobody")
        local_ = run("--db", demo_db, *verb, login="alice")
        assert remote.exit_code == 0, remote.output
        assert json.loads(remote.output) == json.loads(local_.output)

    token_id = issued.output.split("(id ")[1].split(")")[0]
    assert run("--db", demo_db, "token", "revoke", token_id).exit_code == 0
    after = run("now", login="nobody")
    assert after.exit_code == 2 and "revoked" in after.output and f"oncall login {server.url}" in after.output


def test_login_with_a_bad_token_saves_nothing(served):
    server, _ = served
    result = run("login", server.url, "--token", "oc_wrong")
    assert result.exit_code == 2 and "not known here" in result.output
    assert not credentials_path().exists()


def test_login_to_nothing_says_unreachable():
    from tests.conftest_backends import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = run("login", url, "--token", "oc_x")
    assert result.exit_code == 3 and f"cannot reach the oncall server at {url}" in result.output


def test_team_import_prints_the_lines_it_left_out(demo_db, tmp_path):
    from tests.server.authz_world import PAYMENTS

    assert run("--db", demo_db, "team", "import", _write(tmp_path / "payments.toml", PAYMENTS)).exit_code == 0
    grab = PAYMENTS.replace("[[rotations]]", '[[people]]\nlogin = "alice"\nname = "A"\nrole = "engineer"\n\n'
                                              "[[rotations]]")
    result = run("--db", demo_db, "team", "import", _write(tmp_path / "grab.toml", grab), login="pat")
    assert result.exit_code == 0, result.output
    line = grab.splitlines().index('login = "alice"') + 1
    assert f"Not applied: grab.toml, line {line}: 'alice' is in team platform" in result.output


def _write(path, text: str) -> str:
    path.write_text(text)
    return str(path)

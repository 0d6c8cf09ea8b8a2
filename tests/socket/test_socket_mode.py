"""`oncall serve --socket`: each connecting user is the login the kernel names (SO_PEERCRED).

The tests with several users create real OS users (`useradd`, as root: CI runs as root) and
run the installed `oncall` as each of them with `runuser`, the server started by the README's
own recipe for boxes without systemd.  Elsewhere they skip, saying why."""
from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import sqlite3
import stat
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"),
                                reason="SO_PEERCRED (the kernel naming a socket's peer) exists on Linux only")

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ONCALL = str(BIN / "oncall")
README = ROOT / "README.md"


# -- helpers -------------------------------------------------------------------------------------
def _drain(stream, into: list[str]) -> None:
    for line in stream:
        into.append(line)


def start_server(args: list[str], env: dict, ready: str) -> tuple[subprocess.Popen, list[str]]:
    """Start `oncall serve ...`; return once its log says `ready` (or fail with the log)."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    for line in proc.stdout:  # blocks until the next line: waits on the server, not on time
        lines.append(line)
        if ready in line:
            break
    else:
        proc.wait()
        pytest.fail("oncall serve did not start:\n" + "".join(lines))
    threading.Thread(target=_drain, args=(proc.stdout, lines), daemon=True).start()
    return proc, lines


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def peer_pid(path: str) -> int:
    """The process id listening on a Unix socket, from the kernel (the client's side of SO_PEERCRED)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(path)
        pid, _uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                              struct.calcsize("3i")))
        return pid


def wait_answering(path: str, log: Path, timeout: float = 60.0) -> None:
    """Until the server on `path` answers /healthz (a condition; the deadline only bounds a failure)."""
    deadline = time.monotonic() + timeout
    transport = httpx.HTTPTransport(uds=path)
    with httpx.Client(transport=transport, base_url="http://oncall") as client:
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no server answered on {path}:\n{log.read_text() if log.exists() else ''}")
            time.sleep(0.05)


def login_name() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def write_config(path: Path, sock: str) -> Path:
    path.write_text(f'socket = "{sock}"\n')
    path.chmod(0o644)
    return path


# -- as whoever runs the tests ---------------------------------------------------------------
@pytest.fixture
def own_server(tmp_path):
    sock = str(tmp_path / "oncall.sock")
    env = dict(os.environ)
    proc, lines = start_server([ONCALL, "serve", "--db", str(tmp_path / "team.db"), "--socket", sock],
                               env, "Application startup complete")
    yield sock, proc, lines
    stop(proc)


def test_the_socket_user_is_the_kernels_login_whatever_the_environment_says(own_server, tmp_path):
    sock, _proc, _lines = own_server
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o666
    config = write_config(tmp_path / "config.toml", sock)
    env = dict(os.environ, ONCALL_SYSTEM_CONFIG=str(config), ONCALL_LOGIN="somebody-else", LOGNAME="somebody-else",
               USER="somebody-else")
    out = subprocess.run([ONCALL, "now"], env=env, capture_output=True, text=True)
    assert out.returncode == 2, out
    assert f"'{login_name()}' is not known here" in out.stderr
    assert "somebody-else" not in out.stderr and "Traceback" not in out.stderr

    # a bearer token or an act-as header over the socket changes nothing either
    with httpx.Client(transport=httpx.HTTPTransport(uds=sock), base_url="http://oncall") as client:
        answer = client.post("/api/v1/whoami", json={}, headers={"Authorization": "Bearer oc_made-up",
                                                                 "X-Oncall-Act-As": "somebody-else"})
    assert answer.status_code in (403, 404), answer.text
    assert "somebody-else" not in answer.text


def test_a_stale_socket_is_replaced_a_live_one_or_a_plain_file_is_refused(own_server, tmp_path):
    sock, proc, _lines = own_server
    second = subprocess.run([ONCALL, "serve", "--db", str(tmp_path / "team.db"), "--socket", sock],
                            capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    assert f"another server is already listening on {sock}" in second.stderr
    assert "Traceback" not in second.stderr

    plain = tmp_path / "not-a-socket"
    plain.write_text("keep me")
    third = subprocess.run([ONCALL, "serve", "--db", str(tmp_path / "team.db"), "--socket", str(plain)],
                           capture_output=True, text=True, timeout=120)
    assert third.returncode != 0 and "is not a socket" in third.stderr
    assert plain.read_text() == "keep me"

    proc.kill()  # no chance to clean up: the socket file stays behind
    proc.wait()
    assert stat.S_ISSOCK(os.lstat(sock).st_mode)
    again, _ = start_server([ONCALL, "serve", "--db", str(tmp_path / "team.db"), "--socket", sock],
                            dict(os.environ), "Application startup complete")
    try:
        with httpx.Client(transport=httpx.HTTPTransport(uds=sock), base_url="http://oncall") as client:
            assert client.get("/healthz").status_code == 200
    finally:
        stop(again)
    assert not os.path.exists(sock)  # a clean stop removes the socket


def test_tcp_serving_still_needs_a_token(tmp_path):
    proc, lines = start_server([ONCALL, "serve", "--db", str(tmp_path / "team.db"), "--port", "0"],
                               dict(os.environ), "Application startup complete")
    try:
        port = next(int(m.group(1)) for line in lines
                    if (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)))
        answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/whoami", json={},
                            headers={"X-Oncall-Act-As": login_name()})
        assert answer.status_code == 401 and "no token was sent" in answer.json()["message"]
    finally:
        stop(proc)


def test_an_unreachable_socket_is_one_clear_line(tmp_path):
    config = write_config(tmp_path / "config.toml", str(tmp_path / "nobody-here.sock"))
    out = subprocess.run([ONCALL, "now"], env=dict(os.environ, ONCALL_SYSTEM_CONFIG=str(config)),
                         capture_output=True, text=True)
    assert out.returncode == 3
    assert out.stderr.startswith(f"oncall: cannot reach the oncall server at {tmp_path / 'nobody-here.sock'}")
    assert "Traceback" not in out.stderr


def test_a_broken_system_configuration_is_one_clear_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("socket = \n")
    out = subprocess.run([ONCALL, "now"], env=dict(os.environ, ONCALL_SYSTEM_CONFIG=str(config)),
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith(f"oncall: the system configuration {config} is not valid TOML")
    assert "Traceback" not in out.stderr
    app = subprocess.run([ONCALL], env=dict(os.environ, ONCALL_SYSTEM_CONFIG=str(config)), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)  # the bare app does not open either
    # One convention (README: exit codes): the same line and exit code as any command's.
    assert (app.returncode, app.stderr, app.stdout) == (2, out.stderr, "")


def test_a_named_database_wins_over_the_system_socket(tmp_path, monkeypatch):
    from oncall_tui.config import resolve_target

    config = write_config(tmp_path / "config.toml", "/run/oncall/oncall.sock")
    monkeypatch.setenv("ONCALL_SYSTEM_CONFIG", str(config))
    assert resolve_target(None, None).socket == "/run/oncall/oncall.sock"
    assert resolve_target(str(tmp_path / "a.db"), None).socket is None
    monkeypatch.setenv("ONCALL_DB", str(tmp_path / "b.db"))
    assert resolve_target(None, None).db_url == str(tmp_path / "b.db")


# -- real OS users ---------------------------------------------------------------------------
def _need_root_and_tools() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to create OS users (useradd) and run oncall as each of them (runuser); "
                    "CI runs as root")
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            pytest.skip(f"`{tool}` is not installed; it is needed to test oncall as several OS users")
    for path in (BIN, Path(sysconfig.get_paths()["purelib"]), ROOT):
        if _hidden_from_others(path):
            pytest.skip(f"{_hidden_from_others(path)} is not traversable by other users, so they cannot run "
                        f"this checkout's oncall")


def _hidden_from_others(path: Path) -> Path | None:
    """The first folder on the way to `path` that other users cannot pass through, if any."""
    for here in [path, *path.parents]:
        if here.is_dir() and not os.stat(here).st_mode & stat.S_IXOTH:
            return here
    return None


def _oncall_for_everyone(base: Path) -> tuple[str, str]:
    """(oncall, python) that every user can run: this venv's, or, when its interpreter lives where
    others cannot reach (pyenv under /root), the system's Python of the same version with this
    venv's packages (what "install once for every user" means on that box)."""
    if _hidden_from_others(Path(os.path.realpath(sys.executable))) is None:
        return ONCALL, sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin:/bin")
    if system is None or _hidden_from_others(Path(os.path.realpath(system))):
        pytest.skip(f"{os.path.realpath(sys.executable)} is not reachable by other users and there is no "
                    f"system {version} to run this checkout's oncall as them")
    venv = base / "venv"
    subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site_dir = next((venv / "lib").glob("python*/site-packages"))
    (site_dir / "oncall-under-test.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    python = str(venv / "bin" / "python")
    oncall = venv / "bin" / "oncall"
    oncall.write_text(f"#!{python}\nimport sys\nfrom oncall_tui.cli import main\nsys.exit(main())\n")
    oncall.chmod(0o755)
    return str(oncall), python


def _readme_recipe() -> list[str]:
    """The README's two lines that start the socket server without systemd."""
    lines = [line for line in README.read_text().splitlines()
             if line.startswith(("install -d -m 0755 -o oncall -g oncall /run/oncall",
                                 "runuser -u oncall -- sh -c 'umask 077; exec /usr/local/bin/oncall serve"))]
    assert len(lines) == 2, "the README's recipe for a box without systemd has changed; update this test"
    return lines


class Box:
    """A jump box in a temporary folder: a service account, three team members and an outsider."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.svc, self.dana, self.alice, self.bob, self.eve = (
            f"ocs_{who}_{tag}" for who in ("svc", "dana", "alice", "bob", "eve"))
        self.users: list[str] = []
        self.base = Path(tempfile.mkdtemp(prefix="oncall-socket-"))
        self.base.chmod(0o755)
        self.lib, self.run_dir, self.log = self.base / "lib", self.base / "run", self.base / "serve.log"
        self.sock = str(self.run_dir / "oncall.sock")
        self.db = self.lib / "team.db"
        self.config = self.base / "config.toml"
        self.server_pid: int | None = None
        self.oncall_bin, self.python = ONCALL, sys.executable

    def useradd(self, login: str) -> None:
        subprocess.run(["useradd", "--no-create-home", "--user-group", "--home-dir", "/nonexistent",
                        "--shell", "/bin/sh", login], check=True, capture_output=True)
        self.users.append(login)

    def env(self, **extra: str) -> dict:
        env = {"PATH": f"{Path(self.oncall_bin).parent}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "ONCALL_SYSTEM_CONFIG": str(self.config), "ONCALL_NOW": os.environ.get("ONCALL_NOW", ""),
               "ONCALL_HOME": str(self.base / "nohome")}  # nobody's own files: only the socket
        env.update(extra)
        return env

    def run(self, login: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([shutil.which("runuser"), "-u", login, "--", *args], env=self.env(**extra), cwd=self.base,
                              capture_output=True, text=True, timeout=120)

    def oncall(self, login: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return self.run(login, self.oncall_bin, *args, **extra)

    def start_by_readme(self) -> None:
        svc_id = pwd.getpwnam(self.svc)
        subprocess.run(["install", "-d", "-m", "0700", "-o", self.svc, "-g", self.svc, str(self.lib)], check=True)
        for line in _readme_recipe():
            line = (line.replace("/var/lib/oncall", str(self.lib)).replace("/run/oncall", str(self.run_dir))
                    .replace("/usr/local/bin/oncall", self.oncall_bin).replace("/var/log/oncall-serve.log", str(self.log))
                    .replace("-o oncall -g oncall", f"-o {self.svc} -g {self.svc}")
                    .replace("runuser -u oncall", f"runuser -u {self.svc}"))
            subprocess.run(["sh", "-c", line], check=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                                                 "LANG": "C.UTF-8"})
        wait_answering(self.sock, self.log)
        self.server_pid = peer_pid(self.sock)
        assert os.stat(f"/proc/{self.server_pid}").st_uid == svc_id.pw_uid

    def stop(self) -> None:
        if self.server_pid is None:
            return
        try:
            os.kill(self.server_pid, 15)
        except ProcessLookupError:
            return
        while Path(f"/proc/{self.server_pid}").exists():  # its parent (runuser) reaps it
            time.sleep(0.05)

    def audit(self) -> list[tuple[str, str, str]]:
        from oncall_tui.store import models as m

        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return con.execute(f'SELECT actor, action, entity_id FROM "{m.AuditLog._meta.table_name}" '
                               f'ORDER BY id').fetchall()
        finally:
            con.close()

    def remove(self) -> None:
        self.stop()
        from tests.jumpbox.users import remove_os_user

        for login in self.users:
            remove_os_user(login)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def box():
    _need_root_and_tools()
    box = Box()
    try:
        box.oncall_bin, box.python = _oncall_for_everyone(box.base)
        for login in (box.svc, box.dana, box.alice, box.bob, box.eve):
            box.useradd(login)
        write_config(box.config, box.sock)
        team = (ROOT / "data" / "team.example.toml").read_text()
        for who, login in (("dana", box.dana), ("alice", box.alice), ("bob", box.bob)):
            team = team.replace(f'"{who}"', f'"{login}"')
        (box.base / "team.toml").write_text(team)
        (box.base / "team.toml").chmod(0o644)
        box.start_by_readme()
        yield box
    finally:
        box.remove()


def test_only_the_service_account_can_read_the_database(box):
    imported = box.oncall(box.dana, "team", "import", "team.toml")
    assert imported.returncode == 0, imported.stderr
    assert stat.S_IMODE(os.stat(box.sock).st_mode) == 0o666
    for path in [box.db, *box.lib.glob("team.db-*")]:
        st = os.stat(path)
        assert st.st_uid == pwd.getpwnam(box.svc).pw_uid, path
        assert st.st_mode & 0o077 == 0, f"{path} is {stat.filemode(st.st_mode)}"
    peek = box.run(box.alice, "cat", str(box.db))
    assert peek.returncode != 0 and "Permission denied" in peek.stderr
    backup = box.run(box.svc, box.oncall_bin, "--db", str(box.db), "backup", str(box.lib / "backup.db"))
    assert backup.returncode == 0, backup.stderr


def test_each_user_is_themselves_and_the_audit_log_names_them(box):
    box.oncall(box.dana, "team", "import", "team.toml")  # idempotent when the test runs alone
    before = len(box.audit())

    mine = box.oncall(box.alice, "availability", "set", "unavailable", "2027-01-20")
    assert mine.returncode == 0, mine.stderr
    faked = box.oncall(box.alice, "availability", "set", "unavailable", "2027-01-21", "--person", box.bob,
                       ONCALL_LOGIN=box.dana, LOGNAME=box.dana, USER=box.dana)
    assert faked.returncode == 2 and "Traceback" not in faked.stderr, faked
    managed = box.oncall(box.dana, "availability", "set", "unavailable", "2027-01-22", "--person", box.bob)
    assert managed.returncode == 0, managed.stderr
    for who in (box.dana, box.alice, box.bob):
        assert box.oncall(who, "now").returncode == 0
        shifts = box.oncall(who, "shifts")
        assert shifts.returncode == 0, shifts.stderr

    changes = box.audit()[before:]
    actors = [actor for actor, _action, _entity in changes]
    assert actors and set(actors) == {box.alice, box.dana}, changes
    assert actors.count(box.alice) >= 1 and actors.index(box.alice) < actors.index(box.dana)


def test_a_token_or_header_of_the_manager_does_not_make_alice_the_manager(box):
    box.oncall(box.dana, "team", "import", "team.toml")
    issued = box.oncall(box.dana, "token", "issue", box.dana)
    assert issued.returncode == 0, issued.stderr
    token = re.search(r"^\s+(\S+)\s*$", issued.stdout, re.M).group(1)
    script = (
        "import httpx, json, sys\n"
        f"c = httpx.Client(transport=httpx.HTTPTransport(uds={box.sock!r}), base_url='http://oncall')\n"
        f"h = {{'Authorization': 'Bearer {token}'}}\n"
        "who = c.post('/api/v1/whoami', json={}, headers=h)\n"
        f"acted = c.post('/api/v1/whoami', json={{}}, headers={{'X-Oncall-Act-As': {box.dana!r}}})\n"
        "print(json.dumps([who.status_code, who.json(), acted.status_code, acted.json()]))\n")
    out = box.run(box.alice, box.python, "-c", script)
    assert out.returncode == 0, out.stderr
    import json

    who_status, who, acted_status, acted = json.loads(out.stdout)
    assert who_status == 200 and who["login"] == box.alice
    assert acted_status == 403 and "demo" in acted["message"]


def test_someone_outside_the_team_gets_one_clear_line(box):
    box.oncall(box.dana, "team", "import", "team.toml")
    out = box.oncall(box.eve, "now")
    assert out.returncode == 2
    assert out.stderr.startswith(f"oncall: '{box.eve}' is not a member of any team here")
    assert box.dana in out.stderr and "Traceback" not in out.stderr


def test_a_socket_for_one_group_only_lets_that_group_in(box):
    box.oncall(box.dana, "team", "import", "team.toml")
    sock = str(box.base / "group.sock")
    proc, _lines = start_server([box.oncall_bin, "serve", "--db", str(box.base / "group.db"), "--socket", sock,
                                 "--socket-group", box.eve], box.env(), "Application startup complete")
    try:
        st = os.stat(sock)
        assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == pwd.getpwnam(box.eve).pw_gid
        config = write_config(box.base / "group.toml", sock)
        outside = box.oncall(box.alice, "now", ONCALL_SYSTEM_CONFIG=str(config))
        assert outside.returncode == 3 and "Traceback" not in outside.stderr
        assert outside.stderr.startswith(f"oncall: cannot reach the oncall server at {sock}")
        assert "Permission denied" in outside.stderr
        inside = box.oncall(box.eve, "now", ONCALL_SYSTEM_CONFIG=str(config))
        assert inside.returncode == 2 and f"'{box.eve}' is not known here" in inside.stderr
    finally:
        stop(proc)


def test_as_is_refused_over_the_socket_on_a_real_database(box):
    box.oncall(box.dana, "team", "import", "team.toml")
    out = box.oncall(box.alice, "--as", box.dana, "now")
    assert out.returncode == 2 and "--as works only in a demo database" in out.stderr


def test_the_readmes_systemd_unit_is_one_systemd_accepts(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed, so the README's unit cannot be checked here")
    text = README.read_text()
    start = text.index("```ini\n", text.index("### The stronger mode: a server on a Unix socket")) + len("```ini\n")
    unit = text[start:text.index("```", start)]
    assert "--socket /run/oncall/oncall.sock" in unit and "RuntimeDirectory=oncall" in unit
    path = tmp_path / "oncall.service"
    path.write_text(unit.replace("/usr/local/bin/oncall", ONCALL))  # where this checkout's oncall is
    out = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr.strip() == "" and out.stdout.strip() == "", out


def test_socket_and_tcp_options_together_are_refused(tmp_path):
    out = subprocess.run([ONCALL, "serve", "--db", str(tmp_path / "team.db"), "--socket", str(tmp_path / "s.sock"),
                          "--port", "8765"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "leave out --port" in out.stderr
    assert not (tmp_path / "s.sock").exists() and not (tmp_path / "team.db").exists()


def test_on_a_demo_database_as_still_works_over_the_socket(tmp_path):
    demo = tmp_path / "demo.db"
    made = subprocess.run([ONCALL, "demo", "--db", str(demo), "--no-open"], capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr
    sock = str(tmp_path / "demo.sock")
    proc, _lines = start_server([ONCALL, "serve", "--db", str(demo), "--socket", sock], dict(os.environ),
                                "Application startup complete")
    try:
        env = dict(os.environ, ONCALL_SYSTEM_CONFIG=str(write_config(tmp_path / "config.toml", sock)))
        out = subprocess.run([ONCALL, "--as", "alice", "availability", "set", "unavailable", "2027-01-20"],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "for alice" in out.stdout
    finally:
        stop(proc)

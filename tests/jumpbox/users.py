"""Real OS users on this machine for the jump-box tests: made with useradd, removed afterwards.

Everything here needs root (CI runs as root); the tests skip, saying why, elsewhere."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import NOW

WORKTREE = Path(__file__).resolve().parents[2]


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to create real OS users (CI runs as root)")
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "runuser", "usermod"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)



def only_people(team_toml: str, logins: tuple[str, ...]) -> str:
    """The team file with only the people `logins` (the box makes an OS user for each of them;
    the example's other engineers would be people without a login here)."""
    head, *blocks = team_toml.split("[[people]]\n")
    kept = []
    for block in blocks:
        person, sep, rest = block.partition("\n[[")  # the last person runs into the next section
        login = next((line.split("=", 1)[1].strip().strip('"') for line in person.splitlines()
                      if line.startswith("login")), "")
        if login in logins:
            kept.append("[[people]]\n" + block)
        elif sep:
            kept.append("[[" + rest)
    return head + "".join(kept)

class Box:
    """A jump box inside this machine: its users and group, a shared folder, a system
    configuration, and `oncall` installed where every user can run it."""

    def __init__(self, people: tuple[str, ...] = ("dana", "alice", "bob"), settings: str = "") -> None:
        """`people`: the example team's logins that get an OS user in the group (and stay in the
        team file); `settings`: TOML for the team's [team] table (e.g. its server_url)."""
        tag = uuid.uuid4().hex[:6]
        self.group = f"oc_grp_{tag}"
        self.people = people
        self.settings = settings
        self.login = {who: f"oc_{who}_{tag}" for who in (*people, "out")}
        self.base = Path(tempfile.mkdtemp(prefix="oncall-box-", dir="/var/tmp"))
        self.made_users: list[str] = []
        self.made_group = False

    # -- set up, as the README says ------------------------------------------------------------
    def build(self) -> None:
        os.chmod(self.base, 0o755)
        _run("groupadd", self.group)
        self.made_group = True
        for who, name in self.login.items():
            groups = [] if who == "out" else ["-G", self.group]
            _run("useradd", "-m", "-s", "/bin/sh", *groups, name)
            self.made_users.append(name)
        self.install()
        self.folder = self.base / "srv" / "oncall"
        (self.base / "srv").mkdir(mode=0o755)
        _run("install", "-d", "-m", "2770", "-g", self.group, str(self.folder))
        self.db = self.folder / "team.db"
        self.config = self.base / "etc" / "config.toml"
        self.config.parent.mkdir(mode=0o755)
        self.config.write_text(f'database = "{self.db}"\n')
        os.chmod(self.config, 0o644)
        example = only_people((WORKTREE / "data" / "team.example.toml").read_text(), self.people)
        if self.settings:
            example = example.replace("\n[[people]]\n", f"\nsettings = {{ {self.settings} }}\n\n[[people]]\n", 1)
        for who in self.people:
            example = example.replace(f'login = "{who}"', f'login = "{self.login[who]}"')
        self.team_file = self.base / "team.toml"
        self.team_file.write_text(example)
        os.chmod(self.team_file, 0o644)

    def install(self) -> None:
        """`oncall` in a venv every user can run (the README's /opt/oncall), made from the system
        Python; it uses this checkout and the test venv's packages (the test venv's own Python may
        live where other users cannot go, such as under /root)."""
        python = shutil.which("python3.11", path="/usr/bin:/usr/local/bin")
        if python is None:
            pytest.skip("no system python3.11 that other users can run")
        self.venv = self.base / "opt" / "oncall"
        subprocess.run([python, "-m", "venv", "--without-pip", str(self.venv)], check=True, timeout=120)
        site = next((self.venv / "lib").glob("python3*/site-packages"))
        ours = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "click").is_dir())
        (site / "oncall_test_packages.pth").write_text(f"import site; site.addsitedir({str(ours)!r})\n")
        self.oncall = self.venv / "bin" / "oncall"
        self.oncall.write_text(f"#!{self.venv}/bin/python\nimport sys\nfrom oncall_tui.cli import main\n"
                               f"sys.exit(main())\n")
        os.chmod(self.oncall, 0o755)
        for path in [self.venv, *self.venv.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if not path.is_symlink():
                os.chmod(path, mode | (0o555 if path.is_dir() else 0o444))

    def uid(self, who: str) -> int:
        import pwd

        return pwd.getpwnam(self.login[who]).pw_uid

    def env(self, who: str, **extra: str) -> list[str]:
        name = self.login[who]
        return ["env", "-i", f"HOME=/home/{name}", f"USER={name}", f"LOGNAME={name}",
                "PATH=/usr/local/bin:/usr/bin:/bin", f"ONCALL_SYSTEM_CONFIG={self.config}",
                f"ONCALL_NOW={NOW.isoformat()}", "TERM=xterm-256color", "TEXTUAL_ANIMATIONS=none",
                *(f"{k}={v}" for k, v in extra.items())]

    def command(self, who: str, *args: str, **env: str) -> list[str]:
        return ["runuser", "-u", self.login[who], "--", *self.env(who, **env), str(self.oncall), *args]

    def oncall_as(self, who: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(who, *args, **env), capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, cwd="/")

    def hold_open(self, who: str) -> subprocess.Popen:
        """`who` reads the database through oncall's own storage and keeps the connection open
        (as an open app does while it reads) until its input is closed."""
        script = ("import sys; from oncall_tui.backend.local import LocalBackend; "
                  f"b = LocalBackend({str(self.db)!r}); b.home(); print('open', flush=True); sys.stdin.read()")
        proc = subprocess.Popen(["runuser", "-u", self.login[who], "--", *self.env(who),
                                 str(self.venv / "bin" / "python"), "-c", script],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd="/")
        line = proc.stdout.readline()
        assert line.strip() == "open", proc.stderr.read()
        return proc

    # -- take it all down --------------------------------------------------------------------------
    def remove(self) -> None:
        for name in self.made_users:
            remove_os_user(name)
        if self.made_group:
            subprocess.run(["groupdel", self.group], capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def built_box(**kwargs):
    """A Box made for the time of a `with` (its users, group and files gone afterwards, also when
    the test fails or the build stops half way)."""
    need_root()
    made = Box(**kwargs)
    try:
        made.build()
        yield made
    finally:
        made.remove()


@pytest.fixture(scope="module")
def box():
    with built_box() as made:
        yield made


def remove_os_user(name: str) -> None:
    """Take a test's OS user away for good: its processes first (userdel refuses a user who
    still runs something, and the user would be left on the machine), then the user, its
    home and its private group."""
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, timeout=60)
    for _ in range(200):  # until the kernel has them gone (bounded)
        if subprocess.run(["pgrep", "-u", name], capture_output=True).returncode != 0:
            break
        time.sleep(0.05)
    subprocess.run(["userdel", "-r", "-f", name], capture_output=True, timeout=60)
    subprocess.run(["groupdel", name], capture_output=True, timeout=60)  # a private group, if any


class UserTerminal:
    """`oncall` in tmux, run as one of the box's users (the app kept open, as alice does)."""

    def __init__(self, command: list[str], size: tuple[int, int] = (100, 30)) -> None:
        self.socket = f"oncall-box-{uuid.uuid4().hex[:8]}"
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]),
                  *command)
        self.tmux("set-option", "-t", "t", "remain-on-exit", "on")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while text not in (shown := self.screen()):
            assert time.monotonic() < deadline, f"{text!r} never appeared:\n{shown}"
            time.sleep(0.05)
        return shown

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def stop(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)

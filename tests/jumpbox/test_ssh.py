"""The jump box through a real sshd on 127.0.0.1: alice logs in with her key and runs
`oncall now`, as `ssh jumpbox oncall now` does (and bare `oncall` without -t says to use -t)."""
from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import NOW

from .users import box  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow]

SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def sshd(box):
    if not Path(SSHD).exists() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("no sshd here (install openssh-server: .ci/run does)")
    here = box.base / "ssh"
    here.mkdir(mode=0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(here / "host_key")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(here / "alice_key")], check=True)
    alice = box.login["alice"]
    subprocess.run(["usermod", "-p", "*", alice], check=True)  # no password, but not a locked account
    dot_ssh = Path(f"/home/{alice}/.ssh")
    dot_ssh.mkdir(mode=0o700, exist_ok=True)
    (dot_ssh / "authorized_keys").write_text((here / "alice_key.pub").read_text())
    os.chmod(dot_ssh / "authorized_keys", 0o600)
    shutil.chown(dot_ssh, alice, alice)
    shutil.chown(dot_ssh / "authorized_keys", alice, alice)
    port = _free_port()
    config = here / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {here / "host_key"}
PidFile {here / "sshd.pid"}
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers {alice}
""")
    # sshd's privilege separation directory.  It stays: with `-n 2` this module's tests may run in
    # two workers, each with its own sshd, and removing it under the other's sshd made its next
    # login fail.  (openssh-server's package creates the same directory at every boot.)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            if proc.poll() is not None:
                pytest.fail(f"sshd did not start: {proc.stderr.read().decode()}")
            assert time.monotonic() < deadline, "sshd never listened"
            time.sleep(0.05)
        yield port, here / "alice_key"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ssh(box, sshd, remote: str, tty: bool = False) -> subprocess.CompletedProcess:
    port, key = sshd
    args = ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key), "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", *(["-tt"] if tty else ["-T"]), f"{box.login['alice']}@127.0.0.1", remote]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def _remote(box, *words: str) -> str:
    return (f"ONCALL_SYSTEM_CONFIG={box.config} ONCALL_NOW={NOW.isoformat()} "
            + " ".join([str(box.oncall), *words]))


def test_alice_over_ssh_runs_oncall_now_as_herself(box, sshd):
    imported = box.oncall_as("dana", "team", "import", str(box.team_file))
    assert imported.returncode == 0, imported.stderr
    now = _ssh(box, sshd, _remote(box, "now"))
    assert now.returncode == 0, now.stdout + now.stderr
    assert "Nobody is on call right now" in now.stdout or "ROTATION" in now.stdout
    faked = _ssh(box, sshd, f"LOGNAME={box.login['dana']} USER={box.login['dana']} "
                            f"ONCALL_LOGIN={box.login['dana']} "
                 + _remote(box, "availability", "set", "unavailable", "2027-01-20", "--person", box.login["bob"]))
    assert faked.returncode == 2, faked.stdout + faked.stderr
    assert "Traceback" not in faked.stderr


def test_bare_oncall_over_ssh_without_t_says_to_use_it(box, sshd):
    if not box.db.exists():
        assert box.oncall_as("dana", "team", "import", str(box.team_file)).returncode == 0
    done = _ssh(box, sshd, _remote(box))
    assert done.returncode == 2
    assert done.stderr.strip() == "oncall needs a terminal: use ssh -t"


def _processes_of(uid: int, needle: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        uid_line = next((line for line in status.splitlines() if line.startswith("Uid:")), "")
        state = next((line for line in status.splitlines() if line.startswith("State:")), "")
        if uid_line.split()[1:2] == [str(uid)] and needle in cmdline and " Z " not in f" {state.split()[1]} ":
            found.append(int(entry.name))
    return found


def test_the_app_ends_when_the_ssh_connection_goes(box, sshd):
    """`ssh -t jumpbox oncall`, then the local ssh is killed: the remote oncall does not outlive it."""
    if not box.db.exists():
        assert box.oncall_as("dana", "team", "import", str(box.team_file)).returncode == 0
    port, key = sshd
    args = ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key), "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-tt", f"{box.login['alice']}@127.0.0.1",
            "TERM=xterm-256color " + _remote(box)]
    client = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    uid = box.uid("alice")
    try:
        deadline = time.monotonic() + 60
        first = b""
        while b"Your next shifts" not in first:  # the app's first frame has arrived over ssh
            assert time.monotonic() < deadline, first[-500:]
            if select.select([client.stdout], [], [], 1)[0]:
                first += os.read(client.stdout.fileno(), 65536)
        running = _processes_of(uid, str(box.oncall))
        assert running, "the app runs on the far side"
    finally:
        client.kill()
        client.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _processes_of(uid, str(box.oncall)):
        assert time.monotonic() < deadline, "oncall outlived the ssh connection"
        time.sleep(0.02)

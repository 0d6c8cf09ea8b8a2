"""`oncall doctor`: is this machine set up so that everybody can share the database?

Each check says what it found; each problem comes with the one command that fixes it.
It reads files and asks the kernel; it never writes to the database."""
from __future__ import annotations

import json
import os
import socket as socketlib
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..formatting import plural
from .common import Ctx, pass_ctx

if TYPE_CHECKING:
    from ..config import SystemConfig

SHARED_GROUP = "oncall"  # the README's group, suggested where the setup names none yet


@dataclass
class Check:
    what: str
    ok: bool
    detail: str
    fix: str = ""


def _group(gid: int) -> str:
    from ..config import group_name

    return group_name(gid)


def _owner(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _group_members(gid: int) -> set[str]:
    import grp
    import pwd

    members = set(grp.getgrgid(gid).gr_mem)
    members |= {p.pw_name for p in pwd.getpwall() if p.pw_gid == gid}
    return members


def _os_user_exists(login: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(login)
        return True
    except KeyError:
        return False


def check_system_config(explicit: bool) -> tuple[list[Check], SystemConfig | None]:
    from ..config import system_config, system_config_path
    from ..core.errors import OncallError

    path = system_config_path()
    try:
        config = system_config()
    except OncallError as exc:
        return [Check("system configuration", False, exc.message, f"sudoedit {path}")], None
    if not config.exists:
        if explicit:
            return [Check("system configuration", True, f"none at {path} (not needed: --db, ONCALL_DB or "
                                                        f"a server is given)")], config
        return [Check("system configuration", False, f"there is no {path}, so `ssh -t jumpbox oncall` finds no "
                                                     f"shared database",
                      f"sudo install -D -m 644 /dev/stdin {path} <<< 'database = \"/srv/oncall/team.db\"'")], config
    checks = [Check("system configuration", True, f"{path}: " + ", ".join(
        f"{k} = {getattr(config, k)}" for k in ("database", "socket", "jump_host") if getattr(config, k)) or
        f"{path} (empty)")]
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o004:
        checks.append(Check("system configuration readable", False,
                            f"{path} is mode {mode:o}: other users' `oncall` cannot read it", f"sudo chmod 644 {path}"))
    if config.admins_refused:
        checks.append(Check("system configuration administrators", False, config.admins_refused,
                            f"sudo chown root: {path} && sudo chmod 644 {path}"))
    return checks, config


def check_socket(path: str) -> list[Check]:
    where = Path(path)
    if not where.exists():
        return [Check("socket", False, f"{path} does not exist: the oncall service is not running",
                      "sudo systemctl restart oncall.service")]
    if not stat.S_ISSOCK(where.stat().st_mode):
        return [Check("socket", False, f"{path} is not a socket",
                      f"sudo rm {path} && sudo systemctl restart oncall.service")]
    conn = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
    conn.settimeout(3)
    try:
        conn.connect(path)
    except PermissionError:
        st = where.stat()
        return [Check("socket", False, f"{path} refuses you (mode {stat.S_IMODE(st.st_mode):o}, group "
                                       f"{_group(st.st_gid)})", f"sudo usermod -aG {_group(st.st_gid)} {_me()}")]
    except OSError as exc:
        return [Check("socket", False, f"{path} does not answer ({exc.strerror or exc})",
                      "sudo systemctl restart oncall.service")]
    finally:
        conn.close()
    return [Check("socket", True, f"{path} answers")]


def _me() -> str:
    from ..config import real_login

    return real_login()


def check_sqlite(path: Path) -> list[Check]:
    from ..store.db import COMPANIONS, KEY_MODE, KEY_SUFFIX, sqlite_logins

    checks: list[Check] = []
    folder = path.parent
    me = _me()
    try:
        fst = folder.stat()
    except FileNotFoundError:
        return [Check("folder", False, f"{folder} does not exist",
                      f"sudo install -d -m 2770 -g {SHARED_GROUP} {folder}")]
    except PermissionError:
        return [Check("folder", False, f"you ({me}) may not look into {folder.parent}",
                      f"sudo chmod o+x {folder.parent}")]
    group = _group(fst.st_gid)
    fmode = stat.S_IMODE(fst.st_mode)
    shared = fst.st_gid != 0 and group != _owner(fst.st_uid)
    if not shared:
        checks.append(Check("folder group", False, f"{folder} belongs to group {group}, not to a group for the team",
                            f"sudo chgrp {SHARED_GROUP} {folder}"))
        group = SHARED_GROUP
    else:
        checks.append(Check("folder group", True, f"{folder} belongs to group {group}"))
    if fmode & 0o2070 != 0o2070 or fmode & 0o007:
        checks.append(Check("folder mode", False, f"{folder} is mode {fmode:o}; it must be 2770 (group may write, "
                                                  f"new files get its group, others stay out)",
                            f"sudo chmod 2770 {folder}"))
    else:
        checks.append(Check("folder mode", True, f"{folder} is mode {fmode:o}"))
    in_group = fst.st_gid in os.getgroups() or fst.st_gid == os.getgid() or os.geteuid() == 0
    if not in_group:
        checks.append(Check("you", False, f"you ({me}) are not in the group {group}, so you cannot open the database",
                            f"sudo usermod -aG {group} {me}   # then log in again"))
        return checks
    try:
        exists = path.exists()
    except PermissionError:
        checks.append(Check("you", False, f"you ({me}) may not enter {folder}", f"sudo chmod 2770 {folder}"))
        return checks
    if not exists:
        checks.append(Check("database", False, f"there is no database at {path} yet",
                            f"oncall --db {path} team import team.toml   # as the team's manager"))
        return checks
    for name in (str(path), *(str(path) + suffix for suffix in COMPANIONS)):
        file = Path(name)
        try:
            st = file.stat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(st.st_mode)
        about = f"{file} (owner {_owner(st.st_uid)}, group {_group(st.st_gid)}, mode {mode:o})"
        if shared and st.st_gid != fst.st_gid:
            checks.append(Check("file group", False, f"{about} is not in the folder's group {group}",
                                f"sudo chgrp {group} {file}"))
        elif mode & 0o060 != 0o060:
            checks.append(Check("file mode", False, f"{about}: the group cannot write it, so others get "
                                                    f"'attempt to write a readonly database'",
                                f"sudo chmod 660 {file}"))
        else:
            checks.append(Check("file", True, about))
    key = Path(str(path) + KEY_SUFFIX)  # made when the first link or password needs it
    try:
        kst = key.stat()
    except FileNotFoundError:
        kst = None
    if kst is not None:
        kmode = stat.S_IMODE(kst.st_mode)
        about = f"{key} (owner {_owner(kst.st_uid)}, group {_group(kst.st_gid)}, mode {kmode:o})"
        fix = f"sudo chgrp {group} {key} && sudo chmod {KEY_MODE:o} {key}"
        if shared and (kst.st_gid != fst.st_gid or not kmode & 0o040):
            checks.append(Check("secrets key", False, f"{about}: the group cannot read it, so links and mail "
                                                      f"fail for everyone but its owner", fix))
        elif kmode & 0o007:
            checks.append(Check("secrets key", False, f"{about}: others can read it; only the group may", fix))
        else:
            checks.append(Check("secrets key", True, about))
    writable = os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)
    checks.append(Check("you", writable, f"you ({me}) " + ("can" if writable else "cannot") + f" write {path}",
                        "" if writable else f"sudo chmod 660 {path}"))
    try:
        logins = sqlite_logins(path)
    except Exception as exc:  # an unreadable or damaged file: said, and the rest still checked
        checks.append(Check("team", False, f"cannot read the team from {path}: {exc}",
                            f"sudo chmod 660 {path}"))
        return checks
    if shared:
        members = _group_members(fst.st_gid)
        for login in logins:
            if login in members:
                continue
            if _os_user_exists(login):
                checks.append(Check("team member", False, f"{login} is in the team file but not in the group {group}",
                                    f"sudo usermod -aG {group} {login}"))
            else:
                checks.append(Check("team member", False, f"{login} is in the team file but has no login here",
                                    f"sudo useradd -m -G {group} {login}"))
        outside = sorted(members - set(logins))
        checks.append(Check("group", True, f"{plural(len(logins), 'person', 'people')} in the team; in the group "
                                           f"{group} but not in the team: {', '.join(outside) or 'nobody'}"))
    return checks


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@pass_ctx
def doctor(ctx: Ctx, as_json: bool) -> None:
    """Check the shared setup; print the command that fixes each problem (exit 1 if any)."""
    from ..config import is_sqlite, load_credentials, normalise_url, resolve_target, sqlite_path
    from ..core.errors import OncallError

    explicit = bool(ctx.db or ctx.server or os.environ.get("ONCALL_DB") or load_credentials().get("default_server"))
    checks, config = check_system_config(explicit)
    try:
        target = resolve_target(ctx.db, ctx.server)
    except OncallError:
        target = None  # the configuration's problem is reported above
    if config is not None and not config.exists and not explicit:
        target = None  # a personal file in the data directory: no shared setup to check
    if target is not None:
        if target.socket:
            checks += check_socket(target.socket)
        elif target.server:
            checks.append(Check("server", True, f"{target.server} (not checked here: try `oncall now`)"))
        elif target.db_url and is_sqlite(target.db_url):
            checks += check_sqlite(sqlite_path(normalise_url(target.db_url)))
        elif target.db_url:
            checks.append(Check("database", True, "PostgreSQL (not checked here: try `oncall now`)"))
    healthy = all(c.ok for c in checks)
    if as_json:
        click.echo(json.dumps({"ok": healthy, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        for c in checks:
            click.echo(f"{'ok     ' if c.ok else 'PROBLEM'}  {c.detail}")
            if c.fix:
                click.echo(f"         fix: {c.fix}")
        click.echo("All fine." if healthy else f"{plural(sum(not c.ok for c in checks), 'problem')}.")
    sys.exit(0 if healthy else 1)


COMMANDS = [doctor]

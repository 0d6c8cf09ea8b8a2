"""The one place that knows where things live.

`ONCALL_HOME` moves everything (tests use it); otherwise platformdirs decides.
The database comes from `--db`, else `ONCALL_DB`, else the saved server, else
the system configuration (its socket, else its database), else the default
file in the data directory.

The system configuration is one TOML file every user of the machine reads
(`/etc/xdg/oncall/config.toml` on Linux; `ONCALL_SYSTEM_CONFIG` points
elsewhere), so `ssh -t jumpbox oncall` finds the shared database without any
shell profile:

    database = "/srv/oncall/team.db"      # or postgresql://…
    socket = "/run/oncall/oncall.sock"    # an `oncall serve` on a Unix socket (used first)
    jump_host = "jumpbox"                 # what people type after `ssh -t`, for messages
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote


def data_dir() -> Path:
    home = os.environ.get("ONCALL_HOME")
    if home:
        return Path(home) / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("oncall", appauthor=False))


def config_dir() -> Path:
    home = os.environ.get("ONCALL_HOME")
    if home:
        return Path(home) / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir("oncall", appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "oncall.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


def real_login() -> str:
    """The login of the process's real user id, from the kernel (not from LOGNAME or USER)."""
    try:
        import pwd
    except ImportError:  # not a POSIX system: no user database to ask
        import getpass

        return getpass.getuser()
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no name (a container): the number is still nobody else's
        return str(os.getuid())


def full_name(login: str) -> str:
    """A person's name as their account gives it: the first field of the user database's GECOS
    (`&` in it standing for the login, capitalised), else the login itself."""
    try:
        import pwd

        gecos = pwd.getpwnam(login).pw_gecos
    except (ImportError, KeyError):  # no user database here, or no such account
        return login
    name = gecos.split(",")[0].replace("&", login.capitalize()).strip()
    return name if name and name.isprintable() and len(name) <= 200 else login


def package_data_dir() -> Path:
    """The demo team and sample calendars: inside the installed package, or `data/` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the oncall data folder is missing from this installation")


def normalise_url(url_or_path: str) -> str:
    """A database URL from a URL or a plain path (`sqlite:///` + the absolute path)."""
    if "://" not in url_or_path:
        return "sqlite:///" + str(Path(url_or_path).expanduser().resolve())
    return url_or_path


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    url = normalise_url(url)
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url}")
    return Path(unquote(url[len("sqlite:///"):]))


def database_missing(target: Target) -> Path | None:
    """The path of a SQLite file that does not exist yet (a first run), else None."""
    if not target.db_url:
        return None
    url = normalise_url(target.db_url)  # once: a plain path is resolved against the file system
    if is_sqlite(url):
        path = sqlite_path(url)
        try:
            if not path.exists():
                return path
        except PermissionError as exc:  # a folder this user may not enter: say so, not "missing"
            from .core.errors import Unavailable

            raise Unavailable(storage_problem(path, exc)) from None
    return None


def group_name(gid: int) -> str:
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        return str(gid)


def storage_problem(path: Path, exc: BaseException) -> str | None:
    """One line, naming the file and the likely fix, for a database this user cannot open,
    read or write; None when `exc` is not such a problem."""
    text = str(exc)
    denied = isinstance(exc, PermissionError) or "unable to open database file" in text
    readonly = "readonly database" in text or "read-only" in text
    damaged = "malformed" in text or "file is not a database" in text
    if not (denied or readonly or damaged or "disk I/O error" in text):
        return None
    login = real_login()
    folder = path.parent
    if damaged:
        return (f"the database at {path} is damaged ({text}); restore the newest copy made with "
                f"`oncall backup` and run `oncall doctor`")
    try:
        gid = folder.stat().st_gid
    except OSError:
        gid = None
    if gid is not None and gid != 0 and denied and gid not in os.getgroups() and gid != os.getgid():
        group = group_name(gid)
        return (f"cannot open the database at {path}: you ({login}) are not in the group '{group}' that "
                f"shares {folder}; ask an admin to run `sudo usermod -aG {group} {login}`, then log in again")
    doing = "write to" if readonly else "open"
    return (f"cannot {doing} the database at {path} ({text}): the file, its -wal/-shm or its folder is not "
            f"writable by you ({login}); run `oncall doctor` for the command that fixes it")


@dataclass
class Target:
    """Where the backend lives: a database URL, a server URL (with its token), or the Unix
    socket of a server on this machine."""

    db_url: str | None = None
    server: str | None = None
    token: str | None = None
    socket: str | None = None


SYSTEM_CONFIG_KEYS = ("database", "socket", "jump_host")
#: Keys whose value is a list of logins.
SYSTEM_CONFIG_LISTS = ("admins",)


@dataclass(frozen=True)
class SystemConfig:
    """The machine-wide settings (see the module's text); every key may be missing."""

    path: Path
    exists: bool = False
    database: str | None = None
    socket: str | None = None
    jump_host: str | None = None
    #: Organisation administrators named by whoever installed oncall.  Taken only from a file
    #: that root owns and nobody else may write: anyone can point ONCALL_SYSTEM_CONFIG at a
    #: file of their own, and a group-writable file is anyone's in the group.
    admins: tuple[str, ...] = ()
    #: Why the file's `admins` were not taken ("" when they were, or there were none).
    admins_refused: str = ""


def system_config_path() -> Path:
    override = os.environ.get("ONCALL_SYSTEM_CONFIG")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.site_config_dir("oncall", appauthor=False)) / "config.toml"


_READ: dict[tuple, SystemConfig] = {}


def system_config() -> SystemConfig:
    """Read the system configuration.  A file that cannot be read or is not valid raises
    InvalidInput naming the file (and the line); a missing file is an empty configuration.
    A file already read is not parsed again until it changes (a server reads its
    administrators here on every check that involves them)."""
    path = system_config_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return SystemConfig(path)
    except OSError:
        st = None  # reading says what is wrong
    key = (str(path), st.st_mtime_ns, st.st_size, st.st_uid, st.st_mode) if st else None
    if key in _READ:
        return _READ[key]
    found = _read_system_config(path)
    if found.admins and (st is None or st.st_uid != 0 or st.st_mode & 0o022):
        from dataclasses import replace

        found = replace(found, admins=(), admins_refused=(
            f"{path} names administrators but is not root's alone to write (only such a file is trusted "
            f"with them)"))
    if key:
        _READ.clear()
        _READ[key] = found
    return found


def _read_system_config(path: Path) -> SystemConfig:
    from .core.errors import InvalidInput

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SystemConfig(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the system configuration {path}: "
                           f"{getattr(exc, 'strerror', None) or exc}", field="system_config") from None
    import tomllib  # only where there is a file to read

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"the system configuration {path} is not valid TOML: {exc}",  # names the line
                           field="system_config") from None
    known = SYSTEM_CONFIG_KEYS + SYSTEM_CONFIG_LISTS
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InvalidInput(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(known)})",
                           field="system_config")
    for key in SYSTEM_CONFIG_KEYS:
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            raise InvalidInput(f"{path}: {key} must be a non-empty string in quotes", field="system_config")
    for key in SYSTEM_CONFIG_LISTS:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InvalidInput(f'{path}: {key} must be a list of logins, e.g. {key} = ["dana"]',
                               field="system_config")
    return SystemConfig(path, True, admins=tuple(v.strip() for v in data.get("admins", [])),
                        **{k: data[k].strip() for k in SYSTEM_CONFIG_KEYS if k in data})


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def load_credentials() -> dict:
    path = credentials_path()
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def save_credentials(data: dict) -> Path:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.chmod(path, 0o600)
    return path


def resolve_target(db: str | None, server: str | None) -> Target:
    if db:
        return Target(db_url=db)
    if server:
        creds = load_credentials().get("servers", {}).get(server.rstrip("/"), {})
        return Target(server=server.rstrip("/"), token=creds.get("token"))
    env_db = os.environ.get("ONCALL_DB")
    if env_db:
        return Target(db_url=env_db)
    creds = load_credentials()
    default = creds.get("default_server")
    if default:
        return Target(server=default, token=creds.get("servers", {}).get(default, {}).get("token"))
    machine = system_config()
    if machine.socket:
        return Target(socket=machine.socket)
    if machine.database:
        return Target(db_url=machine.database)
    return Target(db_url=str(default_db_path()))

"""The one place that knows where things live.

`ONCALL_HOME` moves everything (tests use it); otherwise platformdirs decides.
The database comes from `--db`, else `ONCALL_DB`, else the saved server, else
the system configuration's socket or database, else the default file in the
data directory.
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


def database_missing(target: "Target") -> Path | None:
    """The path of a SQLite file that does not exist yet (a first run), else None."""
    if not target.db_url:
        return None
    url = normalise_url(target.db_url)  # once: a plain path is resolved against the file system
    if is_sqlite(url):
        path = sqlite_path(url)
        if not path.exists():
            return path
    return None


@dataclass
class Target:
    """Where the backend lives: a database URL or a server URL (with its token)."""

    db_url: str | None = None
    server: str | None = None
    token: str | None = None
    socket: str | None = None  # the Unix socket of `oncall serve --socket` (identity from the kernel)


@dataclass
class SystemConfig:
    """What the box's one configuration file names for every user (see README: jump box)."""

    database: str | None = None
    socket: str | None = None


def system_config_path() -> Path:
    env = os.environ.get("ONCALL_SYSTEM_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.site_config_dir("oncall", appauthor=False)) / "config.toml"


def system_config() -> SystemConfig:
    """The system configuration file's `database` and `socket` (both None when there is no file)."""
    path = system_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # the usual case: nothing more is imported or read
        return SystemConfig()
    except (OSError, UnicodeDecodeError) as exc:
        from .errors import InvalidInput

        raise InvalidInput(f"cannot read the system configuration {path}: {exc}") from None
    import tomllib

    from .errors import InvalidInput

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"the system configuration {path} is not valid TOML: {exc}") from None
    found = SystemConfig()
    for key in ("database", "socket"):
        value = data.get(key)
        if value is not None and not (isinstance(value, str) and value):
            raise InvalidInput(f"{path}: {key} must be a non-empty string", field=key)
        setattr(found, key, value)
    return found


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
    system = system_config()
    if system.socket:
        return Target(socket=system.socket)
    if system.database:
        return Target(db_url=system.database)
    return Target(db_url=str(default_db_path()))

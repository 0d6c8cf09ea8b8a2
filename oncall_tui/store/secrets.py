"""Passwords at rest (a team's SMTP login, a person's CalDAV login), encrypted with Fernet.

The key is never in the database, so a backup or a `pg_dump` holds only ciphertext:
- `ONCALL_SECRET_KEY` (a Fernet key: 32 url-safe base64 bytes), when set, else
- a key file beside a SQLite database (`team.db-secret.key`), or in the data directory of the
  process for PostgreSQL (`secret.key`; `oncall serve`'s state directory), made on first use:
  mode 0600, or 0640 with the folder's group in a setgid group folder (on a shared file every
  member's `oncall` delivers, so the group must read it; see README "Secrets").
"""
from __future__ import annotations

import os
import secrets as pysecrets
from pathlib import Path

import peewee as pw

from ..config import data_dir
from ..core.errors import InvalidInput, Unavailable
from .db import KEY_MODE, KEY_SUFFIX, shared_folder_gid

KEY_ENV = "ONCALL_SECRET_KEY"


def key_path(db: pw.Database) -> Path:
    """Where the key file of `db` is (whether or not it exists yet)."""
    if isinstance(db, pw.SqliteDatabase):
        path = Path(db.database)
        return path.with_name(path.name + KEY_SUFFIX)
    return data_dir() / "secret.key"


def _fernet(key: bytes):
    from cryptography.fernet import Fernet

    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise Unavailable(f"{KEY_ENV} is not a Fernet key (32 url-safe base64-encoded bytes); "
                          "make one with: python3 -c 'import base64,os; "
                          "print(base64.urlsafe_b64encode(os.urandom(32)).decode())'") from None


def _read_or_make_key(path: Path, create: bool) -> bytes | None:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        if not create:
            return None
    except PermissionError:
        raise Unavailable(f"cannot read the secrets key {path}: it must be readable by the database's group; "
                          f"`oncall doctor` names the fix") from None
    import base64

    key = base64.urlsafe_b64encode(pysecrets.token_bytes(32))
    gid = shared_folder_gid(path.parent)
    mode = KEY_MODE if gid is not None else 0o600
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{pysecrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        if gid is not None:
            try:
                os.fchown(fd, -1, gid)
            except OSError:
                pass
        os.write(fd, key + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)  # atomic: two first users at once end up with one key
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    return path.read_bytes().strip()


#: What the link key is derived for (an HMAC of the secrets key with this label).
LINK_KEY_LABEL = b"oncall link secrets v1"


class SecretBox:
    """Encrypts and decrypts the stored passwords of one database."""

    def __init__(self, db: pw.Database) -> None:
        self.path = key_path(db)

    def where(self) -> str:
        return KEY_ENV if os.environ.get(KEY_ENV) else str(self.path)

    def _key(self, create: bool) -> bytes | None:
        env = os.environ.get(KEY_ENV)
        if env:
            return env.strip().encode()
        return _read_or_make_key(self.path, create)

    def link_key(self) -> bytes:
        """The key swap and can't-make-it links are made with: derived from this database's
        secrets key, so every process on the same database (each user's `oncall` on a shared
        file, every worker of `oncall serve`) makes and checks the same links, and a copy of
        the database alone opens none."""
        import hashlib
        import hmac

        key = self._key(create=True)
        assert key is not None
        return hmac.new(key, LINK_KEY_LABEL, hashlib.sha256).digest()

    def seal(self, plain: str) -> str:
        if not plain:
            return ""
        key = self._key(create=True)
        assert key is not None
        return _fernet(key).encrypt(plain.encode()).decode()

    def open(self, sealed: str, what: str) -> str:
        """The password `sealed` holds; `what` names it in the one line said when it cannot be read."""
        if not sealed:
            return ""
        from cryptography.fernet import InvalidToken

        key = self._key(create=False)
        if key is None:
            raise InvalidInput(f"the {what} cannot be read: the secrets key {self.where()} is missing; "
                               "set the password again")
        try:
            return _fernet(key).decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise InvalidInput(f"the {what} cannot be read with the secrets key {self.where()} (another key "
                               "encrypted it); set the password again") from None

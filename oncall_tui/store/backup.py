"""A consistent copy of a live SQLite database, safe while others write to it."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def backup_sqlite(source: Path, dest: Path) -> int:
    """Copy `source` to `dest` with SQLite's online backup API.  Returns the page count.

    The copy is taken in one step inside one read transaction: in WAL mode
    that never blocks writers, and the result is one consistent snapshot.
    (Copying in small steps would restart whenever someone writes between
    steps, and on a busy file would never finish.)"""
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    folder = dest.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"there is no folder {folder} to put the copy in; create it first "
                                f"(`install -d -m 2770 {folder}`, with sudo and -g GROUP for a shared one)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write the copy into {folder}: the folder is not writable by you")
    tmp = dest.with_name(dest.name + ".partial")
    if tmp.exists():
        tmp.unlink()
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst, pages=-1)
                check = dst.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise RuntimeError(f"the copy failed its integrity check: {check}")
                pages = dst.execute("PRAGMA page_count").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:  # a file this user may not read, a full disk: one line, not a traceback
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"cannot copy {source} to {dest}: {exc}") from None
    tmp.replace(dest)
    return pages

"""Backup and restore of the whole database, consistent while the app keeps writing.

SQLite: `VACUUM INTO` reads one snapshot inside a single read transaction and writes a compact,
self-contained file (never a copy of the live file next to its WAL). Restoring goes through
SQLite's online backup API into the live database, so the WAL and the readers stay consistent.

PostgreSQL: `pg_dump -Fc` (one repeatable-read snapshot) and `pg_restore --clean` in a single
transaction. The client tools' major version must not be older than the server's.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    """Where the backup went, its size and how long it took."""

    path: Path
    size_bytes: int
    seconds: float


def kind_of(url: str | URL) -> str:
    """'sqlite' or 'postgresql'; BackupError for any other database."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {backend}")
    return backend


def default_path(url: str | URL, folder: str | os.PathLike) -> Path:
    """instance/backups/quartierauto-<UTC time>.sqlite3 or .dump."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if kind_of(url) == "sqlite" else ".dump"
    return Path(folder) / f"quartierauto-{stamp}{suffix}"


def backup(url: str | URL, path: str | os.PathLike) -> BackupResult:
    """Write a consistent backup of the database at `url` to `path` (which must not exist)."""
    target = Path(path)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind_of(url) == "sqlite":
            if not _sqlite_file(url).is_file():
                raise BackupError(f"there is no database file at {_sqlite_file(url)}")
            _sqlite_backup(_sqlite_file(url), partial)
        else:
            _run([_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(partial), _libpq(url)], url)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)  # a crash mid-backup never leaves a file that looks complete
    return BackupResult(target, target.stat().st_size, time.monotonic() - started)


def restore(url: str | URL, path: str | os.PathLike) -> None:
    """Replace the database at `url` with the backup at `path` (stop web and scheduler first)."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if kind_of(url) == "sqlite":
        check_sqlite_file(source)
        _sqlite_restore(source, _sqlite_file(url))
    else:
        _pg_restore(url, source)


def check_sqlite_file(path: str | os.PathLike) -> None:
    """BackupError unless the file is an SQLite database that passes `PRAGMA integrity_check`."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from error
    if result != [("ok",)]:
        raise BackupError(f"{path} fails the integrity check: {result[:3]}")


def _sqlite_file(url: str | URL) -> Path:
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    conn = sqlite3.connect(source, timeout=30)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("VACUUM INTO ?", (str(target),))
    finally:
        conn.close()
    check_sqlite_file(target)


def _sqlite_restore(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        dst.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)  # one step, under the target's write lock; readers see old or new, never a mix
    finally:
        src.close()
        dst.close()


_EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (?:EXTENSION - |COMMENT - EXTENSION )(\S+)")


def _pg_restore(url: str | URL, source: Path) -> None:
    """pg_restore --clean in one transaction, leaving extensions alone.

    Dropping and re-creating an extension (btree_gist) needs its owner, usually a superuser, while
    the app's database user merely owns the database: the extensions are made sure of beforehand
    (CREATE EXTENSION IF NOT EXISTS) and skipped in the restore list.
    """
    listing = _run([_tool("pg_restore"), "--list", str(source)], url)
    extensions = sorted({m.group(1) for m in map(_EXTENSION_ENTRY.match, listing.splitlines()) if m})
    _ensure_extensions(url, extensions)
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as handle:
        handle.write("\n".join(line for line in listing.splitlines() if not _EXTENSION_ENTRY.match(line)) + "\n")
    try:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", "--use-list", handle.name, "-d", _libpq(url), str(source)], url)
    finally:
        os.unlink(handle.name)


def _ensure_extensions(url: str | URL, names: list[str]) -> None:
    import psycopg
    from psycopg import sql

    if not names:
        return
    password = make_url(url).password
    with psycopg.connect(_libpq(url), password=str(password) if password else None, autocommit=True) as conn:
        for name in names:
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,)).fetchone() is None:
                try:
                    conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
                except psycopg.Error as error:
                    raise BackupError(f"the backup needs the extension {name}; as a superuser run "
                                      f"`CREATE EXTENSION {name};` in this database first ({error})") from error


def _libpq(url: str | URL) -> str:
    """The SQLAlchemy URL as a libpq URL without driver suffix and password (that goes via PGPASSWORD)."""
    return make_url(url).set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH (install the PostgreSQL client tools of the server's version)")
    return found


def _run(command: list[str], url: str | URL) -> str:
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = str(password)  # not on the command line, where `ps` would show it
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        raise BackupError(f"{os.path.basename(command[0])} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout

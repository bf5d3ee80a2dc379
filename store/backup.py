"""A consistent copy of the archive: the database, then the WARC files it points to.

The database is copied first, as one snapshot: SQLite through its online backup API (one step,
so a crawl writing at the same time neither waits nor makes the copy restart; WAL mode lets both
go on), PostgreSQL with ``pg_dump`` (a snapshot of its own). The WARC files are copied after it:
a crawl writes and flushes a record before it commits the capture that points to it, so every
record the copied database refers to is already in the files when they are copied. Files already
in the destination with the same size are kept (the next backup into the same folder only copies
what grew). A ``MANIFEST.json`` lists what was copied.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from common import clock
from common.errors import StoreError

Progress = Callable[[int], object]
CHUNK = 4 * 1024 * 1024


@dataclass
class BackupReport:
    """What :func:`backup` wrote into ``destination``."""

    destination: str
    database_file: str
    database_bytes: int
    warc_files: int = 0
    warc_copied: int = 0
    warc_bytes: int = 0
    created_at: str = field(default_factory=lambda: clock.now().isoformat())


def backup_database(engine: Engine, destination: Path) -> Path:
    """Copy the archive database into ``destination`` (``archive.db`` for SQLite, ``archive.pgdump``,
    pg_dump's custom format, for PostgreSQL); returns the file written."""
    destination.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        return _backup_sqlite(engine, destination / "archive.db")
    if engine.dialect.name == "postgresql":
        return _backup_postgresql(engine, destination / "archive.pgdump")
    raise StoreError(f"backup does not know {engine.dialect.name} databases")


def _backup_sqlite(engine: Engine, target: Path) -> Path:
    source = engine.url.database
    if not source or source == ":memory:":
        raise StoreError("an in-memory archive cannot be backed up")
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)) as src,
            closing(sqlite3.connect(part)) as dst,
        ):
            src.backup(dst, pages=-1)  # one step: one read snapshot, no restart when a writer commits
            check = dst.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise StoreError(f"the copy of {source} failed its integrity check: {check}")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot back up {source}: {exc}") from exc
    part.replace(target)
    return target


def _backup_postgresql(engine: Engine, target: Path) -> Path:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise StoreError("pg_dump is not installed: install postgresql-client (the server's major version or newer)")
    url = engine.url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)  # never on the command line, where ps shows it
    part = target.with_name(target.name + ".part")
    argv = [pg_dump, "--format=custom", "--no-owner", f"--file={part}", url.render_as_string(hide_password=False)]
    schema = _schema(engine)
    if schema:  # an archive kept in a schema of its own (search_path in the URL): that schema only
        argv.insert(-1, f"--schema={schema}")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"pg_dump of {shown} failed: {done.stderr.strip()[-500:]}")
    part.replace(target)
    return target


def _schema(engine: Engine) -> str | None:
    """The schema named by ``options=-csearch_path=…`` in the URL, if any."""
    options = engine.url.query.get("options", "")
    found = re.search(
        r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_$]*)", " ".join(options) if isinstance(options, tuple) else options
    )
    return found.group(1) if found else None


def warc_sizes(warc_dir: Path) -> dict[str, int]:
    """``{file name: size}`` of the WARC files in ``warc_dir`` (none when it does not exist)."""
    if not warc_dir.is_dir():
        return {}
    return {p.name: p.stat().st_size for p in sorted(warc_dir.glob("*.warc.gz")) if p.is_file()}


def copy_warcs(warc_dir: Path, target: Path, sizes: dict[str, int], progress: Progress = lambda n: None) -> int:
    """Copy the first ``sizes[name]`` bytes of each WARC file into ``target`` (files there with that
    size already are kept); returns how many files were copied."""
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for name, size in sizes.items():
        dest = target / name
        if dest.is_file() and dest.stat().st_size == size:
            progress(size)
            continue
        part = dest.with_name(name + ".part")
        with (warc_dir / name).open("rb") as src, part.open("wb") as out:
            left = size
            while left > 0:
                chunk = src.read(min(CHUNK, left))
                if not chunk:
                    raise StoreError(f"WARC file {warc_dir / name} shrank while it was copied")
                out.write(chunk)
                left -= len(chunk)
                progress(len(chunk))
        part.replace(dest)
        copied += 1
    return copied


def backup(
    engine: Engine,
    warc_dir: Path,
    destination: Path,
    progress: Callable[[int], Progress] = lambda total: lambda n: None,
) -> BackupReport:
    """Back up the database, then the WARC files (see the module docstring); write MANIFEST.json.
    ``progress(total WARC bytes)`` returns the callback told of each chunk copied."""
    db_file = backup_database(engine, destination)
    sizes = warc_sizes(warc_dir)  # read after the database snapshot: every record it refers to is inside
    copied = copy_warcs(warc_dir, destination / "warc", sizes, progress(sum(sizes.values())))
    report = BackupReport(
        destination=str(destination), database_file=db_file.name, database_bytes=db_file.stat().st_size,
        warc_files=len(sizes), warc_copied=copied, warc_bytes=sum(sizes.values()),
    )  # fmt: skip
    manifest = {**asdict(report), "warc": sizes, "database": engine.dialect.name}
    (destination / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return report

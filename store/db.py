"""Engines and sessions for SQLite (embedded default) and PostgreSQL (server).

SQLite runs in WAL mode with a busy timeout and foreign keys on. JSON is written
with ``ensure_ascii=False`` so Chinese stays readable (and 2× smaller) in the database.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from common.errors import StoreError, StoreNotInitialised


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` for psycopg 3; make SQLite paths' folders."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///") :]).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, background_checkpoints: bool = False) -> Engine:
    """An engine for ``url`` with the archive's connection settings. With
    ``background_checkpoints`` its SQLite connections leave WAL checkpoints to a
    :class:`WalCheckpointer` (a bulk writer's commits then do not copy the WAL themselves)."""
    url = normalise_url(url)
    try:
        engine = create_engine(url, json_serializer=_dumps, pool_pre_ping=True)
    except Exception as exc:  # bad driver name, malformed URL
        shown = url.split("@", 1)[-1] if "@" in url else url  # never print a password
        raise StoreError(f"cannot use database URL …{shown!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if background_checkpoints:
            event.listen(engine, "connect", _no_autocheckpoint)
    return engine


def _no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")


class WalCheckpointer:
    """Checkpoints a SQLite archive's WAL from a thread of its own, every ``every`` seconds and
    once more when stopped. SQLite does the copying and syncing outside Python's GIL, so a
    crawl's commits no longer pay for it. Does nothing for other databases."""

    def __init__(self, engine: Engine, every: float = 1.0) -> None:
        self.path = engine.url.database if engine.dialect.name == "sqlite" else None
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WalCheckpointer:
        """Start checkpointing (no-op unless the archive is a SQLite file)."""
        if self.path and self.path != ":memory:" and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
            self._thread.start()
        return self

    def _checkpoint(self, mode: str) -> None:
        assert self.path is not None
        try:
            with closing(sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=30)) as conn:
                conn.execute(f"PRAGMA wal_checkpoint({mode})")
        except sqlite3.Error:
            pass  # busy or gone: the next round (or any later connection) checkpoints

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._checkpoint("PASSIVE")

    def stop(self) -> None:
        """Stop the thread after a last checkpoint."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=60)
            self._thread = None
            self._checkpoint("PASSIVE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that keeps objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def require_schema(engine: Engine) -> None:
    """Raise StoreNotInitialised (with the fix) when the archive has no schema yet."""
    try:
        tables = set(inspect(engine).get_table_names())
    except Exception as exc:
        raise StoreError(f"cannot open the archive database {engine.url!r}: {exc}") from exc
    where = engine.url.render_as_string(hide_password=True)
    if "document" not in tables:
        raise StoreNotInitialised(f"the archive at {where} has no tables yet: run `policywatch init` first")
    from store.schema import head_revision, known_revision

    current = None
    if "alembic_version" in tables:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != head_revision():
        if current is not None and not known_revision(current):
            raise StoreError(
                f"the archive at {where} has schema version {current}, newer than this policywatch "
                f"({head_revision()}): upgrade policywatch"
            )
        raise StoreNotInitialised(
            f"the archive at {where} has schema version {current or 'unknown'}, this policywatch needs "
            f"{head_revision()}: back it up, then run `policywatch init` to upgrade it"
        )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session

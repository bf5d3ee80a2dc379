"""Engines and sessions for SQLite (embedded default) and PostgreSQL (server).

SQLite runs in WAL mode with a busy timeout and foreign keys on. JSON is written
with ``ensure_ascii=False`` so Chinese stays readable (and 2× smaller) in the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
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


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the archive's connection settings."""
    url = normalise_url(url)
    try:
        engine = create_engine(url, json_serializer=_dumps, pool_pre_ping=True)
    except Exception as exc:  # bad driver name, malformed URL
        shown = url.split("@", 1)[-1] if "@" in url else url  # never print a password
        raise StoreError(f"cannot use database URL …{shown!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that keeps objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def require_schema(engine: Engine) -> None:
    """Raise StoreNotInitialised (with the fix) when the archive has no schema yet."""
    try:
        tables = set(inspect(engine).get_table_names())
    except Exception as exc:
        raise StoreError(f"cannot open the archive database {engine.url!r}: {exc}") from exc
    if "document" not in tables:
        raise StoreNotInitialised(
            f"the archive at {engine.url.render_as_string(hide_password=True)} has no tables yet: "
            "run `policywatch init` first"
        )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session

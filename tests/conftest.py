"""Shared fixtures: real SQLite and PostgreSQL archives, a real SMTP sink, corpus paths."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from alerts.sink import SmtpSink
from sim.accesslog import ENV as ACCESS_ENV
from sim.accesslog import check as check_access_log
from store.db import make_engine, session_factory
from store.schema import upgrade

# Politeness as a suite-wide property: every sim server of this session (also those in subprocesses,
# which inherit the variable) logs its requests here; the session fails if the crawler broke a rule.
os.environ.setdefault(ACCESS_ENV, str(Path(tempfile.gettempdir()) / f"policywatch-sim-access-{os.getpid()}.jsonl"))
Path(os.environ[ACCESS_ENV]).unlink(missing_ok=True)

_POLITENESS = pytest.StashKey[Any]()

PG_URL = os.environ.get("POLICYWATCH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("POLICYWATCH_CORPUS_DIR", REPO.parent / "shared" / "corpus"))


def _pg_admin_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"pw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_admin_url(), pool_pre_ping=True)  # survives a server restart (test_db_faults)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # the server is part of the test environment: fail loudly, never skip
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable ({exc}); start it or set POLICYWATCH_TEST_PG_URL")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL on a fresh schema."""
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty archive URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def sessions(db_url: str):
    """A session factory on a freshly migrated archive (both backends)."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on localhost."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Check the sim servers' access log of the whole session (sim/accesslog.py); any breach fails it."""
    log = Path(os.environ[ACCESS_ENV])
    if not log.is_file():
        return
    report = check_access_log(log)
    session.config.stash[_POLITENESS] = report
    if report.breaches and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the politeness figures (and every breach)."""
    report = terminalreporter.config.stash.get(_POLITENESS, None)
    if report is None:
        return
    terminalreporter.write_sep("=", "politeness across the suite (sim access log)")
    terminalreporter.write_line(
        f"{report.requests} crawler requests to {report.servers} sim servers, {report.walls} bot walls met: "
        f"{len(report.breaches)} breaches (robots.txt, one request in flight per host, nothing after a wall)"
    )
    for breach in report.breaches[:50]:
        terminalreporter.write_line(f"  BREACH {breach}")

"""Creating and upgrading the schema with Alembic (``policywatch init``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, delete, inspect, select

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the shipped migrations and ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


@cache
def head_revision() -> str:
    """The newest migration shipped with this code."""
    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def known_revision(revision: str) -> bool:
    """True when ``revision`` is one of the migrations shipped with this code."""
    return revision in {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def upgrade(engine: Engine) -> None:
    """Create or upgrade the archive schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def prune_jobs(engine: Engine, prefix: str, keep: set[str], table: str = "apscheduler_jobs") -> list[str]:
    """Delete persisted scheduler jobs whose id starts with ``prefix`` and is not in ``keep``.

    The daemon calls this at start so a source removed or disabled in the config stops crawling.
    """
    if table not in inspect(engine).get_table_names():
        return []
    jobs = Table(table, MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        ids = [i for i in conn.execute(select(jobs.c.id)).scalars() if i.startswith(prefix) and i not in keep]
        if ids:
            conn.execute(delete(jobs).where(jobs.c.id.in_(ids)))
    return ids

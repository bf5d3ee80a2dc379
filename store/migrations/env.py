"""Alembic environment: uses the engine handed over by store.schema (or POLICYWATCH_DATABASE_URL)."""

from __future__ import annotations

import os

from alembic import context

from store.db import make_engine
from store.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine(
    os.environ.get("POLICYWATCH_DATABASE_URL", "sqlite:///policywatch.db")
)
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()

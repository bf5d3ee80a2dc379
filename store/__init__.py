"""Persistence: SQLAlchemy 2 models, the write API (``repo``) and the read API (``queries``).

SQLite is the embedded default, PostgreSQL the server choice; both are tested.
Captures and versions are append-only; events are derived from them.
"""

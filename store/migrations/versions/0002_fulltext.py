"""full-text index over versions (FTS5 on SQLite, tsvector GIN on PostgreSQL)

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE version_fts USING fts5("
            "index_text, content='version', content_rowid='id', tokenize='unicode61')"
        )
        op.execute(
            "CREATE TRIGGER version_fts_ai AFTER INSERT ON version BEGIN "
            "INSERT INTO version_fts(rowid, index_text) VALUES (new.id, new.index_text); END"
        )
        op.execute(
            "CREATE TRIGGER version_fts_ad AFTER DELETE ON version BEGIN "
            "INSERT INTO version_fts(version_fts, rowid, index_text) VALUES('delete', old.id, old.index_text); END"
        )
    else:
        op.execute("CREATE INDEX ix_version_tsv ON version USING gin (to_tsvector('simple', index_text))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS version_fts_ad")
        op.execute("DROP TRIGGER IF EXISTS version_fts_ai")
        op.execute("DROP TABLE IF EXISTS version_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_version_tsv")

"""version.search_text: the folded title and text that search checks terms against with LIKE
(exact, in SQL), filled for every existing version

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

from processing.analyse import search_text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
BATCH = 1000


def upgrade() -> None:
    op.add_column("version", sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    version = sa.table("version", sa.column("id"), sa.column("title"), sa.column("text"), sa.column("search_text"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(version.c.id, version.c.title, version.c.text)
            .where(version.c.id > last)
            .order_by(version.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            version.update().where(version.c.id == sa.bindparam("vid")).values(search_text=sa.bindparam("folded")),
            [{"vid": vid, "folded": search_text(title, body)} for vid, title, body in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_column("version", "search_text")

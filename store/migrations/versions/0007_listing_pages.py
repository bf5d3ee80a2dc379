"""listing_page (validators and contents of listing pages, for conditional GETs of listings) and
document.published_at (the age base of the re-check schedule), filled from current versions

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from store.repo import published_at

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_page",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("source.id"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("raw_sha256", sa.String(64), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("next_pages", sa.JSON(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source_id", "url"),
    )
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    last = 0
    while True:  # in chunks, so a large archive is migrated in bounded memory
        rows = conn.execute(
            sa.text(
                "SELECT d.id, v.publish_date, v.written_date FROM document d JOIN version v"
                " ON v.id = d.current_version_id WHERE d.id > :last ORDER BY d.id LIMIT 500"
            ),
            {"last": last},
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        for doc_id, published, written in rows:
            at = published_at(published, written)
            if at is not None:
                update = sa.text("UPDATE document SET published_at = :at WHERE id = :id").bindparams(
                    sa.bindparam("at", type_=sa.DateTime(timezone=True))
                )
                conn.execute(update, {"at": at, "id": doc_id})


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("published_at")
    op.drop_table("listing_page")

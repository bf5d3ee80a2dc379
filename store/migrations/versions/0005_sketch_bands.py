"""sketch_band: LSH band keys of version sketches, so reprint candidates come from an index

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

from store.lsh import band_keys

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    band = op.create_table(
        "sketch_band",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("version.id"), nullable=False, index=True),
        sa.Column("key", sa.BigInteger(), nullable=False, index=True),
    )
    conn = op.get_bind()
    last = 0
    while True:  # in chunks, so a large archive is migrated in bounded memory
        rows = conn.execute(
            sa.text("SELECT id, sketch FROM version WHERE sketch IS NOT NULL AND id > :last ORDER BY id LIMIT 500"),
            {"last": last},
        ).all()
        if not rows:
            break
        op.bulk_insert(band, [{"version_id": vid, "key": key} for vid, sk in rows for key in band_keys(bytes(sk))])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("sketch_band")

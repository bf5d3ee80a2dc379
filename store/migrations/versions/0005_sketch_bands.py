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
    rows = conn.execute(sa.text("SELECT id, sketch FROM version WHERE sketch IS NOT NULL"))
    batch = []
    for version_id, sketch in rows:
        batch += [{"version_id": version_id, "key": key} for key in band_keys(bytes(sketch))]
    if batch:
        op.bulk_insert(band, batch)


def downgrade() -> None:
    op.drop_table("sketch_band")

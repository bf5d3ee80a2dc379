"""sketch_band.host: reprint candidates are looked up on other hosts only, inside one covering
index (key, host, version_id), which replaces the index on key alone (one random B-tree insert
per band less: 42 per new version)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sketch_band") as batch:
        batch.add_column(sa.Column("host", sa.String(300), nullable=True))
    op.execute(
        "UPDATE sketch_band SET host = (SELECT d.host FROM version v JOIN document d ON d.id = v.document_id"
        " WHERE v.id = sketch_band.version_id)"
    )
    op.create_index("ix_sketch_band_key_host", "sketch_band", ["key", "host", "version_id"])
    op.drop_index("ix_sketch_band_key", table_name="sketch_band")


def downgrade() -> None:
    op.create_index("ix_sketch_band_key", "sketch_band", ["key"])
    op.drop_index("ix_sketch_band_key_host", table_name="sketch_band")
    with op.batch_alter_table("sketch_band") as batch:
        batch.drop_column("host")

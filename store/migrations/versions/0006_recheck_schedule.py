"""document.next_check_at (adaptive re-check schedule) and listing_sighting.entry (listing text)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_document_next_check_at", ["next_check_at"])
    with op.batch_alter_table("listing_sighting") as batch:
        batch.add_column(sa.Column("entry", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("listing_sighting") as batch:
        batch.drop_column("entry")
    with op.batch_alter_table("document") as batch:
        batch.drop_index("ix_document_next_check_at")
        batch.drop_column("next_check_at")

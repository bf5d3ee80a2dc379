"""version.sketch (MinHash signature) and reprint links between documents of different sites

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("version") as batch:
        batch.add_column(sa.Column("sketch", sa.LargeBinary(), nullable=True))
    op.create_table(
        "reprint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False, index=True),
        sa.Column("original_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False, index=True),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("document_id", "original_id"),
    )


def downgrade() -> None:
    op.drop_table("reprint")
    with op.batch_alter_table("version") as batch:
        batch.drop_column("sketch")

"""attachment / attachment_version: files linked from documents are fetched, stored and versioned
like pages; capture.attachment_id marks the captures of an attachment

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("ext", sa.String(20), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
    )
    op.create_index("ix_attachment_document_id", "attachment", ["document_id"])
    op.create_table(
        "attachment_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attachment_id", sa.Integer(), sa.ForeignKey("attachment.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), sa.ForeignKey("capture.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw_sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("no_text_layer", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("attachment_id", "seq"),
    )
    op.create_index("ix_attachment_version_attachment_id", "attachment_version", ["attachment_id"])
    with op.batch_alter_table("capture") as batch:
        batch.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
    op.create_index("ix_capture_attachment_id", "capture", ["attachment_id"])


def downgrade() -> None:
    op.drop_index("ix_capture_attachment_id", table_name="capture")
    with op.batch_alter_table("capture") as batch:
        batch.drop_column("attachment_id")
    op.drop_table("attachment_version")
    op.drop_table("attachment")

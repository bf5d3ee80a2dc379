"""Web sign-in: admins, magic sign-in links (hashes only, single use, expiring), browser sessions

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "admin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "sign_in_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("used_at", _TZ, nullable=True),
    )
    op.create_index("ix_sign_in_token_email", "sign_in_token", ["email"])
    op.create_index("ix_sign_in_token_client", "sign_in_token", ["client"])
    op.create_index("ix_sign_in_token_created_at", "sign_in_token", ["created_at"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("ended_at", _TZ, nullable=True),
    )
    op.create_index("ix_web_session_email", "web_session", ["email"])


def downgrade() -> None:
    op.drop_table("web_session")
    op.drop_table("sign_in_token")
    op.drop_table("admin")

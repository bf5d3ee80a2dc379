"""Subscribers with watch rules, delivery modes and languages; daily digests; claim tokens on the
outbox; daemon job outcomes

- subscriber: language, delivery (instant | digest | both), digest_hour, timezone,
  unsubscribed_at; its keyword list moves into a watch_rule row
- watch_rule: keywords, phrases, source/agency/topic filters, event kinds
- digest: one daily digest mail per subscriber and local date
- alert: channel (instant | digest), digest_id, rule_id, claim_token; unique per
  (subscriber, event, channel)
- job_run: what each daemon job did

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _outbox_columns() -> list[sa.Column]:
    return [
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(40), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(300), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "watch_rule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        *(sa.Column(c, sa.JSON(), nullable=False) for c in ("keywords", "phrases", "sources", "agencies", "topics", "events")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,  # ids never reused: they fingerprint the rule set
    )
    op.create_index("ix_watch_rule_subscriber_id", "watch_rule", ["subscriber_id"])
    op.execute(
        "INSERT INTO watch_rule (subscriber_id, keywords, phrases, sources, agencies, topics, events, created_at) "
        "SELECT id, keywords, '[]', '[]', '[]', '[]', '[]', created_at FROM subscriber"
    )
    # plain ALTER TABLE (SQLite >= 3.35 drops columns in place): a batch rebuild would DROP the
    # subscriber table, which watch_rule and alert rows reference (foreign keys are on)
    op.add_column("subscriber", sa.Column("language", sa.String(5), nullable=False, server_default="zh"))
    op.add_column("subscriber", sa.Column("delivery", sa.String(10), nullable=False, server_default="instant"))
    op.add_column("subscriber", sa.Column("digest_hour", sa.Integer(), nullable=False, server_default="8"))
    op.add_column("subscriber", sa.Column("timezone", sa.String(64), nullable=False, server_default="Asia/Shanghai"))
    op.add_column("subscriber", sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("ALTER TABLE subscriber DROP COLUMN keywords")
    op.execute("ALTER TABLE subscriber DROP COLUMN events")

    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        *_outbox_columns(),
        sa.UniqueConstraint("subscriber_id", "period"),
    )
    op.create_index("ix_digest_subscriber_id", "digest", ["subscriber_id"])
    op.create_index("ix_digest_status", "digest", ["status"])

    op.create_table(
        "alert_new",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("event.id"), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("digest_id", sa.Integer(), sa.ForeignKey("digest.id"), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        *_outbox_columns(),
        sa.UniqueConstraint("subscriber_id", "event_id", "channel"),
    )
    op.execute(
        "INSERT INTO alert_new (id, subscriber_id, event_id, channel, keywords, status, attempts, created_at, "
        "next_attempt_at, claimed_at, sent_at, message_id, last_error) "
        "SELECT id, subscriber_id, event_id, 'instant', keywords, status, attempts, created_at, next_attempt_at, "
        "claimed_at, sent_at, message_id, last_error FROM alert"
    )
    op.drop_table("alert")
    op.rename_table("alert_new", "alert")
    op.create_index("ix_alert_status", "alert", ["status"])
    op.create_index("ix_alert_subscriber_id", "alert", ["subscriber_id"])
    op.create_index("ix_alert_digest_id", "alert", ["digest_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('alert', 'id'), COALESCE((SELECT MAX(id) FROM alert), 0) + 1, false)")

    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job", sa.String(300), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_job_run_job", "job_run", ["job"])
    op.create_index("ix_job_run_source", "job_run", ["source"])


def downgrade() -> None:
    raise NotImplementedError("0010 is not reversible: restore the backup taken before upgrading")

"""Look without sending (``alerts dispatch --dry-run``) and check the mail settings (``alerts test``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.compose import compose
from alerts.dispatch import composer, mail_context
from alerts.smtp import send
from common.settings import Settings
from store.models import Alert, Digest
from store.outbox import AlertItem

SAMPLE_TEXT = (
    "为加快推进社会信用体系建设，健全守信激励和失信惩戒机制，现就有关事项通知如下。"
    "一、将诚信建设纳入全国文明城市测评体系。二、完善网格化管理和信用信息共享。"
)


def preview(sessions: sessionmaker[Session], settings: Settings, at: datetime) -> list[str]:
    """One line per mail a dispatch at ``at`` would send: kind, id, recipient, subject. Claims nothing."""
    ctx = mail_context(settings)
    lines = []
    with sessions() as s:
        for model in (Alert, Digest):
            q = select(model.id).where(
                model.status == "pending", or_(model.next_attempt_at.is_(None), model.next_attempt_at <= at)
            )
            if model is Alert:
                q = q.where(Alert.channel == "instant")
            make = composer(model, ctx)
            for row_id in s.scalars(q.order_by(model.id)):
                try:
                    msg = make(s, row_id)
                except Exception as exc:  # shown, not raised: the dispatcher would record it the same way
                    lines.append(f"{model.__tablename__} {row_id}: could not compose ({type(exc).__name__}: {exc})")
                    continue
                lines.append(f"{model.__tablename__} {row_id} → {msg['To']}: {msg['Subject']}")
        waiting = s.scalar(select(Alert.id).where(Alert.channel == "digest", Alert.status == "pending").limit(1))
    if waiting:
        lines.append("(alerts are also waiting for their subscribers' next daily digest)")
    return lines


def send_sample(settings: Settings, email: str, language: str = "zh") -> str:
    """Send a sample alert (not from the archive, not recorded) to ``email``; returns its subject."""
    item = AlertItem(
        alert_id=0, email=email, name="", keywords=("社会信用体系", "全国文明城市"), event_kind="revised",
        event_at=datetime.now().astimezone(), url="https://www.example.gov.cn/zwgk/t20240101_1.html",
        details={}, title="示例：关于加强社会信用体系建设的通知（policywatch 测试邮件）", agency="示例市人民政府",
        doc_number="示政发〔2024〕1号", text=SAMPLE_TEXT, document_id=None, version_id=None,
        previous_text=SAMPLE_TEXT.replace("全国文明城市测评体系", "年度考核"), language=language,
    )  # fmt: skip
    msg = compose(item, mail_context(settings))
    del msg["Message-ID"]
    msg["Message-ID"] = f"<test-{int(datetime.now().timestamp() * 1000)}@{mail_context(settings).domain}>"
    send(msg, settings)
    return str(msg["Subject"])

"""Subscribers and the alert outbox.

Alert rows are inserted in the same transaction as the event that causes them. The
dispatcher claims rows, sends, and marks them sent; see ``alerts.dispatch`` for the
delivery guarantee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import StoreError
from store.models import Alert, AttachmentVersion, Document, Event, Subscriber, Version


@dataclass(frozen=True)
class AlertItem:
    """Everything needed to compose one alert e-mail (read in one transaction)."""

    alert_id: int
    email: str
    name: str
    keywords: tuple[str, ...]
    event_kind: str
    event_at: datetime
    url: str
    details: dict[str, Any]
    title: str | None
    agency: str | None
    doc_number: str | None
    text: str
    document_id: int | None
    version_id: int | None
    previous_text: str | None = None


def upsert_subscriber(session: Session, email: str, keywords: list[str], at: datetime, name: str = "") -> Subscriber:
    """Create a subscriber or replace their keyword list."""
    email = email.strip()
    if "@" not in email or " " in email:
        raise StoreError(f"{email!r} is not an e-mail address")
    words = [k.strip() for k in keywords if k.strip()]
    if not words:
        raise StoreError("give at least one keyword, e.g. --keywords 社会信用体系,全国文明城市")
    sub = session.scalar(select(Subscriber).where(Subscriber.email == email))
    if sub is None:
        sub = Subscriber(email=email, name=name, keywords=words, events=[], created_at=at)
        session.add(sub)
    else:
        sub.keywords, sub.active = words, True
    session.flush()
    return sub


def enqueue_alert(session: Session, subscriber_id: int, event_id: int, keywords: list[str], at: datetime) -> None:
    """Owe ``subscriber_id`` one e-mail for ``event_id`` (call inside the event's transaction)."""
    session.add(Alert(subscriber_id=subscriber_id, event_id=event_id, keywords=keywords, created_at=at))


def claim_pending(session: Session, at: datetime, limit: int = 50) -> list[int]:
    """Claim up to ``limit`` due alerts for this dispatcher.

    Each row moves ``pending`` → ``sending`` only if it is still pending, so two dispatchers
    never claim the same alert (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writes).
    """
    q = (
        select(Alert.id)
        .where(Alert.status == "pending")
        .where((Alert.next_attempt_at.is_(None)) | (Alert.next_attempt_at <= at))
        .order_by(Alert.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    claimed = []
    for alert_id in list(session.scalars(q)):
        res = session.execute(
            update(Alert).where(Alert.id == alert_id, Alert.status == "pending").values(status="sending", claimed_at=at)
        )
        if getattr(res, "rowcount", 0) == 1:
            claimed.append(alert_id)
    return claimed


def load_alert(session: Session, alert_id: int) -> AlertItem:
    """The data of one alert for composing its e-mail."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise StoreError(f"alert {alert_id} does not exist")
    sub = session.get(Subscriber, alert.subscriber_id)
    ev = session.get(Event, alert.event_id)
    assert sub is not None and ev is not None
    ver = session.get(Version, ev.version_id) if ev.version_id else None
    if ver is None and ev.document_id:
        doc = session.get(Document, ev.document_id)
        ver = session.get(Version, doc.current_version_id) if doc and doc.current_version_id else None
    return AlertItem(
        alert_id=alert.id,
        email=sub.email,
        name=sub.name,
        keywords=tuple(alert.keywords),
        event_kind=ev.kind,
        event_at=ev.at,
        url=ev.url,
        details=dict(ev.details),
        title=ver.title if ver else None,
        agency=ver.agency if ver else None,
        doc_number=ver.doc_number if ver else None,
        text=_text(session, ev, ver),
        document_id=ev.document_id,
        version_id=ver.id if ver else None,
        previous_text=_previous_text(session, ev),
    )


def _text(session: Session, ev: Event, ver: Version | None) -> str:
    """The text an alert quotes: the attachment's (even when empty) for an attachment event."""
    text = _attachment_text(session, ev, 0)
    return text if text is not None else (ver.text if ver else "")


def _attachment_text(session: Session, ev: Event, back: int) -> str | None:
    """For an attachment event: the text of the attachment's version ``back`` versions before the
    one the event names (0: that one); ``None`` otherwise."""
    att_ver = session.get(AttachmentVersion, ev.details.get("attachment_version_id") or 0)
    if att_ver is None:
        return None
    if back:
        q = select(AttachmentVersion).where(
            AttachmentVersion.attachment_id == att_ver.attachment_id, AttachmentVersion.seq == att_ver.seq - back
        )
        att_ver = session.scalars(q).first()
    return att_ver.text if att_ver else None


def _previous_text(session: Session, ev: Event) -> str | None:
    if ev.kind == "attachment_changed":
        return _attachment_text(session, ev, 1)
    prev_id = ev.details.get("from_version") if isinstance(ev.details, dict) else None
    prev = session.get(Version, prev_id) if prev_id else None
    return prev.text if prev else None


def mark_sent(session: Session, alert_id: int, message_id: str, at: datetime) -> None:
    """Record a successful hand-over to the SMTP server."""
    session.execute(update(Alert).where(Alert.id == alert_id).values(status="sent", sent_at=at, message_id=message_id))


def mark_failed(session: Session, alert_id: int, error: str, at: datetime, max_attempts: int = 8) -> None:
    """Record a failed attempt; retry later with exponential back-off, give up after ``max_attempts``."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return
    alert.attempts += 1
    alert.last_error = error[:2000]
    if alert.attempts >= max_attempts:
        alert.status = "failed"
    else:
        alert.status = "pending"
        alert.next_attempt_at = at + timedelta(minutes=2**alert.attempts)


def release_stale(session: Session, claimed_before: datetime) -> int:
    """Put alerts claimed before ``claimed_before`` and never marked (a dispatcher died) back to pending."""
    res = session.execute(
        update(Alert).where(Alert.status == "sending", Alert.claimed_at < claimed_before).values(status="pending")
    )
    return int(getattr(res, "rowcount", 0) or 0)


def outbox_counts(session: Session) -> dict[str, int]:
    """Alerts per status."""
    out: dict[str, int] = {}
    for status in session.scalars(select(Alert.status)):
        out[status] = out.get(status, 0) + 1
    return out

"""The alert outbox: owed mails (instant alerts, digests), claimed and marked by token.

Alert rows are inserted in the same transaction as the events that cause them
(:mod:`crawlers.alerting`). A dispatcher claims a row (``sending`` with a fresh ``claim_token``;
``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and only the holder of that token can mark it
``sent``; a claim older than the lease may be taken over, which voids the older token. See
:mod:`alerts.dispatch` for how this makes delivery exactly-once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from common.errors import StoreError
from store.models import Alert, AttachmentVersion, Capture, Digest, Document, Event, Source, Subscriber, Version

Mail = type[Alert] | type[Digest]
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class AlertItem:
    """Everything needed to compose one alert e-mail or one digest entry (read in one transaction)."""

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
    language: str = "zh"
    capture_sha256: str | None = None
    captured_at: datetime | None = None
    source: str | None = None


def claim(session: Session, model: Mail, at: datetime, lease: timedelta, limit: int = 50) -> list[tuple[int, str]]:
    """Claim up to ``limit`` mails due at ``at``: pending ones, and ones claimed more than ``lease``
    ago by a dispatcher that never marked them (it died before the hand-over, or is stuck). Each
    claim gets a new token; returns (id, token) pairs. Instant alerts only for :class:`Alert`. Mail
    of subscribers who have unsubscribed is cancelled instead (a holder mid-send then cannot mark
    it sent, so it never writes the final dot)."""
    cancel_unsubscribed(session, model)
    due = (model.status == "pending") & (or_(model.next_attempt_at.is_(None), model.next_attempt_at <= at))
    stale = (model.status == "sending") & (model.claimed_at < at - lease)
    q = select(model.id, model.status, model.claim_token).where(due | stale).order_by(model.id).limit(limit)
    if model is Alert:
        q = q.where(Alert.channel == "instant")
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    claimed = []
    for row_id, status, old_token in session.execute(q).all():
        token = secrets.token_hex(16)
        # the whole condition again in the UPDATE: the row may have been marked sent or taken over
        # since the SELECT (on SQLite the cancelling UPDATE above already holds the write lock, on
        # PostgreSQL the rows are locked; this keeps it right whatever the isolation)
        held = due if status == "pending" else stale & _token_is(model, old_token)
        res = session.execute(
            update(model).where(model.id == row_id, held).values(status="sending", claimed_at=at, claim_token=token)
        )
        if getattr(res, "rowcount", 0) == 1:
            claimed.append((row_id, token))
    return claimed


def _token_is(model: Mail, token: str | None) -> Any:
    return model.claim_token.is_(None) if token is None else model.claim_token == token


def cancel_unsubscribed(session: Session, model: Mail) -> int:
    """Cancel the unsent mail (pending or being sent) of subscribers who unsubscribed."""
    inactive = select(Subscriber.id).where(Subscriber.active.is_(False)).scalar_subquery()
    res = session.execute(
        update(model)
        .where(model.subscriber_id.in_(inactive), model.status.in_(("pending", "sending")))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(res, "rowcount", 0) or 0)


def commit_sent(
    sessions: sessionmaker[Session], model: Mail, row_id: int, token: str, message_id: str, at: datetime,
    hand_over: Callable[[], None],
) -> bool:  # fmt: skip
    """Mark a claimed mail sent, call ``hand_over`` (the dispatcher writes the final ``.`` of DATA)
    inside that open transaction, and commit at once — a bare Core connection, so only a few
    microseconds separate the write from the COMMIT. False, with nothing written or called, when
    ``token`` no longer holds the claim."""
    engine = sessions.kw["bind"]
    stmt = (
        update(model)
        .where(model.id == row_id, model.claim_token == token, model.status == "sending")
        .values(status="sent", sent_at=at, message_id=message_id)
    )
    with engine.connect() as conn:
        if conn.execute(stmt).rowcount != 1:
            conn.rollback()
            return False
        hand_over()
        conn.commit()
    return True


def release(session: Session, model: Mail, row_id: int, token: str) -> None:
    """Give a claimed, untried mail back to the queue (no attempt counted)."""
    session.execute(
        update(model)
        .where(model.id == row_id, model.claim_token == token, model.status == "sending")
        .values(status="pending")
    )


def mark_failed(
    session: Session, model: Mail, row_id: int, token: str, error: str, at: datetime, permanent: bool = False
) -> None:
    """Record a failed attempt by the holder of ``token``: retried with exponential back-off
    (2, 4, 8 … minutes), given up after ``MAX_ATTEMPTS`` or at once when ``permanent``."""
    row = session.execute(
        select(model.attempts, model.subscriber_id).where(model.id == row_id, model.claim_token == token)
    ).first()
    if row is None:  # taken over meanwhile: the new holder decides
        return
    attempts = row.attempts + 1
    active = session.scalar(select(Subscriber.active).where(Subscriber.id == row.subscriber_id))
    status = "cancelled" if not active else "failed" if permanent or attempts >= MAX_ATTEMPTS else "pending"
    session.execute(
        update(model)
        .where(model.id == row_id, model.claim_token == token, model.attempts == row.attempts)
        .values(
            attempts=attempts,
            last_error=error[:2000],
            sent_at=None,
            message_id=None,
            status=status,
            next_attempt_at=at + timedelta(minutes=2**attempts),
        )
        .execution_options(synchronize_session=False)
    )


def load_alert(session: Session, alert_id: int) -> AlertItem:
    """The data of one alert for composing its e-mail or digest entry."""
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
    capture = _capture_of(session, ev, ver)
    return AlertItem(
        alert_id=alert.id, email=sub.email, name=sub.name, keywords=tuple(alert.keywords), event_kind=ev.kind,
        event_at=ev.at, url=ev.url, details=dict(ev.details), title=ver.title if ver else None,
        agency=ver.agency if ver else None, doc_number=ver.doc_number if ver else None, text=_text(session, ev, ver),
        document_id=ev.document_id, version_id=ver.id if ver else None, previous_text=_previous_text(session, ev),
        language=sub.language, capture_sha256=capture[0], captured_at=capture[1],
        source=_source_name(session, ev),
    )  # fmt: skip


def _source_name(session: Session, ev: Event) -> str | None:
    """The configured source the event's document belongs to."""
    q = select(Source.name).join(Document, Document.source_id == Source.id).where(Document.id == ev.document_id)
    return session.scalar(q) if ev.document_id else None


def _capture_of(session: Session, ev: Event, ver: Version | None) -> tuple[str | None, datetime | None]:
    """SHA-256 and time of the capture an event rests on (for the citation)."""
    cited = ev.details.get("capture")
    cited = cited if isinstance(cited, dict) else {}
    cap_id = cited.get("capture_id") or (ver.capture_id if ver else None)
    cap = session.get(Capture, cap_id) if cap_id else None
    return (cap.raw_sha256, cap.fetched_at) if cap else (None, None)


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


def outbox_counts(session: Session) -> dict[str, int]:
    """The backlog: instant alerts and digests per status, and digest alerts waiting for their digest."""
    out: dict[str, int] = {}
    for channel, status, n in session.execute(
        select(Alert.channel, Alert.status, func.count()).group_by(Alert.channel, Alert.status)
    ):
        key = f"alerts {status}" if channel == "instant" else f"digest items {status}"
        out[key] = out.get(key, 0) + n
    for status, n in session.execute(select(Digest.status, func.count()).group_by(Digest.status)):
        out[f"digests {status}"] = n
    return out

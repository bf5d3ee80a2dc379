"""Alerts owed for events: outbox rows written in the events' own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from processing.match import matching_keywords
from processing.revision import RevisionClass
from store.models import AttachmentVersion, Event, Subscriber, Version
from store.outbox import enqueue_alert

_ACTIVE = select(Subscriber.id, Subscriber.keywords).where(Subscriber.active.is_(True))
QUIET_CLASSES = (str(RevisionClass.COSMETIC), "binary")  # changes no one is alerted about


def enqueue_alerts(s: Session, events: list[Event], alert_on: tuple[str, ...], at: datetime) -> int:
    """Owe an e-mail to every subscriber whose keywords occur in the document behind each event
    (inside the events' own transaction: the outbox row commits with the event or not at all)."""
    wanted = [
        e for e in events
        if e.kind in alert_on and e.version_id and e.details.get("class") not in QUIET_CLASSES
    ]  # fmt: skip
    if not wanted:
        return 0
    subscribers = s.execute(_ACTIVE).all()  # (id, keywords) rows: no ORM objects per page
    if not subscribers:
        return 0
    count = 0
    for ev in wanted:
        text = alert_text(s, ev)
        if text is None:
            continue
        for sub in subscribers:
            hits = matching_keywords(text, sub.keywords)
            if hits:
                enqueue_alert(s, sub.id, ev.id, hits, at)
                count += 1
    return count


def alert_text(s: Session, ev: Event) -> str | None:
    """The text keywords are matched in: the attachment's for an attachment event, else the
    document version's title and text."""
    att_version = ev.details.get("attachment_version_id")
    if att_version:
        row = s.get(AttachmentVersion, att_version)
        ver = s.get(Version, ev.version_id)
        return "\n".join(filter(None, [ver.title if ver else None, row.text if row else None]))
    ver = s.get(Version, ev.version_id)
    return "\n".join(filter(None, [ver.title, ver.text])) if ver else None

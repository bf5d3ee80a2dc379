"""Daily digests: gather each digest subscriber's waiting alerts into one owed mail per local day.

A subscriber with delivery ``digest`` or ``both`` has a digest time (``digest_hour`` in their
``timezone``, Asia/Shanghai by default). :func:`assign_digests` run at ``at`` looks at the last
digest time not after ``at``; if that day has no digest yet and alerts created up to that time
are waiting, it creates the day's :class:`~store.models.Digest` and moves them into it — once
per subscriber and day (a unique key), however often it runs. Alerts created after the digest
time wait for the next day's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import StoreError
from store.models import Alert, Digest, Subscriber
from store.outbox import AlertItem, load_alert


@dataclass(frozen=True)
class DigestItem:
    """One digest mail: its subscriber and the alerts it carries, oldest event first."""

    digest_id: int
    email: str
    name: str
    language: str
    period: str
    items: tuple[AlertItem, ...]


def digest_slot(at: datetime, hour: int, timezone: str) -> datetime:
    """The last digest time (``hour`` o'clock in ``timezone``) not after ``at``."""
    local = at.astimezone(ZoneInfo(timezone))
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return slot if slot <= local else slot - timedelta(days=1)


def assign_digests(session: Session, at: datetime) -> list[int]:
    """Create the digests due at ``at`` (see the module doc); returns their ids."""
    waiting_subs = select(Alert.subscriber_id).where(Alert.channel == "digest", Alert.status == "pending")
    subs = session.scalars(  # whatever their mode now: a switch to instant must not strand waiting items
        select(Subscriber).where(Subscriber.active, Subscriber.id.in_(waiting_subs)).order_by(Subscriber.id)
    )
    created = []
    for sub in list(subs):
        slot = digest_slot(at, sub.digest_hour, sub.timezone)
        period = slot.date().isoformat()
        if session.scalar(select(Digest.id).where(Digest.subscriber_id == sub.id, Digest.period == period)):
            continue
        waiting = list(
            session.scalars(
                select(Alert.id).where(
                    Alert.subscriber_id == sub.id,
                    Alert.channel == "digest",
                    Alert.status == "pending",
                    Alert.digest_id.is_(None),
                    Alert.created_at <= slot.astimezone(UTC),  # SQLite compares stored UTC text
                )
            )
        )
        if not waiting:
            continue
        digest_id = _new_digest(session, sub.id, period, at)
        if digest_id is None:  # another builder made this day's digest a moment ago
            continue
        session.execute(update(Alert).where(Alert.id.in_(waiting)).values(digest_id=digest_id, status="digested"))
        created.append(digest_id)
    return created


def _new_digest(session: Session, subscriber_id: int, period: str, at: datetime) -> int | None:
    """Insert the day's digest row; ``None`` if it exists already (unique key, in a savepoint)."""
    try:
        with session.begin_nested():
            digest = Digest(subscriber_id=subscriber_id, period=period, created_at=at, status="pending", attempts=0)
            session.add(digest)
            session.flush()
            return digest.id
    except IntegrityError:
        return None


def load_digest(session: Session, digest_id: int) -> DigestItem:
    """The data of one digest mail."""
    digest = session.get(Digest, digest_id)
    if digest is None:
        raise StoreError(f"digest {digest_id} does not exist")
    sub = session.get(Subscriber, digest.subscriber_id)
    assert sub is not None
    ids = session.scalars(select(Alert.id).where(Alert.digest_id == digest_id).order_by(Alert.id))
    items = sorted((load_alert(session, i) for i in ids), key=lambda a: (a.event_at, a.alert_id))
    return DigestItem(digest.id, sub.email, sub.name, sub.language, digest.period, tuple(items))

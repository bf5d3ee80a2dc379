"""The outbox dispatcher: claim pending alerts, compose, send, mark sent.

Guarantee: an alert is claimed (``sending``, with a claim time) before the SMTP hand-over
and marked ``sent`` right after it. A rerun sends nothing that was marked sent, and two
dispatchers never claim the same alert. If the process dies between the hand-over and the
mark, the alert stays ``sending``; once the claim is older than ``CLAIM_LEASE`` a later
dispatch puts it back and sends it again with the same Message-ID (derived from the alert id), so the duplicate is
recognisable and mail clients that deduplicate by Message-ID show it once. Delivery is
therefore at-least-once with a stable identity, never silently lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from alerts.compose import compose
from alerts.smtp import send
from common import clock
from common.errors import AlertDeliveryError, ConfigError
from common.settings import Settings
from store.db import transaction
from store.outbox import claim_pending, load_alert, mark_failed, mark_sent, release_stale

log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class DispatchResult:
    """Counts of one dispatch pass."""

    sent: int
    failed: int
    released: int


def dispatch(
    sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None, batch: int = 50
) -> DispatchResult:
    """Send every due alert once; failures stay queued with back-off."""
    at = now or clock.now()
    if not settings.secret_key:
        raise ConfigError(
            "set POLICYWATCH_SECRET_KEY (any long random string) before sending alerts: it signs the unsubscribe links"
        )
    with transaction(sessions) as s:
        released = release_stale(s, at - CLAIM_LEASE)
    sent = failed = 0
    while True:
        with transaction(sessions) as s:
            ids = claim_pending(s, at, batch)
        if not ids:
            break
        for alert_id in ids:
            ok = _deliver(sessions, settings, alert_id, at)
            sent += ok
            failed += not ok
        if failed:
            break
    return DispatchResult(sent, failed, released)


def _failed(sessions: sessionmaker[Session], alert_id: int, error: str, at: datetime) -> bool:
    log.warning("alert %s: %s", alert_id, error)
    with transaction(sessions) as s:
        mark_failed(s, alert_id, error, at)
    return False


def _deliver(sessions: sessionmaker[Session], settings: Settings, alert_id: int, at: datetime) -> bool:
    try:
        with transaction(sessions) as s:
            item = load_alert(s, alert_id)
        msg = compose(item, sender=settings.mail_from, base_url=settings.base_url, secret=settings.secret_key)
        send(msg, settings)
    except AlertDeliveryError as exc:
        return _failed(sessions, alert_id, str(exc), at)
    except Exception as exc:  # a bad address or an unexpected value must not wedge the outbox
        log.exception("alert %s could not be composed", alert_id)
        return _failed(sessions, alert_id, f"could not compose the alert: {type(exc).__name__}: {exc}", at)
    with transaction(sessions) as s:
        mark_sent(s, alert_id, str(msg["Message-ID"]), at)
    return True

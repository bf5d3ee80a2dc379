"""The outbox dispatcher: claim owed mails (instant alerts, then digests), compose, send, mark sent.

The delivery guarantee, precisely:

1. *Before*: a mail is claimed in its own committed transaction (``sending``, a fresh token).
2. The SMTP transaction is run up to, not including, the final ``.`` of DATA.
3. *After*: in one database transaction the row is marked ``sent`` — only if the token still
   holds the claim — then the final ``.`` is written to the socket, then the transaction
   commits. Only then is the server's reply read (a refusal puts the row back: retried with
   back-off, or ``failed`` for a permanent 5xx).

A dispatcher killed before step 3 leaves the row ``sending`` and the server, which never got the
final dot, drops the message; once the claim is older than ``alert_claim_lease_s`` another
dispatcher takes it over (a new token voids the old one, so a slow holder cannot mark it any
more) and sends it. Killed after the commit, the dot was already on its way. So each mail is
delivered exactly once — with one gap: a process killed in the few microseconds between
writing the dot and the commit reaching the database has delivered a mail that is still
``sending``; it is sent again with the same Message-ID (derived from the row id), so the
duplicate is recognisable and mail clients that deduplicate by Message-ID show it once. It is
never lost. Two dispatchers never send the same row (claims are conditional updates).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from alerts.compose import MailContext, compose, compose_digest
from alerts.smtp import Outcome, send
from common import clock
from common.errors import AlertDeliveryError, ConfigError
from common.settings import Settings
from store.db import transaction
from store.digests import load_digest
from store.models import Alert, Digest
from store.outbox import Mail, claim, commit_sent, load_alert, mark_failed, release

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchResult:
    """Counts of one dispatch pass."""

    sent: int
    failed: int
    taken_over: int = 0  # claims lost to another dispatcher before the hand-over (not sent by us)


def mail_context(settings: Settings) -> MailContext:
    """What composing needs from the settings; ConfigError without a secret key."""
    if not settings.secret_key:
        raise ConfigError(
            "set POLICYWATCH_SECRET_KEY (any long random string) before sending alerts: it signs the unsubscribe links"
        )
    domain = settings.mail_from.rpartition("@")[2].strip("<> ") or "policywatch.local"
    return MailContext(settings.mail_from, settings.base_url, settings.secret_key, domain)


def composer(model: Mail, ctx: MailContext) -> Callable[[Session, int], EmailMessage]:
    """Reads one owed mail's data and composes it."""
    if model is Alert:
        return lambda s, row_id: compose(load_alert(s, row_id), ctx)
    return lambda s, row_id: compose_digest(load_digest(s, row_id), ctx)


def dispatch(
    sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None, batch: int = 50
) -> DispatchResult:
    """Send every due instant alert and digest once; failures stay queued with back-off. When the
    server itself fails (unreachable, TLS, login, 421) the pass stops and the rest wait for the
    next one; a refusal of one mail (bad address, full mailbox) does not stop the others.
    ``now`` pins the clock (replays, tests); otherwise every claim is stamped with the time it is made."""
    stamp = (lambda: now) if now is not None else clock.now
    ctx = mail_context(settings)
    lease = timedelta(seconds=settings.alert_claim_lease_s)
    counts = {"sent": 0, "failed": 0, "lost": 0, "down": 0}
    for model in (Alert, Digest):
        make = composer(model, ctx)
        while not counts["down"]:
            with transaction(sessions) as s:
                claims = claim(s, model, stamp(), lease, batch)
            if not claims:
                break
            for row_id, token in claims:
                if counts["down"]:  # the server is down: give the rest back untouched
                    _release(sessions, model, row_id, token)
                    continue
                counts[_deliver(sessions, settings, model, make, row_id, token, stamp())] += 1
    return DispatchResult(counts["sent"], counts["failed"] + counts["down"], counts["lost"])


def _release(sessions: sessionmaker[Session], model: Mail, row_id: int, token: str) -> None:
    with transaction(sessions) as s:
        release(s, model, row_id, token)


def _deliver(
    sessions: sessionmaker[Session], settings: Settings, model: Mail,
    make: Callable[[Session, int], EmailMessage], row_id: int, token: str, at: datetime,
) -> str:  # fmt: skip
    """One mail: ``sent``; ``failed`` (queued again or given up); ``down`` (failed because the
    server is); ``lost`` (claim taken over by another dispatcher, which sends it)."""
    kind = "alert" if model is Alert else "digest"
    try:
        with transaction(sessions) as s:
            msg = make(s, row_id)
    except Exception as exc:  # a bad value must not wedge the outbox; never mailed to anyone
        log.exception("%s %s could not be composed", kind, row_id)
        return _failed(sessions, model, row_id, token, f"could not compose: {type(exc).__name__}: {exc}", at, False)
    mid = str(msg["Message-ID"])

    def hand_over(final_dot: Callable[[], None]) -> bool:
        return commit_sent(sessions, model, row_id, token, mid, at, final_dot)

    try:
        outcome = send(msg, settings, hand_over)
    except AlertDeliveryError as exc:
        _failed(sessions, model, row_id, token, str(exc), at, exc.permanent)
        return "down" if exc.server_down else "failed"
    except Exception as exc:  # e.g. a database error around the hand-over: this mail only
        log.exception("%s %s: unexpected failure while sending", kind, row_id)
        return _failed(sessions, model, row_id, token, f"unexpected: {type(exc).__name__}: {exc}", at, False)
    if outcome is Outcome.DECLINED:
        log.warning("%s %s: claim taken over by another dispatcher; not sent by this one", kind, row_id)
        return "lost"
    if outcome is Outcome.UNCONFIRMED:
        log.warning("%s %s: handed over, but the server never confirmed it; kept as sent", kind, row_id)
    return "sent"


def _failed(
    sessions: sessionmaker[Session], model: Mail, row_id: int, token: str, error: str, at: datetime, permanent: bool
) -> str:
    log.warning("%s %s: %s", model.__tablename__, row_id, error)
    with transaction(sessions) as s:
        mark_failed(s, model, row_id, token, error, at, permanent)
    return "failed"

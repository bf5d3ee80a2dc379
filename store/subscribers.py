"""Subscribers and their watch rules: create, change, unsubscribe, list, and read for matching.

A rule is never edited in place: changing what someone watches replaces their rules (new ids),
so a crawl process notices the change from the ids alone (:func:`rules_fingerprint`).
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from common.errors import StoreError
from processing.types import EVENT_KINDS
from store.models import Alert, Digest, Subscriber, WatchRule

DELIVERY_MODES = ("instant", "digest", "both")
LANGUAGES = ("zh", "en")
#: what a rule may ask for: the kinds about a document (site outages and bot walls are not), and
#: ``revised_substantive``, only substantive revisions (``revised`` is any that is not cosmetic)
RULE_EVENTS = (*(k for k in EVENT_KINDS if k not in ("site_unreachable", "blocked")), "revised_substantive")


@dataclass(frozen=True)
class RuleSpec:
    """What a rule watches. Empty filters mean "any"; empty ``events`` means the instance's ``alert_on``."""

    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    events: tuple[str, ...] = ()

    def checked(self) -> RuleSpec:
        """The spec with blanks dropped; StoreError naming the problem when it is unusable."""
        clean = RuleSpec(*(tuple(v.strip() for v in vals if v.strip()) for vals in self._lists()))
        if not clean.keywords and not clean.phrases:
            raise StoreError(
                "a watch rule needs at least one keyword or phrase, e.g. --keywords 社会信用体系,全国文明城市"
            )
        unknown = sorted(set(clean.events) - set(RULE_EVENTS))
        if unknown:
            raise StoreError(f"unknown event kind(s) {', '.join(unknown)}; choose from {', '.join(RULE_EVENTS)}")
        return clean

    def _lists(self) -> tuple[tuple[str, ...], ...]:
        return (self.keywords, self.phrases, self.sources, self.agencies, self.topics, self.events)


@dataclass(frozen=True)
class DeliveryPrefs:
    """How a subscriber is mailed; ``None`` fields are left as they are (or defaulted when new)."""

    name: str | None = None
    language: str | None = None
    delivery: str | None = None
    digest_hour: int | None = None
    timezone: str | None = None


def _check_prefs(p: DeliveryPrefs) -> None:
    if p.language is not None and p.language not in LANGUAGES:
        raise StoreError(f"language {p.language!r}: choose zh or en")
    if p.delivery is not None and p.delivery not in DELIVERY_MODES:
        raise StoreError(f"delivery {p.delivery!r}: choose {', '.join(DELIVERY_MODES)}")
    if p.digest_hour is not None and not 0 <= p.digest_hour <= 23:
        raise StoreError(f"digest hour {p.digest_hour}: give an hour from 0 to 23")
    if p.timezone is not None:
        try:
            zoneinfo.ZoneInfo(p.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise StoreError(f"time zone {p.timezone!r} is unknown; use an IANA name such as Asia/Shanghai") from exc


def check_email(email: str) -> str:
    """``email`` stripped, its domain lower-cased; StoreError when it is not a mailable (ASCII) address."""
    email = email.strip()
    if not email.isascii():
        raise StoreError(
            f"{email!r}: addresses with non-ASCII characters cannot be mailed yet; give the ASCII form "
            "(for a domain like 例子.中国, its xn-- form)"
        )
    if not _ADDRESS_RE.fullmatch(email):  # no comments, groups, quotes or routes: one mailbox, as typed
        raise StoreError(f"{email!r} is not an e-mail address")
    local, _, domain = email.partition("@")
    return f"{local}@{domain.lower()}"  # domains are case-insensitive


# RFC 5322 dot-atom local part (no quoted strings) @ a DNS name with at least one dot
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDRESS_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


def subscriber_by_email(session: Session, email: str) -> Subscriber | None:
    """The subscriber with this address, compared without regard to case (mail systems ignore it
    in practice), the oldest if several were stored in different cases."""
    q = select(Subscriber).where(func.lower(Subscriber.email) == email.strip().lower()).order_by(Subscriber.id)
    return session.scalars(q.limit(1)).first()


def upsert_subscriber(
    session: Session, email: str, at: datetime, prefs: DeliveryPrefs = DeliveryPrefs(), reactivate: bool = True
) -> Subscriber:
    """Create a subscriber or update their preferences; an unsubscribed address is subscribed again
    unless ``reactivate`` is False (an admin editing someone's preferences)."""
    email = check_email(email)
    _check_prefs(prefs)
    sub = subscriber_by_email(session, email)
    if sub is None:
        sub = Subscriber(email=email, name="", created_at=at, language="zh", delivery="instant")
        sub.digest_hour, sub.timezone = 8, "Asia/Shanghai"
        session.add(sub)
    for attr in ("name", "language", "delivery", "digest_hour", "timezone"):
        value = getattr(prefs, attr)
        if value is not None:
            setattr(sub, attr, value)
    if reactivate or sub.id is None:
        sub.active, sub.unsubscribed_at = True, None
    session.flush()
    return sub


def add_rule(session: Session, sub: Subscriber, spec: RuleSpec, at: datetime, replace: bool = False) -> WatchRule:
    """Give ``sub`` a rule (``replace``: instead of all their rules). An identical rule is not added twice."""
    spec = spec.checked()
    if replace:
        session.execute(delete(WatchRule).where(WatchRule.subscriber_id == sub.id))
    for rule in rules_of(session, sub.id):
        if spec_of(rule) == spec:
            return rule
    rule = WatchRule(
        subscriber_id=sub.id, keywords=list(spec.keywords), phrases=list(spec.phrases), sources=list(spec.sources),
        agencies=list(spec.agencies), topics=list(spec.topics), events=list(spec.events), created_at=at,
    )  # fmt: skip
    session.add(rule)
    session.flush()
    return rule


def subscribe(session: Session, email: str, keywords: list[str], at: datetime, name: str = "") -> Subscriber:
    """Shorthand: an instant-mail subscriber with one rule of ``keywords`` (the demo, tests)."""
    sub = upsert_subscriber(session, email, at, DeliveryPrefs(name=name or None))
    add_rule(session, sub, RuleSpec(keywords=tuple(keywords)), at)
    return sub


def spec_of(rule: WatchRule) -> RuleSpec:
    """The spec a stored rule was made from."""
    return RuleSpec(
        *(tuple(getattr(rule, f)) for f in ("keywords", "phrases", "sources", "agencies", "topics", "events"))
    )


def rules_of(session: Session, subscriber_id: int) -> list[WatchRule]:
    """A subscriber's rules, oldest first."""
    q = select(WatchRule).where(WatchRule.subscriber_id == subscriber_id).order_by(WatchRule.id)
    return list(session.scalars(q))


def delete_rule(session: Session, subscriber_id: int, rule_id: int) -> bool:
    """Remove rule ``rule_id`` if it belongs to ``subscriber_id`` (never anyone else's); True if removed."""
    q = delete(WatchRule).where(WatchRule.id == rule_id, WatchRule.subscriber_id == subscriber_id)
    return bool(session.execute(q).rowcount)  # type: ignore[attr-defined]


def unsubscribe(session: Session, email: str, at: datetime) -> bool:
    """Stop all mail to ``email`` (rules are kept, so subscribing again restores them); False if unknown."""
    sub = subscriber_by_email(session, email)
    if sub is None:
        return False
    if sub.active:
        sub.active, sub.unsubscribed_at = False, at
    for model in (Alert, Digest):  # mail not yet handed over is not sent any more
        session.execute(
            update(model).where(model.subscriber_id == sub.id, model.status == "pending").values(status="cancelled")
        )
    return True


def all_subscribers(session: Session) -> list[tuple[Subscriber, list[WatchRule]]]:
    """Every subscriber (active or not) with their rules."""
    subs = list(session.scalars(select(Subscriber).order_by(Subscriber.email)))
    rules: dict[int, list[WatchRule]] = {}
    for rule in session.scalars(select(WatchRule).order_by(WatchRule.id)):
        rules.setdefault(rule.subscriber_id, []).append(rule)
    return [(sub, rules.get(sub.id, [])) for sub in subs]


_ACTIVE_RULES = select(WatchRule).join(Subscriber, Subscriber.id == WatchRule.subscriber_id).where(Subscriber.active)


def active_rules(session: Session) -> list[WatchRule]:
    """The rules of active subscribers."""
    return list(session.scalars(_ACTIVE_RULES))


def rules_fingerprint(session: Session) -> str:
    """A digest of the active subscribers' rule ids (never reused): changes whenever a rule is
    added, replaced or removed, or a subscriber (un)subscribes."""
    q = (
        select(WatchRule.id)
        .join(Subscriber, Subscriber.id == WatchRule.subscriber_id)
        .where(Subscriber.active)
        .order_by(WatchRule.id)
    )
    ids = ",".join(str(i) for i in session.scalars(q))
    return hashlib.sha256(ids.encode()).hexdigest()


def delivery_of(session: Session, subscriber_ids: set[int]) -> dict[int, str]:
    """Delivery mode per subscriber id."""
    if not subscriber_ids:
        return {}
    q = select(Subscriber.id, Subscriber.delivery).where(Subscriber.id.in_(subscriber_ids))
    return {row.id: row.delivery for row in session.execute(q)}

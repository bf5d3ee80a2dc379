"""Alerts owed for events: outbox rows written in the events' own transaction.

Every active subscriber's watch rules are compiled into one :class:`processing.match.KeywordIndex`
(one Aho-Corasick automaton), rebuilt when the rules change; an event's text is scanned once
whatever the number of subscribers. A subscriber gets one alert per event and channel
(``instant``, ``digest`` or both, by their delivery mode), naming every term of theirs that hit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from processing.match import EventFacts, KeywordIndex, RuleFilter, WatchTerms
from processing.revision import RevisionClass
from processing.segment import default_segmenter
from store.models import Alert, AttachmentVersion, Event, Version
from store.subscribers import active_rules, delivery_of, rules_fingerprint

QUIET_CLASSES = (str(RevisionClass.COSMETIC), "binary")  # changes no one is alerted about
REFRESH_EVERY_S = 30.0
CHANNELS = {"instant": ("instant",), "digest": ("digest",), "both": ("instant", "digest")}


@dataclass
class AlertMatcher:
    """The compiled rules of all active subscribers, refreshed at most every ``REFRESH_EVERY_S``."""

    index: KeywordIndex | None = None
    rules: dict[int, tuple[int, RuleFilter]] = field(default_factory=dict)  # rule id → (subscriber, filter)
    fingerprint: str = ""
    checked_at: float = float("-inf")

    def refresh(self, s: Session) -> None:
        """Rebuild the index if the rules changed since the last check."""
        if time.monotonic() - self.checked_at < REFRESH_EVERY_S:
            return
        self.checked_at = time.monotonic()
        fingerprint = rules_fingerprint(s)
        if fingerprint == self.fingerprint:
            return
        rows = active_rules(s)
        self.rules = {
            r.id: (r.subscriber_id, RuleFilter(tuple(r.sources), tuple(r.agencies), tuple(r.topics), tuple(r.events)))
            for r in rows
        }
        terms = [WatchTerms(r.id, tuple(r.keywords), tuple(r.phrases)) for r in rows]
        self.index = KeywordIndex(terms, default_segmenter().boundaries)
        self.fingerprint = fingerprint

    def matches(
        self, text: str, facts: EventFacts, default_events: tuple[str, ...]
    ) -> dict[int, tuple[int, list[str]]]:
        """Subscriber id → (first matching rule id, the terms of theirs that hit) for an event."""
        out: dict[int, tuple[int, list[str]]] = {}
        if self.index is None:
            return out
        for rule_id, terms in sorted(self.index.match(text).items()):
            subscriber_id, rule_filter = self.rules[rule_id]
            if not rule_filter.accepts(facts, default_events):
                continue
            _, hits = out.setdefault(subscriber_id, (rule_id, []))
            hits.extend(t for t in terms if t not in hits)
        return out


def enqueue_alerts(
    s: Session, events: list[Event], alert_on: tuple[str, ...], at: datetime, matcher: AlertMatcher, source: str
) -> int:
    """Owe an alert to every subscriber with a rule matching each event (inside the events' own
    transaction: the outbox row commits with the event or not at all). ``alert_on`` is what a
    rule without its own event list asks for. Returns the number of alert rows."""
    candidates = [e for e in events if e.version_id and e.details.get("class") not in QUIET_CLASSES]
    if not candidates:
        return 0
    matcher.refresh(s)
    if matcher.index is None or not matcher.rules:
        return 0
    rows = []
    for ev in candidates:
        ver = s.get(Version, ev.version_id)
        text = alert_text(s, ev, ver)
        if ver is None or text is None:
            continue
        facts = EventFacts(ev.kind, ev.details.get("class"), source, ver.agency, ver.topic)
        hits = matcher.matches(text, facts, alert_on)
        modes = delivery_of(s, set(hits))
        for subscriber_id, (rule_id, terms) in hits.items():
            for channel in CHANNELS.get(modes.get(subscriber_id, "instant"), ("instant",)):
                rows.append({
                    "subscriber_id": subscriber_id, "event_id": ev.id, "rule_id": rule_id, "channel": channel,
                    "keywords": terms, "status": "pending", "attempts": 0, "created_at": at,
                })  # fmt: skip
    if rows:
        s.execute(insert(Alert), rows)
    return len(rows)


def alert_text(s: Session, ev: Event, ver: Version | None) -> str | None:
    """The text terms are matched in: the attachment's for an attachment event, else the
    document version's title and text."""
    att_version = ev.details.get("attachment_version_id")
    if att_version:
        row = s.get(AttachmentVersion, att_version)
        return "\n".join(filter(None, [ver.title if ver else None, row.text if row else None]))
    return "\n".join(filter(None, [ver.title, ver.text])) if ver else None

"""End-of-run verdicts: site outages, deletions and delisting need the whole run's evidence.

- A host where most document checks failed with 5xx or network errors gets one
  ``site_unreachable`` event; such failures are never deletions.
- Deletion-like outcomes (404, 410, redirect home, soft 404) advance each document's
  state machine (``suspected_removed`` → ``removed`` after N failures over T hours). A
  document that moved during the run is judged at its new URL only.
- A document that left every listing of a complete listing crawl while its page still
  answers is ``delisted`` (never ``removed``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crawlers.context import CrawlContext
from crawlers.recorder import RunLog, apply_tracking, schedule_next, tracking_of
from processing.verdict import ALIVE_OUTCOMES, DELETION_OUTCOMES, Outcome, step
from store.crawlbook import documents_of, finish_run, listed_in_run
from store.db import transaction
from store.models import Document, Event
from store.repo import add_event, document_by_url, evidence, origin_of

UNREACHABLE = frozenset({Outcome.SERVER_ERROR, Outcome.NETWORK_ERROR, Outcome.REFUSED})
UNREACHABLE_SHARE = 0.5
UNREACHABLE_MIN_CHECKS = 2


def unreachable_hosts(log: RunLog) -> dict[str, int]:
    """Origins where at least half of this run's document checks failed with 5xx/network errors."""
    total: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    for url, outcome in log.outcomes.items():
        host = origin_of(url)
        total[host] += 1
        failed[host] += outcome in UNREACHABLE
    return {
        h: failed[h] for h in total if total[h] >= UNREACHABLE_MIN_CHECKS and failed[h] / total[h] >= UNREACHABLE_SHARE
    }


def _doc_event(s: Session, ctx: CrawlContext, kind: str, doc: Document, at: datetime, details: dict[str, Any]) -> Event:
    return add_event(
        s, kind, doc.url, at, source_id=doc.source_id, document_id=doc.id, version_id=doc.current_version_id,
        run_id=ctx.run_id, details={**details, "evidence": evidence(s, doc.id)},
    )  # fmt: skip


def _deletions(s: Session, ctx: CrawlContext, log: RunLog, at: datetime, skip_hosts: set[str]) -> list[Event]:
    events = []
    settings = ctx.settings
    for url, outcome in log.outcomes.items():
        if outcome not in DELETION_OUTCOMES or origin_of(url) in skip_hosts:
            continue
        doc = document_by_url(s, url)
        if doc is None or doc.url != url:
            continue
        tracking, kinds = step(tracking_of(doc), outcome, at, settings.confirm_failures, settings.confirm_hours)
        apply_tracking(doc, tracking)
        schedule_next(ctx, doc)
        first = tracking.first_failure_at.isoformat() if tracking.first_failure_at else None
        details = {"how": str(outcome), "failures": tracking.failures, "first_failure_at": first}
        events += [_doc_event(s, ctx, kind, doc, at, details) for kind in kinds]
    return events


def _delisting(s: Session, ctx: CrawlContext, log: RunLog, at: datetime) -> list[Event]:
    listed = listed_in_run(s, ctx.source_id, ctx.run_id)
    events = []
    note = {"note": "gone from every listing of this source; the page still resolves"}
    for doc in documents_of(s, ctx.source_id):
        now_listed = doc.url in listed
        if doc.listed and not now_listed and log.outcomes.get(doc.url) in ALIVE_OUTCOMES:
            events.append(_doc_event(s, ctx, "delisted", doc, at, note))
            doc.delisted_at = at
        doc.listed = now_listed
    return events


def reconcile(ctx: CrawlContext, log: RunLog, at: datetime, listing_complete: bool, has_listing: bool) -> None:
    """Settle the run's verdicts, queue their alerts and close the run (one transaction)."""
    with transaction(ctx.sessions) as s:
        down = unreachable_hosts(log)
        for origin, failures in sorted(down.items()):
            details = {"failed_checks": failures, "note": "5xx/network failures are never counted as deletions"}
            add_event(s, "site_unreachable", origin, at, source_id=ctx.source_id, run_id=ctx.run_id, details=details)
        events = _deletions(s, ctx, log, at, set(down))
        log.stats["deletion_events"] = len(events)
        if has_listing and listing_complete and not down:
            delisted = _delisting(s, ctx, log, at)
            log.stats["delisted"] = len(delisted)
            events += delisted
        log.stats["alerts_enqueued"] += ctx.enqueue_alerts(s, events, at)
        status = "ok" if listing_complete and not down else "partial"
        finish_run(s, ctx.run_id, at, status, dict(log.stats))

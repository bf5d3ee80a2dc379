"""Turn one fetched page into archive rows: capture, document, version, events and alerts.

This is where the write path meets: ``processing`` decodes, extracts, segments, tags and
diffs; ``store`` persists, all in one transaction per page. Verdicts that need the whole
run (deletions, site outages, delisting) are settled in :mod:`crawlers.reconcile`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from common.clock import to_utc
from crawlers.context import CrawlContext
from crawlers.items import FetchedPage, ListingPage
from crawlers.warc import WarcSink
from crawlers.workers import content_type
from processing.analyse import Analysis, analyse, build_content, is_versioned
from processing.recheck import age_base, next_check
from processing.revision import revision_details
from processing.similarity import REPRINT_THRESHOLD, similarity
from processing.types import Attachment, Extracted, PageKind
from processing.verdict import ALIVE_OUTCOMES, DocState, Outcome, Tracking, classify, is_stub_of, step
from store.crawlbook import (
    block_host,
    listed_in_run,
    record_listing,
    save_listing_read,
    touch_listing_read,
)
from store.db import transaction
from store.models import Capture, Document, Event, Version
from store.newdoc import NewDocument, insert_capture, insert_event, insert_new_document
from store.repo import (
    Content,
    FetchRecord,
    add_capture,
    add_event,
    add_reprint,
    add_version,
    cache_validators,
    capture_ref,
    current_version,
    document_by_url,
    evidence,
    find_moved_from,
    find_version,
    first_evidence,
    host_of,
    metadata_changes,
    move_document,
    published_at,
    set_cache_validators,
    sketches_elsewhere,
)


@dataclass
class RunLog:
    """What this run saw, for the end-of-run verdicts."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)
    links: dict[str, tuple[Attachment, ...]] = field(default_factory=dict)  # attachments a page linked now
    created: set[str] = field(default_factory=set)  # documents first archived in this run


def tracking_of(doc: Document) -> Tracking:
    """The deletion-tracking state stored on a document row."""
    first = to_utc(doc.first_failure_at) if doc.first_failure_at else None
    return Tracking(DocState(doc.state), doc.failures, first, doc.last_failure)


def apply_tracking(doc: Document, t: Tracking) -> None:
    """Store a deletion-tracking state on a document row."""
    doc.state, doc.failures, doc.first_failure_at, doc.last_failure = (
        str(t.state),
        t.failures,
        t.first_failure_at,
        (t.last_failure),
    )


class Recorder:
    """Records fetched pages of one source's run."""

    def __init__(self, ctx: CrawlContext, warc: WarcSink | None) -> None:
        self.ctx = ctx
        self.warc = warc
        self.log = RunLog()

    def record(self, page: FetchedPage, analysis: Analysis | None = None) -> list[str]:
        """Archive one fetch; returns the kinds of the events it caused. ``analysis`` is
        :func:`processing.analyse.analyse` of the page when already done elsewhere (a worker)."""
        at = page.fetched_at
        warc_ref = None
        if self.warc is not None and page.status > 0:
            warc_ref = self.warc.write(
                page.url, page.status, page.headers, page.body, page.request_headers, page.protocol
            )
        if analysis is None:
            analysis = self.unchanged(page) or analyse(
                page.body, content_type(page.headers), page.final_url, page.status
            )
        extracted = analysis.extracted
        outcome = classify(page.status, page.url, page.final_url, extracted.kind if extracted else None)
        if analysis.error:
            outcome = Outcome.UNPROCESSABLE  # neither alive nor gone: the document stays due
        rec = FetchRecord(
            url=page.url, final_url=page.final_url, status=page.status, outcome=str(outcome),
            fetched_at=page.fetched_at, headers=page.headers, body=page.body, raw_sha256=analysis.raw_sha256,
            encoding=analysis.encoding, encoding_reason=analysis.encoding_reason,
            replacements=analysis.replacements, error=page.error or analysis.error, warc=warc_ref,
        )  # fmt: skip
        self.log.outcomes[page.url] = outcome
        self.log.stats[f"outcome_{outcome}"] += 1
        with transaction(self.ctx.sessions) as s:
            events = self._store(s, page, rec, analysis, outcome, at)
            self.log.stats["alerts_enqueued"] += self.ctx.enqueue_alerts(s, events, at)
            return [e.kind for e in events]

    def unchanged(self, page: FetchedPage) -> Analysis | None:
        """For a 200 at a document's URL whose bytes are those behind its current version, an
        analysis that says so (nothing to decode, extract or diff); else ``None``."""
        if page.status != 200 or page.final_url != page.url or not page.body:
            return None
        known = self.ctx.plan.raw_sha.get(page.url)
        if known is None:
            return None
        sha = hashlib.sha256(page.body).hexdigest()
        return Analysis(sha, same_bytes=True) if sha == known else None

    def record_listing(self, page: ListingPage) -> None:
        """Archive a listing response (WARC), record which documents it lists, and keep its read
        for the next conditional GET (a 304 only refreshes it)."""
        ctx, resp = self.ctx, page.response
        if self.warc is not None and resp is not None and resp.status > 0:
            self.warc.write(resp.url, resp.status, resp.headers, resp.body, resp.request_headers, resp.protocol)
        with transaction(ctx.sessions) as s:
            record_listing(s, ctx.source_id, ctx.run_id, page.url, page.doc_urls, page.fetched_at, page.entries)
            if page.replayed:
                touch_listing_read(s, ctx.source_id, page.url, page.fetched_at)
            elif resp is not None and page.read is not None and page.status == 200 and page.doc_urls:
                raw = hashlib.sha256(resp.body).hexdigest()
                save_listing_read(s, ctx.source_id, page.url, page.read, raw, page.fetched_at)
        self.log.stats["listing_pages"] += 1
        self.log.stats["listing_pages_not_modified"] += page.replayed

    def _store(
        self, s: Session, page: FetchedPage, rec: FetchRecord, analysis: Analysis, outcome: Outcome, at: datetime
    ) -> list[Event]:
        """Write the fetch; only a fetch that reached a document at its current URL alive moves
        its next check back (failures stay due; deletion verdicts reschedule in reconcile)."""
        ctx = self.ctx
        extracted = analysis.extracted
        doc = document_by_url(s, page.url)
        kind = str(extracted.kind) if extracted else None
        if outcome is Outcome.BLOCKED:
            add_capture(s, ctx.source_id, ctx.run_id, rec, document_id=doc.id if doc else None, page_kind=kind)
            ev = block_host(
                s, host_of(page.url), page.url, f"HTTP {page.status} challenge page", at, ctx.source_id, ctx.run_id
            )
            ctx.blocked.add(host_of(page.url))
            return [ev] if ev else []
        if doc is not None and doc.url != page.url:
            add_capture(s, ctx.source_id, ctx.run_id, rec, document_id=doc.id, page_kind=kind)
            return []  # an old URL of a moved document
        if analysis.same_bytes and doc is not None and doc.current_version_id is not None:
            # the bytes behind the current version: an unchanged check (the alive path below)
            self.log.stats["unchanged_bytes"] += 1
            kind = str(PageKind.DOCUMENT)
            set_cache_validators(doc, page.headers)
        if outcome is Outcome.OK and doc is not None and extracted is not None and self._is_gone(s, doc, extracted):
            outcome = Outcome.SOFT_404
            rec = replace(rec, outcome=str(outcome))
            self.log.outcomes[page.url] = outcome
        if outcome is Outcome.OK and extracted is not None and is_versioned(extracted):
            self.log.links[page.url] = extracted.attachments
            return self._store_document(s, page, rec, analysis.content or build_content(extracted), doc, at)
        alive = doc is not None and outcome in ALIVE_OUTCOMES
        doc_id, version_id = (doc.id, doc.current_version_id if alive else None) if doc else (None, None)
        insert_capture(s, ctx.source_id, ctx.run_id, rec, document_id=doc_id, page_kind=kind, version_id=version_id)
        if doc is not None and alive:
            doc.last_seen = at
            events = self._alive(s, doc, outcome, at)
            schedule_next(ctx, doc)  # after _alive: a suspected removal that answers is active again
            return events
        return []

    def _link_reprints(self, s: Session, doc: tuple[int, str, datetime], content: Content, at: datetime) -> None:
        """Link near-duplicates on other sites (``doc``: id, host, first seen): the one first seen
        earlier is the original."""
        if content.sketch is None:
            return
        doc_id, host, first_seen = doc
        for other_id, other_seen, sketch in sketches_elsewhere(s, host, content.sketch):
            score = similarity(content.sketch, sketch)
            if score >= REPRINT_THRESHOLD:
                earlier = to_utc(other_seen) <= to_utc(first_seen)
                original, copy = (other_id, doc_id) if earlier else (doc_id, other_id)
                if add_reprint(s, copy, original, round(score, 3), at):
                    self.log.stats["reprints_linked"] += 1

    def _is_gone(self, s: Session, doc: Document, extracted: Extracted) -> bool:
        """A known document URL answering 200 with a stub, or with a column/listing page in place
        of the document (no redirect): a soft 404, not a revision and not a sign of life."""
        prev = current_version(s, doc)
        if extracted.kind == PageKind.LISTING and (prev is None or extracted.metadata.title != prev.title):
            return True
        return prev is not None and is_stub_of(extracted, prev.text, prev.title)

    def _alive(self, s: Session, doc: Document, outcome: Outcome, at: datetime) -> list[Event]:
        tracking, kinds = step(tracking_of(doc), outcome, at)
        previous = doc.state
        apply_tracking(doc, tracking)
        return [self._event(s, k, doc, doc.current_version_id, at, {"previous_state": previous}) for k in kinds]

    def _store_document(
        self, s: Session, page: FetchedPage, rec: FetchRecord, content: Content, doc: Document | None, at: datetime
    ) -> list[Event]:
        events: list[Event] = []
        if doc is None:
            doc = find_moved_from(s, host_of(page.url), page.url, content)
            if doc is not None and doc.url in listed_in_run(s, self.ctx.source_id, self.ctx.run_id):
                doc = None  # the old URL is still listed: a second copy, not a move
            if doc is None:
                return self._new_document(s, page, rec, content, at)
            events.append(self._move(s, doc, page.url, at))
        cap = self._capture(s, rec, doc.id, content)
        doc.last_seen = at
        set_cache_validators(doc, page.headers)
        events += self._alive(s, doc, Outcome.OK, at)
        meta = content.extracted.metadata
        doc.published_at = published_at(meta.publish_date, meta.written_date) or doc.published_at
        schedule_next(self.ctx, doc)
        prev = current_version(s, doc)
        if prev is not None and prev.text_sha256 == content.text_sha256 and prev.meta_sha256 == content.meta_sha256:
            cap.version_id = prev.id
            return note_reappearance(events, prev, [])
        earlier = find_version(s, doc.id, content.text_sha256, content.meta_sha256) if prev is not None else None
        if earlier is not None:  # A→B→A: a re-capture of the earlier version, not a new one
            cap.version_id = doc.current_version_id = earlier.id
            ver = earlier
        else:
            ver = add_version(s, doc, cap, content, at)
            self._link_reprints(s, (doc.id, doc.host, doc.first_seen), content, at)
        if prev is not None:
            changes = self._change_events(s, doc, prev, ver, content, at)
            events = note_reappearance(events, prev, changes) + changes
        return events

    def _capture(self, s: Session, rec: FetchRecord, doc_id: int, content: Content) -> Capture:
        kind = str(content.extracted.kind)
        return add_capture(
            s, self.ctx.source_id, self.ctx.run_id, rec, document_id=doc_id, page_kind=kind,
            text_sha256=content.text_sha256,
        )  # fmt: skip

    def _new_document(
        self, s: Session, page: FetchedPage, rec: FetchRecord, content: Content, at: datetime
    ) -> list[Event]:
        ctx, meta = self.ctx, content.extracted.metadata
        published = published_at(meta.publish_date, meta.written_date)
        etag, modified = cache_validators(page.headers)
        new = NewDocument(
            ctx.source_id, ctx.run_id, page.url, at, rec, content, etag, modified,
            next_check_at(ctx, at, published, str(DocState.ACTIVE)), published,
        )  # fmt: skip
        ids = insert_new_document(s, new)  # Core: the first crawl writes thousands of these
        self.log.created.add(page.url)
        self._link_reprints(s, (ids.document_id, ids.host, at), content, at)
        cap = capture_ref(ids.capture_id, at, rec.status, rec.outcome)
        details = {"title": meta.title, "terms": [h.term for h in content.hits], "evidence": first_evidence(cap)}
        event = insert_event(
            s, "new", page.url, at, source_id=ctx.source_id, document_id=ids.document_id,
            version_id=ids.version_id, run_id=ctx.run_id, details=details,
        )  # fmt: skip
        return [event]

    def _move(self, s: Session, doc: Document, new_url: str, at: datetime) -> Event:
        old_url = move_document(s, doc, new_url, at)
        apply_tracking(doc, Tracking())
        return self._event(s, "moved", doc, doc.current_version_id, at, {"old_url": old_url, "new_url": new_url})

    def _event(
        self, s: Session, kind: str, doc: Document, version_id: int | None, at: datetime, details: dict[str, Any]
    ) -> Event:
        proof = details.pop("evidence", None) or evidence(s, doc.id)
        return add_event(
            s, kind, doc.url, at, source_id=self.ctx.source_id, document_id=doc.id, version_id=version_id,
            run_id=self.ctx.run_id, details={**details, "evidence": proof},
        )  # fmt: skip

    def _change_events(
        self, s: Session, doc: Document, prev: Version, ver: Version, content: Content, at: datetime
    ) -> list[Event]:
        out: list[Event] = []
        changes = metadata_changes(prev, content) if prev.meta_sha256 != content.meta_sha256 else {}
        base: dict[str, Any] = {"from_version": prev.id, "from_seq": prev.seq, "to_seq": ver.seq}
        if ver.seq < prev.seq:
            base["reverted_to_version"] = ver.seq
        if prev.text_sha256 != content.text_sha256:
            details = {**base, **revision_details(prev.text, ver.text, changes)}
            out.append(self._event(s, "revised", doc, ver.id, at, details))
        validity = changes.pop("validity", None)
        if validity is not None:
            out.append(self._event(s, "validity_changed", doc, ver.id, at, {**base, "validity": validity}))
        if changes:
            out.append(
                self._event(s, "metadata_changed", doc, ver.id, at, {**base, "class": "metadata", "fields": changes})
            )
        return out


def schedule_next(ctx: CrawlContext, doc: Document) -> None:
    """Set when the document is next due, from its age and state (the adaptive re-check)."""
    published = to_utc(doc.published_at) if doc.published_at else None
    doc.next_check_at = next_check_at(ctx, to_utc(doc.first_seen), published, doc.state)


def next_check_at(ctx: CrawlContext, first_seen: datetime, published: datetime | None, state: str) -> datetime | None:
    """When a document first seen at ``first_seen`` (published at ``published``) is next due."""
    base = published if published is not None and ctx.settings.recheck_age_from == "published" else None
    return next_check(ctx.policy, age_base(first_seen, base), ctx.started_at, state)


def note_reappearance(events: list[Event], last_seen: Version, changes: list[Event]) -> list[Event]:
    """Give a ``reappeared`` event its comparison with the last version seen before the removal:
    ``changed`` false, or the change events' kinds and the word-level diff summary."""
    for ev in events:
        if ev.kind != "reappeared":
            continue
        extra: dict[str, Any] = {"last_seen_version": last_seen.id, "last_seen_seq": last_seen.seq}
        extra["changed"] = bool(changes)
        if changes:
            extra["changes"] = [c.kind for c in changes]
            extra["to_version"] = ev.version_id = changes[0].version_id
            revised = next((c for c in changes if c.kind == "revised"), None)
            keep = ("class", "inserted_chars", "deleted_chars", "articles_added", "articles_removed",
                    "articles_changed", "terms_added", "terms_removed", "diff_text")  # fmt: skip
            extra.update({k: v for k, v in (revised.details if revised else {}).items() if k in keep})
            fields = next((c.details.get("fields") for c in changes if c.kind == "metadata_changed"), None)
            if fields:
                extra["fields"] = fields
        ev.details = {**ev.details, **extra}
    return events

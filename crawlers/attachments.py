"""Fetch attachments like pages: archive each fetch, version each distinct text, report changes.

A document's attachments are requested whenever the document itself answered alive in a run
(new, revised, unchanged or 304), with the validators of their last good fetch, so an unchanged
file costs a 304. The first fetch of an attachment reports nothing of its own (the document's
``new``/``revised`` event covers it). Later:

- ``attachment_changed``: the file's text changed; details carry the word-level diff like
  ``revised`` (cosmetic changes send no alert). A file without readable text (a scan, XLS, old
  DOC) that changed its bytes gives class ``binary`` and no alert (such files are often stamped
  anew on every download). A PDF/DOCX that could not be read is archived, never versioned.
- ``attachment_removed``: a file fetched before answers 404/410 or an HTML "not found" page
  while its document is still up, on ``confirm_failures`` checks spanning ``confirm_hours``
  (the thresholds of document removals); reported once. A bot wall is never a removal.

Both events belong to the parent document (``url`` is the document's, ``details.attachment_url``
the file's).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from common.clock import to_utc
from crawlers.context import CrawlContext
from crawlers.items import FetchedAttachment
from crawlers.politeness import is_official_url
from crawlers.recorder import RunLog
from crawlers.warc import WarcSink
from crawlers.workers import content_type
from processing.attachments import FETCHED_TYPES, attachment_outcome
from processing.revision import revision_details
from processing.verdict import DELETION_OUTCOMES, Outcome
from store.attachments import (
    AttachmentLink,
    FileText,
    add_attachment_version,
    attachment_row,
    content_sha256,
    current_attachment_version,
    stored_links,
    sync_links,
)
from store.crawlbook import block_host
from store.db import transaction
from store.models import Attachment, Capture, Document, Event
from store.repo import FetchRecord, add_capture, add_event, cache_validators, capture_ref, document_by_url, host_of

TEXT_TYPES = ("pdf", "docx")


def wanted(link: AttachmentLink, types: tuple[str, ...] = FETCHED_TYPES) -> bool:
    """True for a link worth fetching: an http(s) URL of a known file type on the document's
    own (official) site (never ``file:``, ``data:`` or host-less links)."""
    return link.ext.lower() in types and is_official_url(link.url, (link.document_url,))


class AttachmentRecorder:
    """Records the attachment fetches of one source's run."""

    def __init__(self, ctx: CrawlContext, warc: WarcSink | None, log: RunLog) -> None:
        self.ctx = ctx
        self.warc = warc
        self.log = log

    def due(self, document_url: str) -> list[AttachmentLink]:
        """The attachments to fetch after the document at ``document_url`` was fetched in this run:
        all it links to (as read now; after a 304 as stored), when it answered alive; none otherwise."""
        if self.log.outcomes.get(document_url) not in (Outcome.OK, Outcome.NOT_MODIFIED):
            return []
        now = self.log.links.pop(document_url, None)
        if now == () and document_url in self.log.created:
            return []  # new, and links no file: nothing stored to look up or unlink
        with transaction(self.ctx.sessions) as s:
            doc = document_by_url(s, document_url)
            if doc is None or doc.url != document_url:
                return []
            if now is None:
                return [link for link in stored_links(s, doc) if wanted(link)]
            links = [AttachmentLink(a.url, document_url, a.name, a.ext.lower()) for a in now]
            return sync_links(s, doc, [link for link in links if wanted(link)], self.ctx.started_at)

    def record(self, page: FetchedAttachment, text: FileText | None) -> list[str]:
        """Archive one attachment fetch (``text``: what was read from a 200's bytes); returns the
        kinds of the events it caused."""
        warc_ref = None
        if self.warc is not None and page.status > 0:
            warc_ref = self.warc.write(
                page.url, page.status, page.headers, page.body, page.request_headers, page.protocol
            )
        outcome = attachment_outcome(
            page.status, page.url, page.final_url, content_type(page.headers), page.ext, page.body
        )
        raw_sha = hashlib.sha256(page.body).hexdigest() if page.body else None
        rec = FetchRecord(
            url=page.url, final_url=page.final_url, status=page.status, outcome=str(outcome),
            fetched_at=page.fetched_at, headers=page.headers, body=page.body, raw_sha256=raw_sha,
            error=page.error, warc=warc_ref,
        )  # fmt: skip
        self.log.stats[f"attachment_{outcome}"] += 1
        link = AttachmentLink(page.url, page.document_url, page.name, page.ext)
        with transaction(self.ctx.sessions) as s:
            doc = document_by_url(s, page.document_url)
            if doc is None:
                return []
            att = attachment_row(s, link, doc.id, page.fetched_at)
            cap = add_capture(
                s, self.ctx.source_id, self.ctx.run_id, rec, attachment_id=att.id, page_kind="attachment"
            )  # fmt: skip
            events = self._store(s, doc, att, cap, outcome, page, text)
            self.log.stats["alerts_enqueued"] += self.ctx.enqueue_alerts(s, events, page.fetched_at)
            return [e.kind for e in events]

    def _store(
        self, s: Session, doc: Document, att: Attachment, cap: Capture, outcome: Outcome,
        page: FetchedAttachment, text: FileText | None,
    ) -> list[Event]:  # fmt: skip
        at = page.fetched_at
        if outcome is Outcome.NOT_MODIFIED:
            att.last_seen, att.state, att.failures, att.first_failure_at = at, "active", 0, None
            cap.version_id = att.current_version_id
            return []
        if outcome in DELETION_OUTCOMES:
            return self._failed(s, doc, att, cap, outcome, at)
        if outcome is Outcome.BLOCKED:
            self.ctx.blocked.add(host_of(page.url))
            wall = block_host(s, host_of(page.url), page.url, f"HTTP {page.status} challenge page", at,
                              self.ctx.source_id, self.ctx.run_id)  # fmt: skip
            return [wall] if wall else []
        if outcome is not Outcome.OK or text is None:
            return []  # blocked, refused, server error, network error: says nothing about the file
        cap.error = cap.error or (text.error[:500] if text.error else None)  # unreadable, truncated, a bomb
        att.last_seen, att.state, att.failures, att.first_failure_at = at, "active", 0, None
        att.etag, att.last_modified = cache_validators(page.headers)
        if text.error and not text.text and page.ext.lower() in TEXT_TYPES:
            self.log.stats["attachment_unreadable"] += 1
            return []  # archived (the capture), but a failed read is no new version
        prev = current_attachment_version(s, att)
        if prev is not None and prev.text_sha256 == content_sha256(cap.raw_sha256 or "", text):
            cap.version_id = prev.id
            return []
        ver = add_attachment_version(s, att, cap, text, at)
        self.log.stats["attachment_versions"] += 1
        if prev is None:
            return []
        details: dict[str, Any] = {"from_seq": prev.seq, "to_seq": ver.seq, "attachment_version_id": ver.id}
        if prev.text or ver.text:
            details.update(revision_details(prev.text, ver.text))
        else:
            details["class"] = "binary"  # no text on either side: only the bytes changed
        return [self._event(s, "attachment_changed", doc, att, cap, at, details, prev.capture_id)]

    def _failed(
        self, s: Session, doc: Document, att: Attachment, cap: Capture, outcome: Outcome, at: datetime
    ) -> list[Event]:
        """Count a failed check; report ``attachment_removed`` once the removal is confirmed."""
        settings = self.ctx.settings
        att.failures = (att.failures or 0) + 1
        att.first_failure_at = att.first_failure_at or at
        span = at - to_utc(att.first_failure_at)
        confirmed = att.failures >= settings.confirm_failures and span >= timedelta(hours=settings.confirm_hours)
        if not confirmed or att.state != "active" or att.current_version_id is None:
            return []
        att.state = "removed"
        last = current_attachment_version(s, att)
        details = {"how": str(outcome), "failures": att.failures, "first_failure_at": att.first_failure_at.isoformat()}
        return [self._event(s, "attachment_removed", doc, att, cap, at, details, last.capture_id if last else None)]

    def _event(
        self, s: Session, kind: str, doc: Document, att: Attachment, cap: Capture, at: datetime,
        details: dict[str, Any], last_ok: int | None,
    ) -> Event:  # fmt: skip
        evidence = {
            "capture": capture_ref(cap.id, cap.fetched_at, cap.status, cap.outcome),
            "last_ok_capture_id": last_ok,
        }
        return add_event(
            s, kind, doc.url, at, source_id=self.ctx.source_id, document_id=doc.id,
            version_id=doc.current_version_id, run_id=self.ctx.run_id,
            details={"attachment_url": att.url, "attachment_name": att.name, "attachment_ext": att.ext,
                     **details, "evidence": evidence},
        )  # fmt: skip

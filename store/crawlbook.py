"""Crawl bookkeeping: runs, blocked hosts, listing sightings and the documents due for a re-check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import to_utc
from store.models import (
    Capture,
    CrawlRun,
    Document,
    DocumentUrl,
    Event,
    HostStatus,
    ListingPageState,
    ListingSighting,
    Version,
)
from store.repo import add_event, origin_of


def start_run(session: Session, sources: Iterable[str], at: datetime) -> CrawlRun:
    """Open a crawl run."""
    run = CrawlRun(sources=",".join(sources), started_at=at, status="running", stats={})
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, at: datetime, status: str, stats: dict[str, Any]) -> None:
    """Close a crawl run with its outcome and counters."""
    run = session.get(CrawlRun, run_id)
    if run is not None:
        run.finished_at, run.status, run.stats = at, status, stats


def blocked_hosts(session: Session) -> set[str]:
    """Hosts whose crawling stopped at a bot wall."""
    return set(session.scalars(select(HostStatus.host).where(HostStatus.status == "blocked")))


def block_host(
    session: Session, host: str, url: str, reason: str, at: datetime, source_id: int, run_id: int | None
) -> Event | None:
    """Record a bot wall on ``host`` (once): the host is no longer crawled; returns the ``blocked`` event."""
    row = session.get(HostStatus, host)
    if row is not None and row.status == "blocked":
        return None
    if row is None:
        session.add(HostStatus(host=host, status="blocked", since=at, reason=reason, url=url))
    else:
        row.status, row.since, row.reason, row.url = "blocked", at, reason, url
    details = {"host": host, "reason": reason, "what_next": "collect manually or ask the site for permission"}
    details["url"] = url
    return add_event(session, "blocked", origin_of(url), at, source_id=source_id, run_id=run_id, details=details)


def unblock_host(session: Session, host: str) -> bool:
    """Lift a block (an operator decision); True if the host was blocked."""
    row = session.get(HostStatus, host)
    if row is None or row.status != "blocked":
        return False
    row.status = "active"
    return True


def record_listing(
    session: Session,
    source_id: int,
    run_id: int,
    page_url: str,
    urls: list[str],
    at: datetime,
    entries: dict[str, str] | None = None,
) -> None:
    """Record that ``urls`` were listed (in this order) on ``page_url`` during ``run_id``, with the
    text of each listing entry (title, date) when the spider read one."""
    entries = entries or {}
    known: dict[str, ListingSighting] = {}
    for chunk in (urls[i : i + 500] for i in range(0, len(urls), 500)):  # one query per page, not per link
        q = select(ListingSighting).where(ListingSighting.source_id == source_id, ListingSighting.url.in_(chunk))
        known.update((row.url, row) for row in session.scalars(q))
    for pos, url in enumerate(urls):
        row = known.get(url)
        if row is None:
            row = known[url] = ListingSighting(source_id=source_id, url=url, first_seen=at, last_seen=at)
            session.add(row)
        row.last_seen, row.last_run_id, row.position, row.page_url = at, run_id, pos, page_url
        if url in entries:
            if row.entry and row.entry != entries[url]:
                _due_now(session, url, at)  # kept due until a check of the document succeeds
            row.entry = entries[url]
    session.flush()


@dataclass(frozen=True)
class ListingRead:
    """What one listing page showed at its last good read, with its cache validators."""

    links: tuple[str, ...]
    entries: dict[str, str]
    next_pages: tuple[str, ...]
    complete: bool
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None  # when the page was last read in full (a 200)


def listing_reads(session: Session, source_id: int) -> dict[str, ListingRead]:
    """The last good read of every listing page of a source, by page URL."""
    rows = session.scalars(select(ListingPageState).where(ListingPageState.source_id == source_id))
    return {r.url: _read_of(r) for r in rows}


def _read_of(r: ListingPageState) -> ListingRead:
    links, nexts = tuple(r.links), tuple(r.next_pages)
    return ListingRead(links, dict(r.entries), nexts, r.complete, r.etag, r.last_modified, to_utc(r.fetched_at))


def save_listing_read(
    session: Session, source_id: int, url: str, read: ListingRead, raw_sha256: str | None, at: datetime
) -> None:
    """Remember a listing page's read (a 200) for the next conditional GET and 304 replay."""
    row = session.scalar(
        select(ListingPageState).where(ListingPageState.source_id == source_id, ListingPageState.url == url)
    )
    if row is None:
        row = ListingPageState(source_id=source_id, url=url, fetched_at=at)
        session.add(row)
    row.etag, row.last_modified, row.raw_sha256 = read.etag, read.last_modified, raw_sha256
    row.links, row.entries, row.next_pages = list(read.links), dict(read.entries), list(read.next_pages)
    row.complete, row.fetched_at, row.checked_at = read.complete, at, at


def touch_listing_read(session: Session, source_id: int, url: str, at: datetime) -> None:
    """A listing page answered 304: its stored read is still current."""
    row = session.scalar(
        select(ListingPageState).where(ListingPageState.source_id == source_id, ListingPageState.url == url)
    )
    if row is not None:
        row.checked_at = at


def _due_now(session: Session, url: str, at: datetime) -> None:
    doc = session.scalar(select(Document).where(Document.url == url))
    if doc is not None:
        doc.next_check_at = at


def listed_in_run(session: Session, source_id: int, run_id: int) -> set[str]:
    """URLs seen on the source's listings during ``run_id``."""
    q = select(ListingSighting.url).where(ListingSighting.source_id == source_id, ListingSighting.last_run_id == run_id)
    return set(session.scalars(q))


def urls_fetched_in_run(session: Session, run_id: int) -> set[str]:
    """Every document URL fetched (or tried) in run ``run_id``, by any process."""
    q = select(Capture.url).where(Capture.run_id == run_id, Capture.attachment_id.is_(None))
    return set(session.scalars(q))


def outcomes_in_run(session: Session, run_id: int) -> dict[str, str]:
    """The outcome of the last fetch of each document URL in run ``run_id``, by any process."""
    q = select(Capture.url, Capture.outcome).where(Capture.run_id == run_id, Capture.attachment_id.is_(None))
    return {str(url): str(outcome) for url, outcome in session.execute(q.order_by(Capture.id))}


def documents_of(session: Session, source_id: int) -> list[Document]:
    """All documents of a source (the re-check set; removed ones too, to see them reappear)."""
    return list(session.scalars(select(Document).where(Document.source_id == source_id).order_by(Document.id)))


@dataclass(frozen=True)
class RecheckPlan:
    """What a run of one source needs to know to re-check adaptively (read once at start)."""

    known: frozenset[str]
    due: tuple[str, ...]
    listed: frozenset[str]
    entries: dict[str, str]
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    raw_sha: dict[str, str] = field(default_factory=dict)  # url -> SHA-256 of the bytes behind the current version


SLACK = timedelta(minutes=10)


def recheck_plan(session: Session, source_id: int, at: datetime, slack: timedelta = SLACK) -> RecheckPlan:
    """Known document URLs of a source, those due for a check at ``at`` (never scheduled, or
    scheduled up to ``slack`` after ``at``), those listed last time, their listing entries, and the
    cache validators (ETag, Last-Modified) of active documents for conditional GETs, and the
    SHA-256 of the bytes behind each active document's current version (unchanged bytes are
    not processed again)."""
    docs = documents_of(session, source_id)
    limit = at + slack
    due = tuple(d.url for d in docs if d.next_check_at is None or to_utc(d.next_check_at) <= limit)
    q = select(ListingSighting.url, ListingSighting.entry).where(ListingSighting.source_id == source_id)
    entries = {url: entry for url, entry in session.execute(q) if entry}
    listed = frozenset(d.url for d in docs if d.listed)
    aliases = select(DocumentUrl.url).join(Document, Document.id == DocumentUrl.document_id)
    known = {d.url for d in docs} | set(session.scalars(aliases.where(Document.source_id == source_id)))
    validators = {d.url: (d.etag, d.last_modified) for d in docs if d.state == "active" and (d.etag or d.last_modified)}
    raw = (
        select(Document.url, Capture.raw_sha256)
        .join(Version, Version.id == Document.current_version_id)
        .join(Capture, Capture.id == Version.capture_id)
        .where(Document.source_id == source_id, Document.state == "active", Capture.raw_sha256.is_not(None))
    )
    raw_sha = {url: sha for url, sha in session.execute(raw) if sha}
    return RecheckPlan(frozenset(known), due, listed, entries, validators, raw_sha)

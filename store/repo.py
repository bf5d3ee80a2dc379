"""Write API for captures, documents, versions and events (used by the crawl pipeline).

Every function takes an open :class:`~sqlalchemy.orm.Session` inside the caller's
transaction, so a capture, its version, its events and the alerts they cause are
committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import zstandard
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from processing.types import Content
from store.lsh import band_keys
from store.models import Capture, Document, DocumentUrl, Event, Reprint, SketchBand, Source, Version
from store.models import KeywordHit as HitRow

_ZSTD = zstandard.ZstdCompressor(level=3)
VALIDITY = "validity"


@dataclass(frozen=True)
class FetchRecord:
    """One fetch as the pipeline hands it to the store (already processed)."""

    url: str
    final_url: str
    status: int
    outcome: str
    fetched_at: datetime
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    raw_sha256: str | None = None
    encoding: str | None = None
    encoding_reason: str | None = None
    replacements: int = 0
    error: str | None = None
    warc: tuple[str, int, int] | None = None


BEIJING = timezone(timedelta(hours=8))


def published_at(publish_date: str | None, written_date: str | None) -> datetime | None:
    """Midnight Beijing time of a document's 发布日期 (else 成文日期), from ``YYYY-MM-DD``, in UTC
    (SQLite keeps no offset: every stored instant is UTC)."""
    for value in (publish_date, written_date):
        try:
            return datetime.strptime((value or "")[:10], "%Y-%m-%d").replace(tzinfo=BEIJING).astimezone(UTC)
        except ValueError:
            continue
    return None


def host_of(url: str) -> str:
    """``host:port`` of a URL, the unit of politeness and blocking."""
    return urlsplit(url).netloc.lower()


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL: the URL of host-level events (blocked, site_unreachable)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def ensure_source(session: Session, name: str, kind: str, config: dict[str, Any], at: datetime) -> Source:
    """The source row for ``name``, created or updated from the config."""
    src = session.scalar(select(Source).where(Source.name == name))
    if src is None:
        src = Source(name=name, kind=kind, config=config, created_at=at)
        session.add(src)
    else:
        src.kind, src.config = kind, config
    session.flush()
    return src


_BY_URL = select(DocumentUrl.document_id).where(DocumentUrl.url == bindparam("url"))  # built once


def document_by_url(session: Session, url: str) -> Document | None:
    """The document currently or formerly at ``url`` (a plain indexed lookup first: most URLs a
    first crawl fetches are new)."""
    doc_id = session.execute(_BY_URL, {"url": url}).scalar()
    return session.get(Document, doc_id) if doc_id is not None else None


def capture_ref(capture_id: int, at: datetime, status: int, outcome: str) -> dict[str, Any]:
    """How events cite a capture: its id, time, status and outcome."""
    return {"capture_id": capture_id, "at": at.isoformat(), "status": status, "outcome": outcome}


def _capture_ref(cap: Capture | None) -> dict[str, Any] | None:
    return capture_ref(cap.id, cap.fetched_at, cap.status, cap.outcome) if cap is not None else None


def first_evidence(capture: dict[str, Any]) -> dict[str, Any]:
    """The evidence of a document's first event: its only capture, as :func:`capture_ref` cites
    it (what :func:`evidence` finds)."""
    return {"capture": capture, "last_ok": None, "first_gone": None}


def evidence(session: Session, doc_id: int) -> dict[str, Any]:
    """The captures an event of ``doc_id`` rests on: the newest one, the last good one before it, and
    (when the newest failed) the first failure after that good one — "last seen OK … first seen gone"."""
    newest = session.scalars(select(Capture).where(Capture.document_id == doc_id).order_by(Capture.id.desc())).first()
    last_ok = None
    if newest is not None:
        q = (
            select(Capture)
            .where(Capture.document_id == doc_id, Capture.id < newest.id, Capture.outcome.in_(("ok", "not_modified")))
            .order_by(Capture.id.desc())
        )
        last_ok = session.scalars(q).first()
    first_gone = None
    if newest is not None and newest.outcome not in ("ok", "not_modified"):
        after = Capture.id > last_ok.id if last_ok is not None else Capture.id > 0
        q = select(Capture).where(Capture.document_id == doc_id, after).order_by(Capture.id)
        first_gone = session.scalars(q).first()
    return {"capture": _capture_ref(newest), "last_ok": _capture_ref(last_ok), "first_gone": _capture_ref(first_gone)}


def find_version(session: Session, doc_id: int, text_sha256: str, meta_sha256: str) -> Version | None:
    """The earliest version of a document with exactly this text and metadata (A→B→A detection)."""
    q = (
        select(Version)
        .where(Version.document_id == doc_id, Version.text_sha256 == text_sha256, Version.meta_sha256 == meta_sha256)
        .order_by(Version.seq)
        .limit(1)
    )
    return session.scalars(q).first()


def current_version(session: Session, doc: Document) -> Version | None:
    """The newest version of ``doc``."""
    return session.get(Version, doc.current_version_id) if doc.current_version_id else None


def capture_values(source_id: int, run_id: int | None, rec: FetchRecord) -> dict[str, Any]:
    """The column values of a capture row for ``rec`` (raw bytes compressed with zstd)."""
    body = rec.body or b""
    return {
        "run_id": run_id,
        "source_id": source_id,
        "url": rec.url,
        "final_url": rec.final_url,
        "status": rec.status,
        "outcome": rec.outcome,
        "fetched_at": rec.fetched_at,
        "headers": rec.headers,
        "raw_zstd": _ZSTD.compress(body) if body else None,
        "raw_size": len(body),
        "raw_sha256": rec.raw_sha256,
        "encoding": rec.encoding,
        "encoding_reason": rec.encoding_reason,
        "replacement_chars": rec.replacements,
        "error": rec.error,
        "warc_file": rec.warc[0] if rec.warc else None,
        "warc_offset": rec.warc[1] if rec.warc else None,
        "warc_length": rec.warc[2] if rec.warc else None,
    }


def add_capture(session: Session, source_id: int, run_id: int | None, rec: FetchRecord, **extra: Any) -> Capture:
    """Append a capture row (raw bytes compressed with zstd)."""
    cap = Capture(**capture_values(source_id, run_id, rec), **extra)
    session.add(cap)
    session.flush()
    return cap


def add_event(
    session: Session,
    kind: str,
    url: str,
    at: datetime,
    *,
    source_id: int | None = None,
    document_id: int | None = None,
    version_id: int | None = None,
    run_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Event:
    """Append a derived event."""
    ev = Event(
        kind=kind,
        url=url,
        at=at,
        source_id=source_id,
        document_id=document_id,
        version_id=version_id,
        run_id=run_id,
        details=details or {},
    )
    session.add(ev)
    session.flush()
    return ev


def document_values(source_id: int, url: str, at: datetime, content: Content) -> dict[str, Any]:
    """The column values of a new document row with its identity keys (ORM and Core paths alike)."""
    meta = content.extracted.metadata
    return {
        "source_id": source_id, "host": host_of(url), "url": url, "first_seen": at, "last_seen": at,
        "doc_number_norm": meta.doc_number_norm, "index_number": meta.index_number, "title_key": content.title_key,
    }  # fmt: skip


def create_document(session: Session, source_id: int, url: str, at: datetime, content: Content) -> Document:
    """A new document at ``url`` with its identity keys."""
    doc = Document(**document_values(source_id, url, at, content))
    session.add(doc)
    session.flush()
    session.add(DocumentUrl(document_id=doc.id, url=url, first_seen=at))
    return doc


_SAME_KEYS = select(Document.id, Document.url, Document.title_key).where(
    Document.host == bindparam("host"),
    or_(Document.doc_number_norm == bindparam("number"), Document.index_number == bindparam("index")),
)  # indexed columns; the title is checked in Python


def find_moved_from(session: Session, host: str, url: str, content: Content) -> Document | None:
    """An existing document of the same site with the same 文号 or 索引号 and title, now at another URL."""
    meta = content.extracted.metadata
    if not content.title_key or not (meta.doc_number_norm or meta.index_number):
        return None
    keys = {"host": host, "number": meta.doc_number_norm, "index": meta.index_number}  # NULL matches nothing
    for doc_id, doc_url, title_key in session.execute(_SAME_KEYS, keys):
        if doc_url != url and title_key == content.title_key:
            return session.get(Document, doc_id)
    return None


def move_document(session: Session, doc: Document, new_url: str, at: datetime) -> str:
    """Point ``doc`` at ``new_url``, keeping its history; returns the old URL."""
    old = doc.url
    doc.url = new_url
    if doc.host != host_of(new_url):
        doc.host = host_of(new_url)
        versions = select(Version.id).where(Version.document_id == doc.id)
        session.execute(update(SketchBand).where(SketchBand.version_id.in_(versions)).values(host=doc.host))
    if document_by_url(session, new_url) is None:
        session.add(DocumentUrl(document_id=doc.id, url=new_url, first_seen=at))
    return old


def version_values(doc_id: int, cap_id: int, content: Content, at: datetime, seq: int = 1) -> dict[str, Any]:
    """The column values of a version row of ``content`` (ORM and Core write paths alike)."""
    meta = content.extracted.metadata
    return {
        "document_id": doc_id, "seq": seq, "capture_id": cap_id, "created_at": at, "text": content.extracted.text,
        "text_sha256": content.text_sha256, "meta_sha256": content.meta_sha256, "title": meta.title,
        "agency": meta.agency, "doc_number": meta.doc_number, "written_date": meta.written_date,
        "publish_date": meta.publish_date, "index_number": meta.index_number, "topic": meta.topic,
        "validity": meta.validity,
        "attachments": [{"url": a.url, "name": a.name, "ext": a.ext} for a in content.extracted.attachments],
        "page_meta": dict(content.extracted.page_meta), "index_text": content.index_text, "sketch": content.sketch,
        "search_text": content.search_text,
    }  # fmt: skip


def add_version(session: Session, doc: Document, capture: Capture, content: Content, at: datetime) -> Version:
    """Append a version of ``doc`` from ``capture`` with its keyword hits; make it current."""
    meta = content.extracted.metadata
    prev = current_version(session, doc)
    ver = Version(**version_values(doc.id, capture.id, content, at, seq=(prev.seq + 1) if prev else 1))
    session.add(ver)
    session.flush()
    for hit in content.hits:
        session.add(HitRow(version_id=ver.id, term=hit.term, grp=hit.group, count=hit.count))
    if content.sketch is not None:
        rows = [{"version_id": ver.id, "key": key, "host": doc.host} for key in band_keys(content.sketch)]
        session.execute(insert(SketchBand), rows)  # one executemany, not 42 ORM objects
    doc.current_version_id = ver.id
    doc.published_at = published_at(meta.publish_date, meta.written_date) or doc.published_at
    doc.doc_number_norm = meta.doc_number_norm or doc.doc_number_norm
    doc.index_number = meta.index_number or doc.index_number
    doc.title_key = content.title_key or doc.title_key
    capture.version_id = ver.id
    return ver


def metadata_changes(old: Version, content: Content) -> dict[str, list[str | None]]:
    """Fields whose value differs between ``old`` and the new content: ``{field: [old, new]}``."""
    new = content.extracted.metadata.as_dict()
    out: dict[str, list[str | None]] = {}
    for name, value in new.items():
        if name == "doc_number_norm":
            continue
        before = getattr(old, name)
        if (before or None) != (value or None):
            out[name] = [before, value]
    return out


def cache_validators(headers: dict[str, str]) -> tuple[str | None, str | None]:
    """``(ETag, Last-Modified)`` of a response's headers, whatever their case (``None`` when absent)."""
    lower = {k.lower(): v for k, v in headers.items()}
    return lower.get("etag") or None, lower.get("last-modified") or None


def set_cache_validators(doc: Document, headers: dict[str, str]) -> None:
    """Remember ETag / Last-Modified of the last 200 for conditional GET."""
    doc.etag, doc.last_modified = cache_validators(headers)


_BANDS_HIT = (
    select(SketchBand.version_id)
    .where(
        SketchBand.key.in_(bindparam("keys", expanding=True)),
        # two index ranges of the covering index, not a filter over all of it
        (SketchBand.host < bindparam("host")) | (SketchBand.host > bindparam("host")),
    )
    .distinct()
    .subquery()
)
_ELSEWHERE = (  # driven from the band index (never a scan of all documents): band hits → version → document
    select(Document.id, Document.first_seen, Version.sketch)
    .select_from(_BANDS_HIT)
    .join(Version, Version.id == _BANDS_HIT.c.version_id)
    .join(Document, Document.id == Version.document_id)
    .where(Document.current_version_id == Version.id, Document.host != bindparam("host"), Version.sketch.is_not(None))
)


def sketches_elsewhere(session: Session, host: str, sketch: bytes) -> list[tuple[int, datetime, bytes]]:
    """Reprint candidates for a signature: documents of other hosts whose current version shares
    at least one LSH band key with it (an index lookup, see ``store.lsh``), as (document id,
    first seen, sketch)."""
    keys = band_keys(sketch)
    if not keys:
        return []
    rows = session.execute(_ELSEWHERE, {"keys": keys, "host": host})
    return [(doc_id, first_seen, sk) for doc_id, first_seen, sk in rows if sk is not None]


def add_reprint(session: Session, document_id: int, original_id: int, similarity: float, at: datetime) -> bool:
    """Link a reprint to its original (once); True when the link is new."""
    exists = session.scalar(
        select(Reprint.id).where(Reprint.document_id == document_id, Reprint.original_id == original_id)
    )
    if exists is not None:
        return False
    session.add(Reprint(document_id=document_id, original_id=original_id, similarity=similarity, found_at=at))
    return True

"""Read API for researchers: events, document histories, versions, summary counts (search: store.search).

Functions return plain dicts (JSON-ready) so the CLI, the JSON API and the web UI
share one query layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import zstandard
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from common.cite import citation as cite
from common.clock import to_utc
from store.attachments import attachments_of
from store.models import Alert, Capture, Document, Event, Reprint, Source, Version
from store.repo import document_by_url


def _iso(value: datetime | None) -> str | None:
    return to_utc(value).isoformat().replace("+00:00", "Z") if value else None


def event_dict(ev: Event) -> dict[str, Any]:
    """The public JSON shape of an event."""
    return {
        "id": ev.id,
        "kind": ev.kind,
        "url": ev.url,
        "doc_id": ev.document_id,
        "at": _iso(ev.at),
        "version_id": ev.version_id,
        "details": ev.details,
    }


def events(
    session: Session, since: datetime | None = None, kinds: list[str] | None = None, limit: int | None = None,
    after: int | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Events in time order, optionally since an instant, of some kinds, at most ``limit``;
    ``after`` (an event id, the last one of the previous page) continues a listing after it."""
    q = select(Event).order_by(Event.at, Event.id).limit(limit)
    if since is not None:
        q = q.where(Event.at >= since)
    if after is not None:
        last = session.get(Event, after)
        if last is None:  # an unknown cursor continues nothing
            return []
        q = q.where(or_(Event.at > last.at, and_(Event.at == last.at, Event.id > last.id)))
    if kinds:
        q = q.where(Event.kind.in_(kinds))
    return [event_dict(e) for e in session.scalars(q)]


def find_document(session: Session, url_or_id: str) -> Document | None:
    """A document by numeric id or by any URL it was seen at."""
    if url_or_id.isdigit():
        return session.get(Document, int(url_or_id))
    return document_by_url(session, url_or_id)


def citation(doc: Document, ver: Version, cap: Capture | None) -> str:
    """The citation string of a version (:func:`common.cite.citation`)."""
    at = cap.fetched_at if cap else ver.created_at
    sha = cap.raw_sha256 if cap else None
    return cite(ver.title, ver.agency, ver.doc_number, doc.url, at, sha, ver.text_sha256)


def history(session: Session, url_or_id: str) -> dict[str, Any] | None:
    """A document's metadata, versions, captures and events."""
    doc = find_document(session, url_or_id)
    if doc is None:
        return None
    versions = list(session.scalars(select(Version).where(Version.document_id == doc.id).order_by(Version.seq)))
    caps = list(session.scalars(select(Capture).where(Capture.document_id == doc.id).order_by(Capture.id)))
    cap_by_id = {c.id: c for c in caps}
    evs = session.scalars(select(Event).where(Event.document_id == doc.id).order_by(Event.at, Event.id))
    return {
        "doc_id": doc.id,
        "url": doc.url,
        "state": doc.state,
        "first_seen": _iso(doc.first_seen),
        "versions": [
            {
                "version_id": v.id,
                "seq": v.seq,
                "created_at": _iso(v.created_at),
                "title": v.title,
                "agency": v.agency,
                "doc_number": v.doc_number,
                "validity": v.validity,
                "text_sha256": v.text_sha256,
                "citation": citation(doc, v, cap_by_id.get(v.capture_id)),
            }
            for v in versions
        ],
        "captures": [
            {"capture_id": c.id, "fetched_at": _iso(c.fetched_at), "status": c.status, "outcome": c.outcome}
            for c in caps
        ],
        "events": [event_dict(e) for e in evs],
        "reprints": reprints(session, doc.id),
        "attachments": attachments_of(session, doc.id),
    }


def reprints(session: Session, doc_id: int) -> list[dict[str, Any]]:
    """Documents on other sites linked to ``doc_id`` as its original or its reprints."""
    out = []
    rows = session.scalars(select(Reprint).where((Reprint.document_id == doc_id) | (Reprint.original_id == doc_id)))
    for link in rows:
        other_id = link.original_id if link.document_id == doc_id else link.document_id
        other = session.get(Document, other_id)
        role = "original" if link.document_id == doc_id else "reprint"
        out.append(
            {
                "role": role,
                "doc_id": other_id,
                "url": other.url if other else None,
                "similarity": link.similarity,
                "found_at": _iso(link.found_at),
            }
        )
    return out


def summary(session: Session) -> dict[str, Any]:
    """Counts for the demo report and ``status``: documents, versions, events by kind, alerts by status."""
    kinds = {k: int(n) for k, n in session.execute(select(Event.kind, func.count()).group_by(Event.kind))}
    alerts = {k: int(n) for k, n in session.execute(select(Alert.status, func.count()).group_by(Alert.status))}
    return {
        "sources": session.scalar(select(func.count()).select_from(Source)) or 0,
        "documents": session.scalar(select(func.count()).select_from(Document)) or 0,
        "versions": session.scalar(select(func.count()).select_from(Version)) or 0,
        "captures": session.scalar(select(func.count()).select_from(Capture)) or 0,
        "events": kinds,
        "alerts": alerts,
    }


META_FIELDS = ("title", "agency", "doc_number", "written_date", "publish_date", "index_number", "topic", "validity")


def version_detail(session: Session, version_id: int) -> dict[str, Any] | None:
    """One version in full: its metadata, text, citation, capture and document."""
    ver = session.get(Version, version_id)
    doc = session.get(Document, ver.document_id) if ver else None
    if ver is None or doc is None:
        return None
    cap = session.get(Capture, ver.capture_id)
    return {
        "version_id": ver.id,
        "doc_id": doc.id,
        "seq": ver.seq,
        "url": doc.url,
        "current": doc.current_version_id == ver.id,
        "created_at": _iso(ver.created_at),
        "metadata": {f: getattr(ver, f) for f in META_FIELDS},
        "text": ver.text,
        "text_sha256": ver.text_sha256,
        "capture": None if cap is None else {
            "capture_id": cap.id, "fetched_at": _iso(cap.fetched_at), "raw_sha256": cap.raw_sha256,
            "status": cap.status, "content_type": _content_type(cap.headers),
        },
        "citation": citation(doc, ver, cap),
    }  # fmt: skip


def _content_type(headers: dict[str, Any]) -> str | None:
    return next((str(v) for k, v in (headers or {}).items() if k.lower() == "content-type"), None)


def raw_capture(session: Session, capture_id: int) -> tuple[bytes, str] | None:
    """The raw bytes of a capture (decompressed) and a file name for the download."""
    cap = session.get(Capture, capture_id)
    if cap is None or cap.raw_zstd is None:
        return None
    return zstandard.ZstdDecompressor().decompress(cap.raw_zstd), f"capture-{cap.id}.bin"

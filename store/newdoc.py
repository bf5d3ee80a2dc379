"""The write path of a document seen for the first time, in SQLAlchemy Core.

A first crawl writes thousands of new documents; through the ORM each costs five flushes of
unit-of-work bookkeeping. Here the same rows — document, its URL, the capture, the version with
its keyword hits and LSH bands, the ``new`` event — are plain INSERT … RETURNING statements
built once, in the caller's transaction. Capture and version rows come from the value builders
the ORM path uses too (:func:`store.repo.capture_values`, :func:`store.repo.version_values`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from processing.types import Content
from store.lsh import band_keys
from store.models import Capture, Document, DocumentUrl, Event, KeywordHit, SketchBand, Version
from store.repo import FetchRecord, capture_values, document_values, version_values


# statements on the tables (not the ORM entities: no unit-of-work or bulk-ORM layer), built once
def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


_D, _C, _V, _E = _table(Document), _table(Capture), _table(Version), _table(Event)
_DOC = insert(_D).returning(_D.c.id)
_URL = insert(_table(DocumentUrl))
_CAP = insert(_C).returning(_C.c.id)
_VER = insert(_V).returning(_V.c.id)
_HIT = insert(_table(KeywordHit))
_BAND = insert(_table(SketchBand))
_EVENT = insert(_E).returning(_E.c.id)
_DOC_VERSION = update(_D).where(_D.c.id == bindparam("doc_id")).values(current_version_id=bindparam("ver_id"))
_CAP_VERSION = update(_C).where(_C.c.id == bindparam("cap_id")).values(version_id=bindparam("ver_id"))


@dataclass(frozen=True)
class NewDocument:
    """Everything the first archive of a document needs (computed by the caller)."""

    source_id: int
    run_id: int | None
    url: str
    at: datetime
    record: FetchRecord
    content: Content
    etag: str | None
    last_modified: str | None
    next_check_at: datetime | None
    published_at: datetime | None  # 发布日期 (else 成文日期) as an instant, see store.repo.published_at


@dataclass(frozen=True)
class NewIds:
    """The ids of the rows written for a new document."""

    document_id: int
    capture_id: int
    version_id: int
    host: str


def insert_new_document(session: Session, new: NewDocument) -> NewIds:
    """Write document, URL, capture, version, keyword hits and LSH bands of a new document."""
    values = document_values(new.source_id, new.url, new.at, new.content)
    host = values["host"]
    values.update(
        state="active", failures=0, etag=new.etag, last_modified=new.last_modified, listed=False,
        next_check_at=new.next_check_at, published_at=new.published_at,
    )  # fmt: skip
    doc_id = session.execute(_DOC, values).scalar_one()
    session.execute(_URL, {"document_id": doc_id, "url": new.url, "first_seen": new.at})
    cap_values = capture_values(new.source_id, new.run_id, new.record)
    cap_values.update(document_id=doc_id, page_kind=str(new.content.extracted.kind))
    cap_values["text_sha256"] = new.content.text_sha256
    cap_id = session.execute(_CAP, cap_values).scalar_one()
    ver_id = session.execute(_VER, version_values(doc_id, cap_id, new.content, new.at)).scalar_one()
    if new.content.hits:
        hits = [{"version_id": ver_id, "term": h.term, "grp": h.group, "count": h.count} for h in new.content.hits]
        session.execute(_HIT, hits)
    if new.content.sketch is not None:
        session.execute(_BAND, [{"version_id": ver_id, "key": k, "host": host} for k in band_keys(new.content.sketch)])
    session.execute(_DOC_VERSION, {"doc_id": doc_id, "ver_id": ver_id})
    session.execute(_CAP_VERSION, {"cap_id": cap_id, "ver_id": ver_id})
    return NewIds(doc_id, cap_id, ver_id, host)


def insert_capture(session: Session, source_id: int, run_id: int | None, rec: FetchRecord, **extra: Any) -> int:
    """Append a capture row (as :func:`store.repo.add_capture`, without an ORM object); its id."""
    return int(session.execute(_CAP, {**capture_values(source_id, run_id, rec), **extra}).scalar_one())


def insert_event(
    session: Session, kind: str, url: str, at: datetime, *, source_id: int, document_id: int, version_id: int,
    run_id: int | None, details: dict[str, Any],
) -> Event:  # fmt: skip
    """Append an event row; returns a detached :class:`Event` carrying its id and values."""
    values = {
        "kind": kind, "url": url, "at": at, "source_id": source_id, "document_id": document_id,
        "version_id": version_id, "run_id": run_id, "details": details,
    }  # fmt: skip
    event_id = session.execute(_EVENT, values).scalar_one()
    return Event(id=event_id, **values)

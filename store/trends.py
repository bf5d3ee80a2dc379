"""What trend tables read from the archive: every document's dates, site and issuer, and the set
of documents a query or tracked term matches (in any of their versions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Document, KeywordHit, Source, Version
from store.search import Filters, TextQuery, document_ids

BATCH = 5000


def document_dates(session: Session) -> Iterator[tuple[int, datetime | None, datetime, str, str, str | None]]:
    """(document id, published_at, first_seen, source name, host, current agency) of every document."""
    q = (
        select(Document.id, Document.published_at, Document.first_seen, Source.name, Document.host, Version.agency)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(Version, Version.id == Document.current_version_id)
        .order_by(Document.id)
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(q):
        yield row[0], row[1], row[2], row[3], row[4], row[5]


def matching_ids(session: Session, query: TextQuery | None, tag: str = "") -> set[int]:
    """Ids of the documents with a version matching ``query`` (and having tracked term ``tag``)."""
    if query is None and not tag:
        return set()
    if query is None:
        q = (
            select(Version.document_id)
            .join(KeywordHit, KeywordHit.version_id == Version.id)
            .where(KeywordHit.term == tag)
        )
        return set(session.scalars(q.distinct()))
    return set(document_ids(session, query, Filters(tag=tag)))

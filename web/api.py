"""The JSON API under ``/api/v1`` (its OpenAPI schema at ``/api/v1/openapi.json``).

Every answer is plain data from the shared query layer (:mod:`store.queries`,
:mod:`store.search`); errors are ``{"detail": "…"}`` with a 4xx status, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from common.clock import parse_instant
from common.errors import ConfigError
from processing.diff import word_diff
from processing.segment import default_segmenter
from processing.trends import AXES, GROUPINGS
from store.exports import csv_chunks, jsonl_chunks, version_records, warc_records
from store.queries import events, history, version_detail
from store.search import MODES
from web.searching import BadSearch, SearchRequest, found_documents, run_search
from web.trends import TrendRequest, run_trend
from web.ui import MAX_ROW_ID, RowId

DIFF_MAX_CHARS = 400_000
EVENTS_PAGE = 1000


def diff_of(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The metadata changes and the word-level diff between two versions (dicts of version_detail)."""
    meta = {
        k: [old["metadata"][k], new["metadata"][k]] for k in old["metadata"] if old["metadata"][k] != new["metadata"][k]
    }
    d = word_diff(old["text"][:DIFF_MAX_CHARS], new["text"][:DIFF_MAX_CHARS], default_segmenter().tokens)
    return {
        "from_version": old["version_id"], "to_version": new["version_id"], "metadata": meta,
        "inserted_chars": d.inserted_chars, "deleted_chars": d.deleted_chars, "ops": [list(op) for op in d.ops],
    }  # fmt: skip


def _stream(sessions: sessionmaker[Session], doc_ids: list[int] | None, latest_only: bool, fmt: str) -> Iterator[str]:
    """Export text as it is read (one session held for the stream)."""
    with sessions() as s:
        chunks = csv_chunks if fmt == "csv" else jsonl_chunks
        yield from chunks(version_records(s, doc_ids, latest_only))


def _warc_stream(sessions: sessionmaker[Session], warc_dir: Path, doc_ids: list[int] | None) -> Iterator[bytes]:
    """The captures' WARC records as they are read (captures whose WARC file is missing are left out)."""
    with sessions() as s:
        for _cap_id, record in warc_records(s, warc_dir, doc_ids):
            if record is not None:
                yield record


def api_router(sessions: sessionmaker[Session], warc_dir: Path) -> APIRouter:
    """The ``/api/v1`` routes over one archive (its WARC files in ``warc_dir``)."""
    api = APIRouter(prefix="/api/v1", tags=["archive"])

    @api.get("/search")
    def search(
        request: Request,
        q: str = Query("", description='terms, "phrases", OR, -exclusion'),
        mode: str = Query("any", description=f"one of {', '.join(MODES)}"),
        source: list[str] = Query([], description="source names (repeatable)"),
        page: int = Query(1, ge=1, le=10_000),
        size: int = Query(20, ge=1, le=100),
    ) -> dict[str, Any]:
        """Documents whose versions match ``q``; filters: agency, topic, validity, written_from/to,
        published_from/to (YYYY-MM-DD), captured_from/to, event_kind, tag."""
        req = SearchRequest.from_params(request.query_params)
        try:
            with sessions() as s:
                return run_search(s, req).as_dict()
        except BadSearch as exc:
            raise HTTPException(422, str(exc)) from exc

    @api.get("/documents/{doc_id}")
    def document(doc_id: RowId) -> dict[str, Any]:
        """A document: metadata, versions (with citations), captures, events, attachments, reprints."""
        with sessions() as s:
            data = history(s, str(doc_id))
        if data is None:
            raise HTTPException(404, f"no document {doc_id} in the archive")
        return data

    @api.get("/versions/{version_id}")
    def version(version_id: RowId) -> dict[str, Any]:
        """One version: metadata, text, capture and citation."""
        with sessions() as s:
            data = version_detail(s, version_id)
        if data is None:
            raise HTTPException(404, f"no version {version_id} in the archive")
        return data

    @api.get("/diff")
    def diff(
        from_version: int = Query(..., alias="from", ge=1, le=MAX_ROW_ID),
        to_version: int = Query(..., alias="to", ge=1, le=MAX_ROW_ID),
    ) -> dict[str, Any]:
        """Metadata changes and word-level diff between two versions of one document."""
        with sessions() as s:
            old, new = version_detail(s, from_version), version_detail(s, to_version)
        if old is None or new is None:
            raise HTTPException(404, "both versions must exist")
        if old["doc_id"] != new["doc_id"]:
            raise HTTPException(422, "the two versions belong to different documents")
        return diff_of(old, new)

    @api.get("/export", response_model=None)
    def export(
        request: Request,
        q: str = Query("", description="a search (as /search); empty: the whole archive"),
        format: str = Query("jsonl", pattern="^(csv|jsonl|warc)$"),
        latest_only: bool = Query(False),
    ) -> StreamingResponse:
        """The versions of the documents a search finds (or of all documents), streamed as CSV
        (metadata) or JSONL (one version per line, with text, hashes, capture time, URL); or
        ``warc``: the WARC records of their captures, byte for byte as archived."""
        try:
            with sessions() as s:
                doc_ids = found_documents(s, SearchRequest.from_params(request.query_params)) if q.strip() else None
        except BadSearch as exc:
            raise HTTPException(422, str(exc)) from exc
        headers = {"Content-Disposition": f'attachment; filename="policywatch-export.{format}"'}
        if format == "warc":
            body = _warc_stream(sessions, warc_dir, doc_ids)
            return StreamingResponse(body, media_type="application/warc", headers=headers)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
        return StreamingResponse(_stream(sessions, doc_ids, latest_only, format), media_type=media, headers=headers)

    @api.get("/trends")
    def trends(
        request: Request,
        q: str = Query("", description="a search (as /search)"),
        tag: str = Query("", description="a tracked term (alone, or narrowing q)"),
        by: str = Query("all", description=f"one of {', '.join(GROUPINGS)}"),
        axis: str = Query("published", description=f"one of {', '.join(AXES)}"),
    ) -> dict[str, Any]:
        """Per group and month: documents matching, documents archived, their share and the
        month's coverage (live, retro, backfill, gap). Query parameters ``from``/``to`` (YYYY-MM) bound the months."""
        try:
            req = TrendRequest.from_params(request.query_params)
        except BadSearch as exc:
            raise HTTPException(422, str(exc)) from exc
        if not req.asked:
            raise HTTPException(422, "give q (a search) or tag (a tracked term)")
        with sessions() as s:
            table = run_trend(s, req)
        return {"months": table.months, "groups": table.groups, "rows": table.rows()}

    @api.get("/events")
    def event_list(
        since: str | None = Query(None, description="ISO-8601 instant"),
        kind: list[str] = Query([]),
        after: int | None = Query(None, ge=1, le=MAX_ROW_ID, description="the last event id of the previous page"),
    ) -> list[dict[str, Any]]:
        """Events in time order, 1,000 at most per call; pass the last one's id as ``after`` for the next."""
        try:
            at = parse_instant(since) if since else None
        except ConfigError as exc:
            raise HTTPException(422, f"since: {since!r} is not an ISO-8601 instant") from exc
        with sessions() as s:
            return events(s, at, kind or None, limit=EVENTS_PAGE, after=after)

    return api

"""Request parameters → a search in the store: the one place the web side builds queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from common.clock import parse_instant
from common.errors import ConfigError
from processing.query import Query, parse_query
from store.search import CANDIDATES, MODES, Filters, Results, TextQuery, document_ids, search_versions

FILTER_FIELDS = ("agency", "topic", "validity", "written_from", "written_to", "published_from", "published_to",
                 "event_kind", "tag")  # fmt: skip


@dataclass(frozen=True)
class SearchRequest:
    """What a search form or API call asks for (strings as given; checked by :func:`run_search`)."""

    q: str = ""
    mode: str = "any"
    sources: tuple[str, ...] = ()
    page: int = 1
    size: int = 20
    params: tuple[tuple[str, str], ...] = ()  # the other filters, by FILTER_FIELDS name

    @classmethod
    def from_params(cls, params: Any) -> SearchRequest:
        """From a query string (a Starlette ``QueryParams`` or a dict)."""
        get = params.get
        sources = tuple(params.getlist("source")) if hasattr(params, "getlist") else tuple(get("source") or ())
        page = get("page") or "1"
        size = get("size") or "20"
        return cls(
            q=(get("q") or "").strip()[:500], mode=get("mode") or "any", sources=sources,
            page=int(page) if str(page).isdigit() else 1, size=min(100, int(size)) if str(size).isdigit() else 20,
            params=tuple((f, str(get(f)).strip()) for f in (*FILTER_FIELDS, "captured_from", "captured_to") if get(f)),
        )  # fmt: skip


class BadSearch(ValueError):
    """A search request that cannot be run; the message says what to change."""


def _instant(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return parse_instant(value if "T" in value else f"{value}T00:00:00+08:00")
    except ConfigError as exc:
        raise BadSearch(f"{name}: {value!r} is not a date (YYYY-MM-DD) or an ISO-8601 instant") from exc


def run_search(session: Session, req: SearchRequest, cap: int | None = CANDIDATES) -> Results:
    """Run ``req`` reading at most ``cap`` matching versions (None: all); BadSearch when a
    parameter is invalid."""
    query, filters = _checked(req)
    return search_versions(session, query, filters, req.mode, req.page, req.size, cap)


def found_documents(session: Session, req: SearchRequest) -> list[int]:
    """Ids of every document ``req`` finds (exports); BadSearch when a parameter is invalid."""
    query, filters = _checked(req)
    return document_ids(session, query, filters, req.mode)


def _checked(req: SearchRequest) -> tuple[TextQuery, Filters]:
    """The store's query and filters of ``req``; BadSearch naming what is wrong."""
    if req.mode not in MODES:
        raise BadSearch(f"mode must be one of {', '.join(MODES)}")
    query = parse_query(req.q)
    params = dict(req.params)
    for name in ("written_from", "written_to", "published_from", "published_to"):
        if params.get(name) and not _is_date(params[name]):
            raise BadSearch(f"{name}: {params[name]!r} is not a date (YYYY-MM-DD)")
    filters = Filters(
        sources=req.sources,
        **{f: params.get(f, "") for f in FILTER_FIELDS},
        captured_from=_instant(params.get("captured_from"), "captured_from"),
        captured_to=_instant(params.get("captured_to"), "captured_to"),
    )
    return text_query(query), filters


def text_query(query: Query) -> TextQuery:
    """What the store needs of a parsed query."""
    return TextQuery(query.index_groups(), query.keys(), query.excluded_keys(), query.excerpts)


def _is_date(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True

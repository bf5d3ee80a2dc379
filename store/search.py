"""Full-text search over every version of every document, with filters, modes and facets.

The index (SQLite FTS5 / PostgreSQL tsvector, both over the jieba search tokens in
``version.index_text``) gives candidate versions; each candidate is then checked in SQL with
``LIKE`` on its folded title and text (``version.search_text``), so a hit is a real occurrence. Filters
run in SQL. Results are documents, each with its newest matching version and the numbers of all
its matching versions. Modes:

- ``any``: any version (text that was later changed or deleted included);
- ``current``: only documents whose current version matches;
- ``removed``: passages that were there and are gone — a version matches but the document's
  current version no longer does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, column, exists, func, or_, select, table, text
from sqlalchemy.orm import Session, aliased

from store.models import Document, Event, KeywordHit, Source, Version

MODES = ("any", "current", "removed")
CANDIDATES = 1000  # the newest matching versions read per search; results say when there are more


@dataclass(frozen=True)
class TextQuery:
    """A parsed query as the store needs it (built from :mod:`processing.query` by the caller):
    per AND-group, per OR-term, the index tokens a candidate must have; per group the folded
    terms, one of which a version's folded ``search_text`` must contain; the folded excluded
    terms; and the excerpts (before, hit, after) to show."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    keys: tuple[tuple[str, ...], ...]  # per group, the folded terms
    excluded_keys: tuple[str, ...]
    excerpts: Callable[[str], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class Filters:
    """Optional narrowing; dates are ``YYYY-MM-DD`` strings (成文/发布) or datetimes (captured)."""

    sources: tuple[str, ...] = ()
    agency: str = ""
    topic: str = ""
    validity: str = ""
    written_from: str = ""
    written_to: str = ""
    published_from: str = ""
    published_to: str = ""
    captured_from: datetime | None = None
    captured_to: datetime | None = None
    event_kind: str = ""
    tag: str = ""


@dataclass
class Hit:
    """One document in the results."""

    doc_id: int
    url: str
    source: str
    version_id: int
    seq: int
    current: bool
    title: str | None
    agency: str | None
    doc_number: str | None
    publish_date: str | None
    written_date: str | None
    topic: str | None
    validity: str | None
    state: str
    matching_versions: list[int] = field(default_factory=list)
    snippets: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Results:
    """A page of hits, the number of documents found and facets over them. ``truncated``: there
    were more matching versions than the cap, so ``total`` and the facets cover the documents of
    the newest ``CANDIDATES`` matching versions only, and ``estimated_total`` extrapolates the
    number of documents from the full-text index counts (None when not truncated)."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    truncated: bool
    estimated_total: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"total": self.total, "hits": [asdict(h) for h in self.hits], "facets": self.facets,
                "truncated": self.truncated, "estimated_total": self.estimated_total}  # fmt: skip


def _forms(token: str) -> tuple[tuple[str, ...], ...]:
    """The forms a folded query token may have in the index, which holds the pages' own (only
    lower-cased) words, each form a phrase of index tokens: an ASCII token also as its full-width
    characters, which jieba cuts one by one (covid → ｃ ｏ ｖ ｉ ｄ)."""
    if not (token.isascii() and token.isalnum()):  # letters and digits only: punctuation is not indexed alike
        return ((token,),)
    return (token,), tuple(chr(ord(c) + 0xFEE0) for c in token)


def _fts5_match(query: TextQuery) -> str:
    """The FTS5 MATCH expression of a query's index tokens (every group, no exclusions: excluded
    terms are checked on the text, where they can be matched exactly)."""

    def token(w: str) -> str:  # a quoted FTS5 string of several tokens is a phrase
        return "(" + " OR ".join('"' + " ".join(f).replace('"', '""') + '"' for f in _forms(w)) + ")"

    def term(tokens: tuple[str, ...]) -> str:
        return "(" + " AND ".join(token(w) for w in tokens) + ")"

    return " AND ".join("(" + " OR ".join(term(t) for t in g if t) + ")" for g in query.groups if any(g))


def _fts_ids(session: Session, query: TextQuery) -> Any:
    """A subquery of candidate version ids from the full-text index."""
    groups = [[list(t) for t in g] for g in query.groups]
    if session.get_bind().dialect.name == "sqlite":
        fts = text("SELECT rowid FROM version_fts WHERE version_fts MATCH :m").bindparams(m=_fts5_match(query))
        return fts.columns(column("rowid", Integer))

    def pg_token(w: str) -> str:  # <-> is tsquery's phrase operator
        return "(" + " | ".join(" <-> ".join("'" + t.replace("'", "''") + "'" for t in f) for f in _forms(w)) + ")"

    def pg_term(tokens: list[str]) -> str:
        return "(" + " & ".join(pg_token(w) for w in tokens) + ")"

    tsq = " & ".join("(" + " | ".join(pg_term(t) for t in g if t) + ")" for g in groups if any(g))
    return (
        select(Version.id)
        .where(text("to_tsvector('simple', index_text) @@ to_tsquery('simple', :q)").bindparams(q=tsq))
        .scalar_subquery()
    )


def _filtered(stmt: Any, f: Filters) -> Any:
    conds: list[Any] = []
    if f.sources:
        conds.append(Source.name.in_(f.sources))
    for col, value in ((Version.agency, f.agency), (Version.topic, f.topic), (Version.validity, f.validity)):
        if value:
            conds.append(col.contains(value))
    for col, lo, hi in (
        (Version.written_date, f.written_from, f.written_to),
        (Version.publish_date, f.published_from, f.published_to),
    ):
        conds += [col >= lo] if lo else []
        conds += [col <= hi] if hi else []
    conds += [Version.created_at >= f.captured_from] if f.captured_from else []
    conds += [Version.created_at <= f.captured_to] if f.captured_to else []
    if f.event_kind:
        conds.append(exists().where(Event.document_id == Document.id, Event.kind == f.event_kind))
    if f.tag:
        conds.append(exists().where(KeywordHit.version_id == Version.id, KeywordHit.term == f.tag))
    return stmt.where(*conds) if conds else stmt


def search_versions(
    session: Session, query: TextQuery, filters: Filters = Filters(), mode: str = "any", page: int = 1,
    size: int = 20, cap: int | None = CANDIDATES,
) -> Results:  # fmt: skip
    """Documents matching ``query`` (see the module doc); ``page`` counts from 1. The exact check
    is ``LIKE`` on the candidates' folded ``search_text``, in the database. At most ``cap`` matching
    versions, the newest, are read (None: all, for exports); on SQLite the index is walked newest
    first and stops there, so the time does not grow with the archive. Only the page's hits are
    read for their excerpts."""
    if _unanswerable(query):
        return Results(0, [], {}, False)
    stmt = _matching(session, query, filters, mode)
    rows = session.execute(stmt if cap is None else stmt.limit(cap + 1)).all()
    truncated = cap is not None and len(rows) > cap
    rows = rows[:cap] if truncated else rows
    newest: dict[int, Any] = {}  # document id → its newest matching version's row
    seqs: dict[int, list[int]] = {}
    for r in rows:
        doc_id = r.document_id
        if doc_id in seqs:
            seqs[doc_id].append(r.seq)
        else:
            newest[doc_id], seqs[doc_id] = r, [r.seq]
    docs = sorted(newest.values(), key=lambda r: (r.publish_date or r.written_date or "", r.document_id), reverse=True)
    start = (max(page, 1) - 1) * size
    shown = [_hit(r, seqs[r.document_id]) for r in docs[start : start + size]]  # Hit objects for the page only
    _add_excerpts(session, query, shown)
    estimate = _estimate(session, query, rows[-1].id, len(docs)) if truncated else None
    return Results(len(docs), shown, _facets(docs), truncated, estimate)


def document_ids(session: Session, query: TextQuery, filters: Filters = Filters(), mode: str = "any") -> list[int]:
    """Ids of every document with a matching version (as :func:`search_versions` finds them, no
    cap), in id order: what exports of a search write."""
    if _unanswerable(query):
        return []
    sub = _matching(session, query, filters, mode).order_by(None).subquery()
    return list(session.scalars(select(sub.c.document_id).distinct().order_by(sub.c.document_id)))


def _unanswerable(query: TextQuery) -> bool:
    """True when some group of the query has no index token at all (nothing can match it)."""
    return not query.groups or not all(any(t for t in g) for g in query.groups)


def _matching(session: Session, query: TextQuery, filters: Filters, mode: str) -> Any:
    """The light columns of the matching versions, newest first (see the module doc for modes)."""
    stmt = _candidates(session, query).where(_contains(Version, query))
    if mode == "current":
        stmt = stmt.where(Version.id == Document.current_version_id)
    if mode == "removed":  # the current version no longer has it
        cur = aliased(Version)
        stmt = stmt.join(cur, cur.id == Document.current_version_id).where(Version.id != cur.id, ~_contains(cur, query))
    return _filtered(stmt, filters)


def _estimate(session: Session, query: TextQuery, oldest_read: int, docs_read: int) -> int | None:
    """Documents found, extrapolated: the index's candidates in all versions, times the share of
    candidates that turned out documents in the part read (versions from ``oldest_read`` on).
    Index counts only, in one walk of the index."""
    if session.get_bind().dialect.name == "sqlite":
        counts = text("SELECT count(*), sum(rowid >= :r) FROM version_fts WHERE version_fts MATCH :m")
        every, read = session.execute(counts, {"m": _fts5_match(query), "r": oldest_read}).one()
    else:
        newer = func.count().filter(Version.id >= oldest_read)
        every, read = session.execute(select(func.count(), newer).where(Version.id.in_(_fts_ids(session, query)))).one()
    return max(docs_read, round((every or 0) * docs_read / (read or 1)))


def _candidates(session: Session, query: TextQuery) -> Any:
    """The light columns of the index's candidate versions, newest first. On SQLite the FTS5 table
    drives the join in rowid order, so with a LIMIT only the newest candidates are ever read and
    checked; PostgreSQL takes the candidates from the GIN index, then sorts."""
    cols = (*_LIGHT, Document.url, Document.current_version_id, Document.state, Source.name)
    if session.get_bind().dialect.name == "sqlite":
        fts = table("version_fts", column("rowid", Integer))
        stmt = (
            select(*cols)
            .select_from(fts)
            .join(Version, Version.id == fts.c.rowid)
            .where(text("version_fts MATCH :m").bindparams(m=_fts5_match(query)))
            .order_by(fts.c.rowid.desc())
        )
    else:
        stmt = select(*cols).where(Version.id.in_(_fts_ids(session, query))).order_by(Version.id.desc())
    return stmt.join(Document, Document.id == Version.document_id).join(Source, Source.id == Document.source_id)


_LIGHT = (
    Version.id, Version.document_id, Version.seq, Version.title, Version.agency, Version.doc_number,
    Version.publish_date, Version.written_date, Version.topic, Version.validity,
)  # fmt: skip


def _contains(ver: Any, query: TextQuery) -> Any:
    """Every group has one of its folded terms in the version's folded text, no excluded one has."""
    has = [or_(*(ver.search_text.contains(k, autoescape=True) for k in group)) for group in query.keys]
    return and_(*has, *(~ver.search_text.contains(k, autoescape=True) for k in query.excluded_keys))


def _add_excerpts(session: Session, query: TextQuery, hits: list[Hit]) -> None:
    if not hits:
        return
    q = select(Version.id, Version.text).where(Version.id.in_([h.version_id for h in hits]))
    texts: dict[int, str] = {}
    for vid, body in session.execute(q):
        texts[vid] = body
    for h in hits:
        h.snippets = [{"before": b, "hit": x, "after": a} for b, x, a in query.excerpts(texts.get(h.version_id, ""))]


def _hit(r: Any, seqs: list[int]) -> Hit:
    return Hit(
        r.document_id, r.url, r.name, r.id, r.seq, r.id == r.current_version_id, r.title, r.agency, r.doc_number,
        r.publish_date, r.written_date, r.topic, r.validity, r.state, seqs,
    )  # fmt: skip


def _facets(docs: list[Any]) -> dict[str, dict[str, int]]:
    """Counts of the documents (their newest matching version's rows) per source, agency, 主题分类,
    有效性 and year of publication."""
    facets = {
        "source": Counter(r.name for r in docs),
        "agency": Counter(r.agency or "—" for r in docs),
        "topic": Counter(r.topic or "—" for r in docs),
        "validity": Counter(r.validity or "—" for r in docs),
        "year": Counter((r.publish_date or r.written_date or "—")[:4] for r in docs),
    }
    return {k: dict(c.most_common(20)) for k, c in facets.items()}

"""Exports of the archive (or of the documents a search found): CSV, JSONL, WARC — streamed.

Rows are read in batches (``yield_per``) and written as they come, so memory stays constant
whatever the archive's size. CSV carries the metadata of each version, JSONL one version per
line with its text, hashes, capture time and URL; ``latest_only`` keeps each document's current
version. WARC copies each capture's response record byte for byte out of the crawl's WARC files
(each record is its own gzip member, so the concatenation is a valid ``.warc.gz``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.clock import beijing, to_utc
from common.errors import StoreError
from store.integrity import RecordMissing, read_record
from store.models import Capture, Document, Version
from store.queries import META_FIELDS

CSV_FIELDS = ("doc_id", "version_id", "seq", "current", "url", *META_FIELDS, "captured_at_utc", "captured_at_beijing",
              "text_sha256", "raw_sha256", "chars")  # fmt: skip
BATCH = 500
IDS_PER_QUERY = 1000
Progress = Callable[[int], None]


def _chunks(doc_ids: Iterable[int] | None) -> Iterator[list[int] | None]:
    """The ids in sorted chunks of :data:`IDS_PER_QUERY` (one ``None`` for "every document"), so
    no query carries more bound parameters than SQLite or psycopg accept."""
    if doc_ids is None:
        yield None
        return
    ids = sorted(set(doc_ids))
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield ids[start : start + IDS_PER_QUERY]


def _versions(session: Session, doc_ids: list[int] | None, latest_only: bool) -> Any:
    q = (
        select(Version, Document.url, Document.current_version_id, Capture.fetched_at, Capture.raw_sha256)
        .join(Document, Document.id == Version.document_id)
        .outerjoin(Capture, Capture.id == Version.capture_id)
        .order_by(Version.document_id, Version.seq)
    )
    if doc_ids is not None:
        q = q.where(Version.document_id.in_(doc_ids))
    if latest_only:
        q = q.where(Version.id == Document.current_version_id)
    return q


def count_versions(session: Session, doc_ids: Iterable[int] | None = None, latest_only: bool = False) -> int:
    """How many versions an export will write (for the progress bar)."""
    total = 0
    for chunk in _chunks(doc_ids):
        sub = _versions(session, chunk, latest_only).order_by(None).subquery()
        total += int(session.scalar(select(func.count()).select_from(sub)) or 0)
    return total


def version_records(
    session: Session, doc_ids: Iterable[int] | None = None, latest_only: bool = False
) -> Iterator[dict[str, Any]]:
    """One plain dict per version (metadata, text, hashes, capture time, URL), streamed."""
    rows = (
        row
        for chunk in _chunks(doc_ids)
        for row in session.execute(_versions(session, chunk, latest_only).execution_options(yield_per=BATCH))
    )
    for ver, url, current_id, fetched_at, raw_sha256 in rows:
        at = to_utc(fetched_at or ver.created_at)
        yield {
            "doc_id": ver.document_id, "version_id": ver.id, "seq": ver.seq, "current": ver.id == current_id,
            "url": url, **{f: getattr(ver, f) for f in META_FIELDS},
            "captured_at_utc": at.isoformat(), "captured_at_beijing": beijing(at).isoformat(),
            "text_sha256": ver.text_sha256, "raw_sha256": raw_sha256, "chars": len(ver.text), "text": ver.text,
        }  # fmt: skip


def csv_chunks(records: Iterable[dict[str, Any]], every: int = 100) -> Iterator[str]:
    """CSV text (header first, metadata only, no text) in chunks of ``every`` rows."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for i, rec in enumerate(records, 1):
        writer.writerow({k: _inert(v) for k, v in rec.items()})
        if i % every == 0:
            yield _drain(buf)
    yield _drain(buf)


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets
    a leading apostrophe: archived titles are untrusted (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def jsonl_chunks(records: Iterable[dict[str, Any]], every: int = 100) -> Iterator[str]:
    """One JSON object per line (UTF-8, Chinese kept readable), in chunks of ``every`` lines."""
    lines: list[str] = []
    for rec in records:
        lines.append(json.dumps(rec, ensure_ascii=False) + "\n")
        if len(lines) >= every:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text


def _counted(records: Iterable[dict[str, Any]], progress: Progress, seen: list[int]) -> Iterator[dict[str, Any]]:
    for rec in records:
        seen[0] += 1
        progress(1)
        yield rec


def write_csv(records: Iterable[dict[str, Any]], out: IO[str], progress: Progress = lambda n: None) -> int:
    """Metadata rows (no text) as CSV with a header; returns the number of rows."""
    seen = [0]
    for chunk in csv_chunks(_counted(records, progress, seen)):
        out.write(chunk)
    return seen[0]


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str], progress: Progress = lambda n: None) -> int:
    """One JSON object per line; returns the number of lines."""
    seen = [0]
    for chunk in jsonl_chunks(_counted(records, progress, seen)):
        out.write(chunk)
    return seen[0]


def warc_records(session: Session, warc_dir: Path, doc_ids: Iterable[int] | None) -> Iterator[tuple[int, bytes | None]]:
    """(capture id, its WARC response record byte for byte) for the captures of the documents (all
    when ``doc_ids`` is None); the record is None when its WARC file is missing."""
    for chunk in _chunks(doc_ids):
        yield from _warc_chunk(session, warc_dir, chunk)


def _warc_chunk(session: Session, warc_dir: Path, doc_ids: list[int] | None) -> Iterator[tuple[int, bytes | None]]:
    q = select(Capture.id, Capture.warc_file, Capture.warc_offset, Capture.warc_length).where(
        Capture.warc_file.is_not(None)
    )
    if doc_ids is not None:
        q = q.where(Capture.document_id.in_(doc_ids))
    for cap_id, name, offset, length in session.execute(q.order_by(Capture.id).execution_options(yield_per=BATCH)):
        try:
            yield cap_id, read_record(warc_dir, name, offset, length)
        except RecordMissing:
            yield cap_id, None
        except StoreError as exc:
            raise StoreError(f"capture {cap_id}: {exc}") from exc


def write_warc(
    session: Session, warc_dir: Path, doc_ids: Iterable[int] | None, out: IO[bytes],
    progress: Progress = lambda n: None,
) -> tuple[int, list[int]]:  # fmt: skip
    """Write :func:`warc_records` to ``out``; returns (records written, ids of captures whose WARC
    file is missing)."""
    written, missing = 0, []
    for cap_id, record in warc_records(session, warc_dir, doc_ids):
        if record is None:
            missing.append(cap_id)
            continue
        out.write(record)
        written += 1
        progress(1)
    return written, missing

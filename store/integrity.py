"""Integrity of the archive: re-hash what it stores and compare with what it recorded.

Every capture keeps its raw bytes (zstd), their SHA-256 and the place of its WARC response
record; every version keeps the SHA-256 of its text. :func:`verify` reads them all back in
chunks (constant memory) and reports each mismatch with the capture or version it concerns.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import zstandard
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from common.errors import StoreError
from store.models import Capture, Version

BATCH = 500
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """One mismatch: what (``capture`` or ``version``), its id, and what is wrong with it."""

    kind: str
    id: int
    message: str


@dataclass
class VerifyReport:
    """What :func:`verify` read and what it found."""

    captures: int = 0
    warc_records: int = 0
    versions: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems


def verify_total(session: Session, texts: bool = True) -> int:
    """How many captures (and, with ``texts``, versions) :func:`verify` will read (for a progress bar)."""
    captures = session.scalar(select(func.count()).select_from(Capture)) or 0
    versions = session.scalar(select(func.count()).select_from(Version)) or 0 if texts else 0
    return captures + versions


def verify(
    session: Session, warc_dir: Path, text_hash: Callable[[str], str] | None = None, progress: Progress = lambda n: None
) -> VerifyReport:
    """Re-hash every capture's stored bytes and its WARC response record against its ``raw_sha256``
    (a capture pointing to a missing file or past its end is a problem too), and, with
    ``text_hash`` (the function that made ``version.text_sha256``), every version's text."""
    report = VerifyReport()
    report.problems.extend(_captures(session, warc_dir, report, progress))
    if text_hash is not None:
        report.problems.extend(_versions(session, text_hash, report, progress))
    return report


def _captures(session: Session, warc_dir: Path, report: VerifyReport, progress: Progress) -> Iterator[Problem]:
    cols = (
        Capture.id, Capture.raw_zstd, Capture.raw_size, Capture.raw_sha256,
        Capture.warc_file, Capture.warc_offset, Capture.warc_length,
    )  # fmt: skip
    unzstd = zstandard.ZstdDecompressor()
    for cap_id, raw, size, sha, name, offset, length in session.execute(
        select(*cols).order_by(Capture.id).execution_options(yield_per=BATCH)
    ):
        report.captures += 1
        progress(1)
        body = b""
        if raw is not None:
            try:
                body = unzstd.decompress(raw)
            except zstandard.ZstdError as exc:
                yield Problem("capture", cap_id, f"stored bytes do not decompress: {exc}")
                continue
        if len(body) != size:
            yield Problem("capture", cap_id, f"stored bytes are {len(body)} long, recorded {size}")
        if sha is not None and hashlib.sha256(body).hexdigest() != sha:
            yield Problem("capture", cap_id, "stored bytes do not match their SHA-256")
        if name is not None:
            report.warc_records += 1
            problem = _warc_problem(warc_dir, name, offset, length, sha)
            if problem:
                yield Problem("capture", cap_id, problem)


class RecordMissing(StoreError):
    """A capture's WARC file is not there, or the capture names no record in it."""


def read_record(warc_dir: Path, name: str | None, offset: int | None, length: int | None) -> bytes:
    """The bytes of the WARC record ``name:offset+length`` under ``warc_dir``; RecordMissing when
    the file is missing or the reference incomplete, StoreError when the file ends before it."""
    path = warc_dir / Path(name or "-").name  # a bare file name: never a path from the database
    if not path.is_file():
        raise RecordMissing(f"WARC file {path} is missing")
    if offset is None or not length:
        raise RecordMissing(f"WARC reference to {path.name} has no offset/length")
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    if len(data) != length:
        raise StoreError(f"WARC file {path.name} ends before its record ({offset}+{length}); run verify")
    return data


def _warc_problem(warc_dir: Path, name: str, offset: int | None, length: int | None, sha: str | None) -> str | None:
    """What is wrong with the WARC response record at ``name:offset+length``, or None."""
    try:
        data = read_record(warc_dir, name, offset, length)
    except StoreError as exc:
        return str(exc).removesuffix("; run verify")
    path = warc_dir / Path(name).name
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        if record.rec_type != "response":
            return f"WARC record at {path.name}:{offset} is a {record.rec_type}, not a response"
        payload = record.raw_stream.read()
    except Exception as exc:  # warcio raises several kinds for damaged gzip or headers
        return f"WARC record at {path.name}:{offset} cannot be read: {exc}"
    if sha is not None and hashlib.sha256(payload).hexdigest() != sha:
        return f"WARC record at {path.name}:{offset} does not match the capture's SHA-256"
    return None


def _versions(
    session: Session, text_hash: Callable[[str], str], report: VerifyReport, progress: Progress
) -> Iterator[Problem]:
    q = select(Version.id, Version.text, Version.text_sha256).order_by(Version.id)
    for vid, text, sha in session.execute(q.execution_options(yield_per=BATCH)):
        report.versions += 1
        progress(1)
        if text_hash(text) != sha:
            yield Problem("version", vid, "text does not match its SHA-256")

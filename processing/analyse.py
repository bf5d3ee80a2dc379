"""Everything the archive derives from one response's bytes, in one pure call.

:func:`analyse` decodes, extracts and — for a document page — hashes, segments, tags and
signs the text. It is the CPU-heavy half of recording a fetch and needs nothing but its
arguments, so the crawler may run it in worker processes (``processing_workers``) while the
reactor thread keeps downloading and writing the archive.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from processing.decode import decode_html
from processing.extract import extract
from processing.match import fold
from processing.normalize import metadata_sha256, text_sha256, title_key
from processing.segment import default_segmenter
from processing.similarity import signature
from processing.tag import find_terms
from processing.types import Content, Extracted, PageKind

#: page kinds whose text becomes a version of a document
VERSIONED_KINDS = (PageKind.DOCUMENT, PageKind.UNKNOWN)
#: statuses whose body is read (a challenge page too, to recognise the wall)
READ_STATUSES = (200, 203, 403, 412, 521)


@dataclass(frozen=True)
class Analysis:
    """What one response's bytes yield: decoding facts, the extraction, and the document content
    (``None`` unless the page is a document with text)."""

    raw_sha256: str | None
    encoding: str | None = None
    encoding_reason: str | None = None
    replacements: int = 0
    extracted: Extracted | None = None
    content: Content | None = None
    same_bytes: bool = False  # byte-identical to the capture behind the current version: not analysed
    error: str | None = None  # why the page could not be analysed (it is archived raw)


def build_content(extracted: Extracted) -> Content:
    """Hashes, identity key, index text, keyword hits and MinHash sketch of an extracted document."""
    meta = extracted.metadata
    index_text = default_segmenter().index_text(" ".join(filter(None, [meta.title, meta.doc_number, extracted.text])))
    return Content(
        extracted=extracted,
        text_sha256=text_sha256(extracted.text),
        meta_sha256=metadata_sha256(meta),
        title_key=title_key(meta.title) if meta.title else None,
        index_text=index_text,
        hits=find_terms(extracted.text),
        sketch=signature(index_text.split()),
        search_text=search_text(meta.title, extracted.text),
    )


def search_text(title: str | None, text: str) -> str:
    """The folded title and text that search matches terms against (``processing.query``)."""
    return fold(f"{title or ''}\n{text}")


def is_versioned(extracted: Extracted) -> bool:
    """True when the page is a document whose text is archived as a version."""
    return extracted.kind in VERSIONED_KINDS and bool(extracted.text.strip())


def analyse(body: bytes, content_type: str | None, final_url: str, status: int) -> Analysis:
    """Decode and extract a response body; build the document content when it is one."""
    raw_sha256 = hashlib.sha256(body).hexdigest() if body else None
    if not body or status not in READ_STATUSES:
        return Analysis(raw_sha256)
    decoded = decode_html(body, content_type)
    extracted = extract(decoded.text, final_url, status)
    content = build_content(extracted) if status in (200, 203) and is_versioned(extracted) else None
    error = unreadable(decoded.replacements, len(body), extracted) if status in (200, 203) else None
    return Analysis(raw_sha256, decoded.encoding, decoded.reason, decoded.replacements, extracted, content, error=error)


def unreadable(replacements: int, size: int, extracted: Extracted) -> str | None:
    """Why a 200 page gave no text: binary junk or bytes no encoding reads (``None`` if it did)."""
    if extracted.kind is not PageKind.UNKNOWN or extracted.text.strip() or not replacements:
        return None
    return f"unreadable: {replacements} undecodable byte sequences in {size} bytes (binary or garbled); archived raw"


def warm_up() -> None:
    """Load the segmenter's dictionary (a worker process calls this once at start)."""
    default_segmenter().tokens("政策")

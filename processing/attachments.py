"""Text of downloaded attachments: PDF (pypdf) and DOCX (python-docx).

Never raises: corrupt, encrypted, oversized or unsupported input comes back as an
:class:`AttachmentText` with ``error`` set. A PDF with pages but no extractable text is flagged
``no_text_layer`` (scanned or "printed to PDF" documents) so it can be queued for OCR instead of
being stored as silently empty text.
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from processing.pagekind import is_blocked
from processing.verdict import Outcome, classify

FETCHED_TYPES: tuple[str, ...] = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "txt", "zip", "rar", "7z")
"""Attachment types fetched and archived by default (text is read from PDF and DOCX)."""
MAX_BYTES = 100 * 1024 * 1024
MAX_PAGES = 500
MAX_CHARS = 2_000_000
MAX_DOCX_UNCOMPRESSED = 300 * 1024 * 1024

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentText:
    """Text extracted from one attachment.

    ``pages`` is the page count for PDFs (``None`` for other types); ``no_text_layer`` is true for
    a PDF whose pages hold no extractable text; ``error`` says why extraction failed or stopped short.
    """

    text: str
    pages: int | None = None
    no_text_layer: bool = False
    error: str | None = None


def attachment_text(data: bytes, ext: str) -> AttachmentText:
    """Extract the text of an attachment given its bytes and file extension (``pdf``, ``.DOCX``...)."""
    kind = ext.lower().lstrip(".")
    if len(data) > MAX_BYTES:
        return AttachmentText("", error=f"too large: {len(data)} bytes (limit {MAX_BYTES})")
    if kind == "pdf":
        return _guarded(_pdf_text, data, "pdf")
    if kind == "docx":
        return _guarded(_docx_text, data, "docx")
    return AttachmentText("", error=f"unsupported type: {kind or '(none)'}")


def attachment_outcome(
    status: int, url: str, final_url: str, content_type: str | None, ext: str, body: bytes = b""
) -> Outcome:
    """Classify one fetch of an attachment like a page fetch: a bot-wall challenge is
    ``blocked``; another HTML page served where a file was linked ("文件不存在", a redirect to a
    column page) is a soft 404."""
    html = "html" in (content_type or "").lower()
    if is_blocked(status, body[:65536].decode("latin-1") if html else "", 0):
        return Outcome.BLOCKED
    outcome = classify(status, url, final_url, None)
    if outcome is Outcome.OK and html and ext.lower().lstrip(".") not in ("htm", "html", "shtml"):
        return Outcome.SOFT_404
    return outcome


def _guarded(extractor: Callable[[bytes], AttachmentText], data: bytes, kind: str) -> AttachmentText:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = extractor(data)
    except Exception as exc:  # third-party parsers raise anything on corrupt files
        _LOG.debug("cannot read %s attachment", kind, exc_info=True)
        return AttachmentText("", error=f"cannot read {kind}: {type(exc).__name__}: {exc}"[:500])
    return result


def _cap(parts: Iterator[str]) -> tuple[str, bool]:
    """Join ``parts`` with newlines, stopping at :data:`MAX_CHARS`; returns (text, truncated)."""
    kept: list[str] = []
    size = 0
    for part in parts:
        kept.append(part)
        size += len(part) + 1
        if size > MAX_CHARS:
            return "\n".join(kept)[:MAX_CHARS], True
    return "\n".join(kept), False


def _pdf_text(data: bytes) -> AttachmentText:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return AttachmentText("", error="encrypted pdf")
    total = len(reader.pages)
    count = min(total, MAX_PAGES)
    pages = (_page_text(reader.pages[index]) for index in range(count))
    text, truncated = _cap(page.strip() for page in pages)
    text = text.strip()
    error = None
    if total > MAX_PAGES:
        error = f"truncated: read {MAX_PAGES} of {total} pages"
    elif truncated:
        error = f"truncated at {MAX_CHARS} characters"
    return AttachmentText(text, pages=total, no_text_layer=total > 0 and not text, error=error)


def _page_text(page: Any) -> str:
    """A PDF page's text. pypdf's extract_text returns "" where a content stream exceeds its
    decompression limit (a PDF bomb); reading the stream again raises that error instead."""
    text: str = page.extract_text() or ""
    if not text.strip():
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    return text


def _docx_text(data: bytes) -> AttachmentText:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_DOCX_UNCOMPRESSED:
        return AttachmentText("", error=f"too large when unpacked: {unpacked} bytes")
    document = docx.Document(io.BytesIO(data))
    text, truncated = _cap(_docx_blocks(document))
    return AttachmentText(text.strip(), error=f"truncated at {MAX_CHARS} characters" if truncated else None)


def _docx_blocks(document: Any) -> Iterator[str]:
    """Paragraphs and table rows of a python-docx ``Document``, in body order."""
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text.strip()
            if text:
                yield text
        elif tag == "tbl":
            yield from _table_rows(Table(child, document))


def _table_rows(table: Any) -> Iterator[str]:
    """One tab-separated line per table row; a merged cell is read once."""
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            text = cell.text.strip()
            if text and cell._tc is not previous:
                cells.append(text)
            previous = cell._tc
        if cells:
            yield "\t".join(cells)

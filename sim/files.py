"""Deterministic attachment bytes: a small PDF with a Chinese text layer and a DOCX.

The PDF uses the non-embedded Adobe CJK font ``STSong-Light`` with the ``UniGB-UCS2-H``
encoding (every character is its UCS-2 code) and a ``ToUnicode`` CMap, so text extractors
(pypdf, pdfminer) recover the Chinese text. The DOCX is written by python-docx and then
re-zipped with fixed timestamps so the same input always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

import docx

_CHARS_PER_LINE = 36
_LINES_PER_PAGE = 46
_FONT_SIZE = 12
_LEADING = 16


def _wrap(paragraphs: Sequence[str]) -> list[str]:
    lines: list[str] = []
    for para in paragraphs:
        text = "".join(ch for ch in para if ord(ch) <= 0xFFFF and ch.isprintable())
        if not text:
            lines.append("")
            continue
        for start in range(0, len(text), _CHARS_PER_LINE):
            lines.append(text[start : start + _CHARS_PER_LINE])
    return lines


def _hex(line: str) -> str:
    return "".join(f"{ord(ch):04X}" for ch in line)


def _to_unicode_cmap(codes: Sequence[int]) -> bytes:
    parts = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for start in range(0, len(codes), 100):
        chunk = codes[start : start + 100]
        parts.append(f"{len(chunk)} beginbfchar")
        parts.extend(f"<{c:04X}> <{c:04X}>" for c in chunk)
        parts.append("endbfchar")
    parts += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(parts).encode("ascii")


def _pdf_date(when: datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+08'00'")


def make_pdf(title: str, paragraphs: Sequence[str], when: datetime) -> bytes:
    """A valid PDF (A4 pages) whose text layer holds ``title`` and ``paragraphs``."""
    lines = _wrap([title, "", *paragraphs])
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)] or [[]]
    codes = sorted({ord(ch) for line in lines for ch in line})
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        """Append a PDF object and return its number."""
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled below
    pages_obj = add(b"")
    cmap = _to_unicode_cmap(codes)
    cmap_obj = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
    )
    cid_font = add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
        b" /FontDescriptor %d 0 R /DW 1000 >>" % descriptor
    )
    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, cmap_obj)
    )
    kids: list[int] = []
    for page_lines in pages:
        ops = [f"BT /F1 {_FONT_SIZE} Tf {_LEADING} TL 60 780 Td"]
        for line in page_lines:
            ops.append(f"<{_hex(line)}> Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("ascii")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842]"
                b" /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_obj, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    kid_refs = " ".join(f"{k} 0 R" for k in kids).encode("ascii")
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [" + kid_refs + b"] /Count %d >>" % len(kids)
    stamp = _pdf_date(when).encode("ascii")
    info = add(b"<< /Producer (policywatch sim) /CreationDate (" + stamp + b") /ModDate (" + stamp + b") >>")

    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, info, xref)
    )
    return out.getvalue()


_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps and attributes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for member in src.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(member.filename))
    return out.getvalue()


def make_docx(title: str, paragraphs: Sequence[str], when: datetime) -> bytes:
    """A DOCX (policy interpretation plus a feedback table) with stable bytes."""
    document = docx.Document()
    props = document.core_properties
    naive = when.replace(tzinfo=None)
    props.author = "policywatch sim"
    props.last_modified_by = "policywatch sim"
    props.title = title
    props.created = naive
    props.modified = naive
    props.revision = 1
    document.add_heading(f"《{title}》政策解读", level=1)
    for para in paragraphs:
        document.add_paragraph(para)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("单位名称", "意见建议", "联系电话"), strict=True):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())

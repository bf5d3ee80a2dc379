"""Attachment text: DOCX and PDF built in memory, empty PDFs, corrupt and unsupported input."""

import io

import docx
import pytest

from processing import attachments
from processing.attachments import AttachmentText, attachment_text

TEXT_STREAM = b"BT /F1 12 Tf 72 720 Td (Policy attachment 2021) Tj ET"


def build_pdf(page_streams: list[bytes]) -> bytes:
    """A minimal valid PDF: one Helvetica font, one content stream per page, exact xref offsets."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    next_id = 4
    for stream in page_streams:
        page_id, content_id = next_id, next_id + 1
        next_id += 2
        kids.append(page_id)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        objects[content_id] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    kid_refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kid_refs, len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at)
    return bytes(out)


def build_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("关于印发实施方案的通知")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "索引号"
    table.cell(0, 1).text = "000014349/2019-00005"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "附表说明"
    document.add_paragraph("")
    document.add_paragraph("（此件公开发布）")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_pdf_text_is_extracted():
    result = attachment_text(build_pdf([TEXT_STREAM]), "pdf")
    assert result == AttachmentText("Policy attachment 2021", pages=1, no_text_layer=False, error=None)


def test_pdf_pages_are_joined_in_order():
    second = b"BT /F1 12 Tf 72 720 Td (Second page) Tj ET"
    result = attachment_text(build_pdf([TEXT_STREAM, second]), ".PDF")
    assert result.text == "Policy attachment 2021\nSecond page"
    assert result.pages == 2


def test_pdf_without_text_layer_is_flagged():
    result = attachment_text(build_pdf([b""]), "pdf")
    assert result == AttachmentText("", pages=1, no_text_layer=True, error=None)


def test_pdf_page_cap(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PAGES", 1)
    result = attachment_text(build_pdf([TEXT_STREAM, b"BT /F1 12 Tf 72 720 Td (Hidden) Tj ET"]), "pdf")
    assert result.text == "Policy attachment 2021"
    assert result.pages == 2
    assert result.error == "truncated: read 1 of 2 pages"


def test_text_length_cap(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_CHARS", 10)
    result = attachment_text(build_pdf([TEXT_STREAM]), "pdf")
    assert result.text == "Policy att"
    assert result.error == "truncated at 10 characters"


def test_docx_paragraphs_and_table_cells():
    result = attachment_text(build_docx(), "docx")
    assert result.error is None
    assert result.pages is None
    assert result.text == "关于印发实施方案的通知\n索引号\t000014349/2019-00005\n附表说明\n（此件公开发布）"


@pytest.mark.parametrize(
    ("data", "ext", "error_start"),
    [
        (b"%PDF-1.4\nthis is not really a pdf", "pdf", "cannot read pdf:"),
        (b"", "pdf", "cannot read pdf:"),
        (b"PK\x03\x04 broken zip", "docx", "cannot read docx:"),
        (b"not a zip at all", "DOCX", "cannot read docx:"),
    ],
)
def test_corrupt_input_gives_an_error_not_an_exception(data, ext, error_start):
    result = attachment_text(data, ext)
    assert result.text == ""
    assert result.error is not None
    assert result.error.startswith(error_start)


def test_truncated_pdf_gives_an_error():
    data = build_pdf([TEXT_STREAM])
    result = attachment_text(data[: len(data) // 2], "pdf")
    assert result.text == ""
    assert result.error is not None and result.error.startswith("cannot read pdf:")


@pytest.mark.parametrize("ext", ["doc", "wps", "xls", "ofd", "zip", ""])
def test_unsupported_types(ext):
    result = attachment_text(b"\xd0\xcf\x11\xe0 ole bytes", ext)
    assert result.text == ""
    assert result.error == f"unsupported type: {ext or '(none)'}"


def test_oversized_input_is_refused(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_BYTES", 10)
    result = attachment_text(build_pdf([TEXT_STREAM]), "pdf")
    assert result.text == ""
    assert result.error is not None and result.error.startswith("too large")


def test_docx_zip_bomb_guard(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_DOCX_UNCOMPRESSED", 100)
    result = attachment_text(build_docx(), "docx")
    assert result.text == ""
    assert result.error is not None and result.error.startswith("too large when unpacked")

"""The pure side of hostile input (the crawl side is tests/crawlers/test_hostile.py): mixed
encodings, nesting past libxml2's depth limit, binary junk, encoded surrogates and a PDF bomb."""

from __future__ import annotations

import random

from processing.analyse import analyse
from processing.attachments import attachment_text
from processing.decode import decode_html
from processing.html_text import parse_html, text_content
from sim.hostile import pdf_bomb

PARAS = ["为深入贯彻落实党中央、国务院决策部署，现就有关事项通知如下。", "各地区各部门要结合实际认真贯彻执行。"]


def _page(*parts: bytes) -> bytes:
    head = b'<html><head><meta charset="utf-8"><title>\xe9\x80\x9a\xe7\x9f\xa5</title></head><body>'
    return head + b"".join(parts) + b"</body></html>"


def test_gbk_paragraphs_inside_a_utf8_page_are_read_as_gbk():
    body = _page(f"<p>{PARAS[0]}</p>".encode(), f"<p>{PARAS[1]}</p>".encode("gbk"))
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded.reason.endswith("mixed:utf-8+gb18030") and decoded.replacements == 0
    assert PARAS[0] in decoded.text and PARAS[1] in decoded.text


def test_mixed_reading_is_refused_when_the_invalid_stretches_are_not_chinese():
    rng = random.Random(3)
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(400))  # decodes as GB18030, but to rare characters
    decoded = decode_html(_page(f"<p>{PARAS[0]}</p>".encode(), b"<p>" + junk + b"</p>"), "text/html; charset=utf-8")
    assert "mixed" not in decoded.reason


def test_nesting_deeper_than_libxml2_allows_keeps_every_paragraph():
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    for html in (
        "<html><body>" + "<div>" * 10_000 + paras + "</div>" * 10_000 + "</body></html>",
        "<html><body>" + "<table><tr><td>" * 3_000 + paras + "</td></tr></table>" * 3_000 + "</body></html>",
    ):
        root = parse_html(html)
        assert root is not None
        text = text_content(root)
        assert all(p in text for p in PARAS), text[:200]


def test_binary_junk_is_an_unreadable_capture_not_a_version():
    junk = random.Random(7).randbytes(50_000)
    result = analyse(junk, "text/html", "http://www.example.gov.cn/a.html", 200)
    assert result.content is None and result.error is not None and result.error.startswith("unreadable: ")
    assert analyse(_page(f"<p>{PARAS[0]}</p>".encode()), "text/html", "http://x.gov.cn/a.html", 200).error is None


def test_encoded_surrogates_become_replacement_characters_and_the_page_stays_a_document():
    paras = "".join(f"<p>{p}</p>" for p in PARAS * 8).encode().replace("。".encode(), "。".encode() + b"\xed\xa0\x80")
    result = analyse(_page(paras), "text/html; charset=utf-8", "http://www.example.gov.cn/a.html", 200)
    assert result.content is not None and result.error is None
    text = result.content.extracted.text
    assert PARAS[1] in text and "\ufffd" in text and text.encode("utf-8")  # strict: no lone surrogate


def test_a_pdf_bomb_is_an_error_not_an_empty_scan():
    result = attachment_text(pdf_bomb(), "pdf")
    assert result.text == "" and not result.no_text_layer
    assert result.error is not None and result.error.startswith("cannot read pdf: LimitReachedError")


def test_metadata_fits_the_archive_columns_however_long_the_page_says_it_is():
    """有效性 is a 40-character column and the normalised 文号 an indexed 200-character one (PostgreSQL
    refuses longer values, which would lose the capture): longer values are not metadata."""
    from processing.extract import extract

    html = (
        "<html><body><table><tr><td>有效性：</td><td>" + "有效" * 30 + "</td></tr>"
        "<tr><td>发文字号：</td><td>国发〔2024〕"
        + "\ufdfa" * 60
        + "1号</td></tr></table>"
        + "".join(f"<p>{p}</p>" for p in PARAS * 5)
        + "</body></html>"
    )
    meta = extract(html, "http://www.example.gov.cn/a.html").metadata
    assert meta.validity is None and meta.doc_number is None and meta.doc_number_norm is None
    ok = extract(html.replace("有效" * 30, "部分失效").replace("\ufdfa" * 60, ""), "http://www.example.gov.cn/a.html")
    assert ok.metadata.validity == "部分失效" and ok.metadata.doc_number_norm == "国发〔2024〕1号"

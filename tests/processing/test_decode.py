"""Decoding raw bytes: BOM > HTTP charset > meta > detection > UTF-8/GB18030, wrong labels rejected."""

import codecs
import json
import os
from pathlib import Path

import pytest

from processing.decode import decode_html, decode_text_bytes, looks_garbled, normalize_label

CORPUS = Path(
    os.environ.get("POLICYWATCH_CORPUS_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "corpus")
)
PAGES = CORPUS / "pages"
NEEDS_CORPUS = pytest.mark.skipif(not (PAGES / "truth.jsonl").is_file(), reason="shared corpus absent")

TEXT = "国务院关于印发国家职业教育改革实施方案的通知。发布日期：2019年01月27日，来源：湘潭日报·新湘潭客户端"


def _page(charset_decl: str = "") -> str:
    meta = f'<meta charset="{charset_decl}">' if charset_decl else ""
    return f"<html><head>{meta}<title>测试</title></head><body><p>{TEXT}</p></body></html>"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("gb_2312-80", "gb18030"),
        ("x-gbk", "gb18030"),
        ("GB18030", "gb18030"),
        ("utf8", "utf-8"),
        ("UTF-8", "utf-8"),
        ("unicode", "utf-16"),
        ("iso-8859-1", "cp1252"),
        ("no-such-charset", None),
    ],
)
def test_normalize_label(label, codec):
    assert normalize_label(label) == codec


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_wins_over_header_and_meta(bom, codec):
    body = bom + _page("gb2312").encode(codec)
    decoded = decode_html(body, "text/html; charset=gbk")
    assert decoded.text == _page("gb2312")
    assert decoded.encoding == codec
    assert decoded.reason.startswith("bom")
    assert decoded.replacements == 0


def test_http_header_charset_is_used():
    decoded = decode_html(_page().encode("gbk"), "text/html; charset=GB2312")
    assert decoded.text == _page()
    assert decoded.encoding == "gb18030"
    assert decoded.reason == "http-header:gb18030"


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="gbk">',
        "<meta charset=gb2312>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=GBK'>",
    ],
)
def test_meta_charset_in_first_4kb(head):
    html = f"<html><head>{head}</head><body><p>{TEXT}</p></body></html>"
    decoded = decode_html(html.encode("gbk"))
    assert decoded.text == html
    assert decoded.encoding == "gb18030"
    assert decoded.reason == "meta:gb18030"


def test_gb18030_decodes_characters_outside_gb2312():
    html = _page("gb2312") + "<p>镕 堃 喆 ·—</p>"  # rare name characters, middle dot, em dash
    decoded = decode_html(html.encode("gb18030"))
    assert decoded.text == html
    assert decoded.replacements == 0


def test_utf8_bytes_declared_gb2312_are_recognised_as_wrong():
    decoded = decode_html(_page("gb2312").encode("utf-8"))
    assert decoded.text == _page("gb2312")
    assert decoded.encoding == "utf-8"
    assert "wrong" in decoded.reason
    assert decoded.reason.startswith("meta:gb2312 wrong")


def test_gbk_bytes_declared_utf8_in_header_fall_back():
    decoded = decode_html(_page().encode("gbk"), "text/html; charset=utf-8")
    assert decoded.text == _page()
    assert decoded.encoding == "gb18030"
    assert "http-header:utf-8 wrong" in decoded.reason
    assert decoded.replacements == 0


TRADITIONAL = "中華人民共和國國務院關於進一步加強政府網站管理的通知。各省、自治區、直轄市人民政府：" * 5


def test_big5_bytes_declared_gbk_are_rejected_for_rare_characters():
    html = f"<p>{TRADITIONAL}</p>"
    decoded = decode_html(html.encode("big5"), "text/html; charset=gbk")
    assert decoded.text == html
    assert decoded.reason.startswith("http-header:gbk wrong")


def test_traditional_characters_in_gbk_are_not_taken_for_mojibake():
    html = f"<p>{TRADITIONAL}</p>"
    decoded = decode_html(html.encode("gbk"), "text/html; charset=gbk")
    assert (decoded.text, decoded.reason) == (html, "http-header:gb18030")


def test_latin1_header_on_chinese_page_is_rejected():
    decoded = decode_html(_page().encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert decoded.text == _page()
    assert "wrong" in decoded.reason


def test_undeclared_gbk_is_detected():
    decoded = decode_html(_page().encode("gbk"))
    assert decoded.text == _page()
    assert decoded.encoding == "gb18030"
    assert decoded.replacements == 0


@pytest.mark.parametrize("snippet", ["发布日期：2019年01月27日", "中文", "国务院办公厅"])
def test_short_undeclared_gbk_is_not_taken_for_big5_or_korean(snippet):
    decoded = decode_html(f"<p>{snippet}</p>".encode("gbk"))
    assert decoded.text == f"<p>{snippet}</p>"


def test_undeclared_utf16_without_bom_is_sniffed():
    decoded = decode_html(_page().encode("utf-16-le"))
    assert decoded.text == _page()
    assert decoded.encoding == "utf-16-le"


def test_undeclared_utf8():
    decoded = decode_html(_page().encode("utf-8"))
    assert (decoded.text, decoded.encoding, decoded.replacements) == (_page(), "utf-8", 0)


def test_literal_replacement_characters_in_valid_utf8_are_not_errors():
    html = '<meta charset="utf-8"><style>/* 1200瀹\ufffd */</style><p>正文</p>'
    decoded = decode_html(html.encode("utf-8"))
    assert decoded.text == html
    assert decoded.reason == "meta:utf-8"
    assert decoded.replacements == 0


def test_every_wrong_declaration_is_recorded():
    body = b'<meta charset="utf-8"><p>\xe5\x9b\xbd\xff\xfe\xe5</p>'
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded.reason.startswith("http-header:utf-8 wrong; meta:utf-8 wrong; ")
    assert decoded.replacements == 0
    assert "\ufffd" not in decoded.text


def test_undecodable_bytes_are_replaced_and_counted():
    decoded = decode_html(b"\x81\x30\x81\x30\x80\xff\xff" * 3)
    assert decoded.replacements > 0
    assert decoded.text.count("\ufffd") == decoded.replacements
    assert decoded.reason.endswith("+replaced")


def test_broken_bom_payload_counts_replacements():
    decoded = decode_html(codecs.BOM_UTF8 + b"<p>\xff\xfe\xfd</p>")
    assert decoded.replacements == 3
    assert decoded.text == "<p>\ufffd\ufffd\ufffd</p>"
    assert "replaced" in decoded.reason


def test_empty_body():
    decoded = decode_html(b"")
    assert (decoded.text, decoded.replacements) == ("", 0)


def test_looks_garbled_flags_utf8_read_as_gbk():
    mojibake = TEXT.encode("utf-8").decode("gb18030", errors="replace")
    assert looks_garbled(mojibake, "gb18030")
    assert not looks_garbled(TEXT, "gb18030")
    assert looks_garbled("锟斤拷锟斤拷", "gb18030")


@pytest.mark.parametrize("codec", ["utf-8", "gbk", "utf-16"])
def test_decode_text_bytes(codec):
    decoded = decode_text_bytes(TEXT.encode(codec))
    assert decoded.text == TEXT
    assert decoded.replacements == 0


@NEEDS_CORPUS
def test_corpus_pages_decode_without_replacements():
    rows = [json.loads(line) for line in (PAGES / "truth.jsonl").read_text("utf-8").splitlines() if line]
    for row in rows:
        decoded = decode_html((PAGES / row["file"]).read_bytes())
        assert decoded.replacements == 0, row["file"]
        for key in ("title", "index_number", "doc_number", "source"):
            if row[key]:
                assert row[key] in decoded.text, (row["file"], key)


@NEEDS_CORPUS
@pytest.mark.parametrize(
    ("prefix", "encoding", "reason_start"),
    [
        ("45_", "gb18030", "meta:gb18030"),
        ("46_", "utf-8", "meta:gb2312 wrong"),
        ("47_", "utf-8", "bom:utf-8"),
        ("48_", "utf-16-le", "bom:utf-16-le"),
        ("49_", "utf-16-le", "bom:utf-16-le"),
    ],
)
def test_encoding_trap_set(prefix, encoding, reason_start):
    path = next(PAGES.glob(prefix + "*.html"))
    decoded = decode_html(path.read_bytes())
    assert decoded.encoding == encoding
    assert decoded.reason.startswith(reason_start)
    assert decoded.replacements == 0
    assert "\ufffd" not in decoded.text
    if prefix != "49_":
        assert "“从齐白石故乡吹来的风”书画展亮相澳门" in decoded.text
        assert "湘潭日报·新湘潭客户端" in decoded.text  # U+00B7, not U+30FB from the gb2312 codec
    else:
        assert "山东开展学雷锋志愿服务活动" in decoded.text


@NEEDS_CORPUS
def test_xiangtan_page_in_four_encodings_decodes_identically():
    texts = {decode_html(path.read_bytes()).text for path in sorted(PAGES.glob("4[5-8]_*.html"))}
    assert len(texts) == 1

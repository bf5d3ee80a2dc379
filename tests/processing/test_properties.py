"""Property-based tests (hypothesis) of the pure processing layer: decode, extract, analyse, normalize, dates,
xxgk values, segment, diff, attachments; each property is a contract the module under test states. CI example
counts are modest: ``POLICYWATCH_FUZZ_EXAMPLES=N`` runs every property with N (``bench/fuzz.py`` does). Strict
Each ``@example`` is a minimal input of a bug fuzzing found (fixed since)."""

from __future__ import annotations

import encodings.aliases
import hashlib
import io
import logging
import os
import re
import string
import unittest
import warnings
import zipfile
from collections.abc import Callable
from datetime import date
from itertools import pairwise
from pathlib import Path

import docx
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from processing.analyse import READ_STATUSES, analyse
from processing.attachments import AttachmentText, attachment_text
from processing.dates import is_date_line, parse_date
from processing.decode import _MOJIBAKE_MARKERS, decode_html, decode_text_bytes, normalize_label
from processing.diff import diff_tokens, word_diff
from processing.extract import extract
from processing.normalize import _VARIANTS, comparison_form, metadata_sha256, normalize_doc_number, text_sha256
from processing.segment import default_segmenter
from processing.types import Metadata, PageKind, TextDiff
from processing.xxgk import DATE_FIELDS, clean_value

CI_EXAMPLES: dict[str, int] = {}  # CI example count per property (bench/fuzz.py reads it for its ratio)
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.large_base_example]


def fuzz(examples: int) -> Callable:
    """Hypothesis settings for one property: ``examples`` in CI, ``$POLICYWATCH_FUZZ_EXAMPLES`` when set."""

    def apply(test: Callable) -> Callable:
        CI_EXAMPLES[test.__name__] = examples
        count = int(os.environ.get("POLICYWATCH_FUZZ_EXAMPLES") or examples)
        return settings(max_examples=count, deadline=None, database=None, suppress_health_check=_SLOW)(test)

    return apply


# GB2312 level-1 hanzi (what decode.common_hanzi_ratio counts as everyday) minus the 涓/浜 mojibake markers
_LEVEL1 = "".join(bytes((hi, lo)).decode("gb2312", "ignore") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF))
HANZI = "".join(sorted(set(_LEVEL1) - set("".join(_MOJIBAKE_MARKERS))))
PUNCT = "，。、；：？！“”‘’（）《》〔〕【】…"  # GB2312 rows A1/A3: "common" for the decoder too
ASCII = string.ascii_letters + string.digits + string.punctuation + " "
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # what extract promises to drop (+surrogates)
URL = "http://www.gov.cn/zhengce/a.htm"
SURROGATE_RE = re.compile("[\ud800-\udfff]")  # a lone surrogate: the text cannot be encoded to UTF-8

chinese = st.text(st.sampled_from(HANZI + PUNCT + ASCII + "\n"), max_size=120)
any_text = st.one_of(st.text(max_size=120), chinese)  # every code point but lone surrogates
surrogate = st.integers(0xD800, 0xDFFF).map(chr)

ENCODINGS = ["utf-8", "gb18030", "utf-16-le", "big5", "cp1252"]
# Python codecs a hostile page may name: they raise or yield lone surrogates, so decode must refuse them
PYTHON_ONLY = {"undefined", "idna", "punycode", "utf-7", "unicode-escape", "raw-unicode-escape"}
ALL_LABELS = sorted({*encodings.aliases.aliases, *encodings.aliases.aliases.values(), *PYTHON_ONLY})
WEB_LABELS = "utf-8 utf8 gbk GB2312 gb18030 big5 shift_jis euc-kr iso-8859-1 windows-1252 utf-16 utf-32 unicode bogus"
labels = st.one_of(
    st.sampled_from(WEB_LABELS.split()), st.sampled_from(ALL_LABELS), st.from_regex(r"[\w.:-]{0,12}", fullmatch=True)
)


def fragments(label: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Hostile byte fragments: BOMs, NULs, CESU surrogates, GBK/UTF-8/UTF-16 text, charset declarations."""
    return st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00", b"\xef\xbf\xbd"]),
        surrogate.map(lambda c: c.encode("utf-8", "surrogatepass")),
        st.builds(str.encode, chinese, st.sampled_from(ENCODINGS), st.just("replace")),
        label.map(lambda lab: f'<meta charset="{lab}">'.encode()),
        label.map(lambda lab: f'<meta http-equiv="Content-Type" content="text/html; charset={lab}">'.encode()),
        label.map(lambda lab: f"<?xml version='1.0' encoding='{lab}'?>".encode()),
    )


hostile_bytes = st.one_of(st.binary(max_size=3000), st.lists(fragments(labels), max_size=30).map(b"".join))
content_types = st.one_of(st.none(), st.just("text/html"), labels.map(lambda lab: f"text/html; charset={lab}"))


@fuzz(150)
@given(hostile_bytes, content_types)
def test_decode_never_raises_and_gives_valid_unicode(body, content_type):
    for got in (decode_html(body, content_type), decode_text_bytes(body)):
        assert not SURROGATE_RE.search(got.text) and got.replacements >= 0 and got.encoding and got.reason


@fuzz(100)
@given(chinese, st.sampled_from(["utf-8", "gb18030"]), st.sampled_from([None, "meta", "header"]))
def test_utf8_and_gb18030_chinese_round_trips(text, codec, declared):
    """Everyday Chinese decodes to what was encoded. Not promised (assumed away): a non-UTF-8 label loses to valid
    UTF-8 bytes, and undeclared GB18030 needs a sample for detection (a lone 个 reads as Big5 跺)."""
    page = f"<html><head></head><body>{text}</body></html>"
    if declared == "meta":
        page = page.replace("<head>", f'<head><meta charset="{"gb2312" if codec == "gb18030" else codec}">')
    body = page.encode(codec)
    assume(codec == "utf-8" or body.isascii() or body.decode("utf-8", "ignore").encode() != body)
    assume(codec == "utf-8" or declared or sum(char in HANZI for char in text) >= 8)
    assert decode_html(body, f"text/html; charset={codec}" if declared == "header" else None).text == page
    assert decode_text_bytes(text.encode("utf-8")).text == text


@fuzz(40)
@example(b'<meta charset="undefined">x')
@example(b'<meta charset="utf-7">+2AA-')
@given(st.lists(fragments(st.sampled_from(ALL_LABELS)), min_size=1, max_size=10).map(b"".join))
def test_any_declared_label_is_safe(body):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # unicode-escape warns on invalid escapes
        assert not SURROGATE_RE.search(decode_html(body).text)
        analyse(body, None, URL, 200)


BITS = [
    "发文字号：国发〔2019〕4号", "成文日期：2019年01月27日", "索引号：000014349/2019-00021", "标题：关于印发的通知",
    "发布日期：2024-03-05", "国务院办公厅", "二〇二四年三月五日", "第一条", "来源：", "&nbsp;", "&#0;", "&#xD800;",
    "&#x110000;", "<!--", "-->", "<![CDATA[", "<?xml version='1.0'?>", "\x00", "\x1b[31m", "\u202e", "\ufeff", "<",
    "title", "xxgk", "display:none", "ArticleTitle", "PubDate", "/a.pdf", "附件：", "javascript:", "</", "'", '"',
]  # fmt: skip
bit = st.one_of(st.sampled_from(BITS), st.text(max_size=30), surrogate, chinese)
TAGS = ("html", "head", "body", "title", "meta", "div", "p", "span", "table", "tr", "td", "h1", "h2", "ul", "li", "a")
tag = st.sampled_from([*TAGS, "br", "script", "style", "b", "iframe"])
attr = st.sampled_from(["class", "id", "style", "href", "name", "content", "hidden", "charset"])
soup_piece = st.one_of(
    st.builds("<{} {}='{}'>".format, tag, attr, bit), tag.map("<{}>".format), tag.map("</{}>".format), bit
)
tag_soup = st.lists(soup_piece, max_size=60).map("".join)
deep = st.builds(lambda t, n, inner: f"<{t}>" * n + inner + f"</{t}>" * n, tag, st.integers(0, 3000), tag_soup)
PAGE = (
    "<html><head><title>{}</title><meta name='ArticleTitle' content='{}'><meta name='PubDate' content='{}'>"
    "</head><body><div class='xxgk'><table><tr><td>发文字号</td><td>{}</td><td>成文日期</td><td>{}</td></tr>"
    "<tr><td>标题</td><td>{}</td></tr></table></div><div class='content'><h1>{}</h1><p>{}</p>{}</div></body></html>"
)
page_like = st.lists(bit, min_size=8, max_size=8).flatmap(lambda b: tag_soup.map(lambda s: PAGE.format(*b, s)))
html_inputs = st.one_of(tag_soup, deep, page_like, st.text(max_size=500))
response_bodies = st.one_of(hostile_bytes, html_inputs.map(lambda h: h.encode("utf-8", "surrogatepass")))


def check_extracted(ex) -> None:
    """The contract of an Extracted: text without NUL/controls/surrogates, fields str or None, ISO dates."""
    assert isinstance(ex.kind, PageKind) and not CONTROL_RE.search(ex.text)
    values = ex.metadata.as_dict()
    assert all(v is None or (isinstance(v, str) and not CONTROL_RE.search(v)) for v in values.values())
    assert all(date.fromisoformat(v).isoformat() == v for k, v in values.items() if k.endswith("_date") and v)
    assert (values["doc_number"] is None) == (values["doc_number_norm"] is None)


@fuzz(150)
@given(html_inputs, st.sampled_from([200, 404, 412, 521]))
def test_extract_never_raises_on_tag_soup(html, status):
    check_extracted(extract(html, URL, status))


@fuzz(60)
@example("<p>正文</p><div>发布日期：2024-03-05</div>\x0c正文")
@example("<html><head><title>\x01</title></head><body><p>正文</p></body></html>")
@given(html_inputs)
def test_control_characters_cost_no_content(html):
    """extract's catch-all (it logs a warning) is never needed, and a missing value is None, never ''."""
    with unittest.TestCase().assertNoLogs("processing.extract", logging.WARNING):
        ex = extract(html, URL)
    assert all(value is None or value for value in ex.metadata.as_dict().values())


@fuzz(100)
@given(response_bodies, content_types, st.sampled_from([*READ_STATUSES, 404]))
def test_analyse_never_raises(body, content_type, status):
    result = analyse(body, content_type, URL, status)
    assert result.raw_sha256 == (hashlib.sha256(body).hexdigest() if body else None)
    assert (result.extracted is None) == (not body or status not in READ_STATUSES)
    if result.extracted is not None:
        check_extracted(result.extracted)
    if result.content is not None:
        assert result.content.text_sha256 == text_sha256(result.extracted.text)
        assert not SURROGATE_RE.search(result.content.index_text) and "\x00" not in result.content.search_text


FOLDS: dict[str, list[str]] = {c: [c, chr(ord(c) + 0xFEE0)] for c in ASCII.strip()}  # full-width ASCII
for _source, _target in sorted(_VARIANTS.items()):
    FOLDS.setdefault(_target, [_target]).append(chr(_source))
fold_base = st.text(st.sampled_from(HANZI[:200] + PUNCT + ASCII + "\n·"), max_size=80)


@st.composite
def folded(draw, base: str) -> str:
    """``base`` rewritten as comparison_form folds: width, quote/dash variants, zero-width, whitespace, lines."""
    out = [draw(st.sampled_from(["", "\n", " \n\u3000"]))]
    for i, char in enumerate(base):
        if char == " ":
            drop = any(c in HANZI for c in base[max(0, i - 1) : i + 2]) and draw(st.booleans())
            out.append("" if drop else draw(st.sampled_from([" ", "\t", "\u3000", "\xa0", "\u2003", " \u3000 "])))
        elif char == "\n":
            out.append(draw(st.sampled_from(["\n", "\r\n", "\r", " \n", "\n\u3000", "\n\n", "\n \n"])))
        else:
            out.append(draw(st.sampled_from(FOLDS.get(char, [char]))))
        out.append(draw(st.sampled_from(["", "", "", *"\u200b\u200c\u200d\u2060\ufeff\u00ad"])))
    return "".join(out)


@fuzz(300)
@given(st.one_of(any_text, fold_base).flatmap(lambda base: st.tuples(st.just(base), folded(base))))
def test_comparison_form_is_idempotent_and_folds_only_formatting(pair):
    base, variant = pair
    assert comparison_form(comparison_form(base)) == comparison_form(base)
    assert comparison_form(variant) == comparison_form(base) and text_sha256(variant) == text_sha256(base)
    assert metadata_sha256(Metadata(title=variant)) == metadata_sha256(Metadata(title=base))
    assert metadata_sha256(Metadata(title=base)) != metadata_sha256(Metadata(title=None))  # None stays distinct
    assert text_sha256(variant + "甲") != text_sha256(base + "乙")  # a changed hanzi is a change


def test_every_variant_in_the_fold_table_folds():  # the table is finite: checked whole, not sampled
    assert [chr(k) for k, v in _VARIANTS.items() if comparison_form(f"甲{chr(k)}乙") != f"甲{v}乙"] == []


WIDE_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
space = st.sampled_from(["", " ", "\u3000", "\xa0", "\u200b"])
doc_number_parts = st.tuples(
    st.text(st.sampled_from(HANZI[:300]), min_size=1, max_size=6), st.integers(1949, 2099), st.integers(1, 9999),
    st.sampled_from("[(（〔【﹝［〖<《"), st.sampled_from("])）〕】﹞］〗>》"), st.booleans(), space, space, space,
)  # fmt: skip


@fuzz(200)
@given(doc_number_parts)
def test_doc_numbers_in_every_bracket_style_normalise_alike(parts):
    agency, year, number, opening, closing, wide, s1, s2, s3 = parts
    printed = f"{agency}{s1}{opening}{s2}{year}{s2}{closing}{s3}{number}{s1}号"
    normal = normalize_doc_number(printed.translate(WIDE_DIGITS) if wide else printed)
    assert normal == f"{agency}〔{year}〕{number}号" == normalize_doc_number(normal)


@fuzz(150)
@example("(0 000)")
@example("t¨")
@given(st.one_of(any_text, st.text(st.sampled_from("国发〔〕[]()（）【】﹝﹞0123456789０１２ 　号\u200b"))))
def test_normalize_doc_number_is_idempotent(text):
    assert normalize_doc_number(normalize_doc_number(text)) == normalize_doc_number(text)


CN = "〇一二三四五六七八九"
NO_DATE = st.text(st.sampled_from(sorted(set(HANZI[:400]) - set(CN + "十年月日零"))), max_size=10)
CN_NUMBER = [(CN[n // 10] if n > 19 else "") + "十" * (n > 9) + (CN[n % 10] if n % 10 else "") for n in range(41)]
FORMATS: list[Callable[[int, int, int], str]] = [
    lambda y, m, d: f"{y}年{m}月{d}日", lambda y, m, d: f"{y}年{m:02d}月{d:02d}日",
    lambda y, m, d: f"{y}-{m:02d}-{d:02d}", lambda y, m, d: f"{y}.{m:02d}.{d:02d}", lambda y, m, d: f"{y}/{m}/{d}",
    lambda y, m, d: f" {y} 年 {m} 月 {d} 日 ", lambda y, m, d: f"{y}年{m}月{d}日".translate(WIDE_DIGITS),
    lambda y, m, d: f"{y}-{m:02d}-{d:02d}".translate(WIDE_DIGITS),
    lambda y, m, d: "".join(CN[int(c)] for c in str(y)) + f"年{CN_NUMBER[m]}月{CN_NUMBER[d]}日",
    lambda y, m, d: "".join(CN[int(c)] for c in str(y)).replace("〇", "○") + f"年{CN_NUMBER[m]}月{CN_NUMBER[d]}日",
]  # fmt: skip
ymd = st.one_of(st.dates(date(1900, 1, 1), date(2099, 12, 31)).map(lambda d: (d.year, d.month, d.day)),
    st.tuples(st.integers(1900, 2099), st.integers(0, 40), st.integers(0, 40)))  # fmt: skip


@fuzz(300)
@given(ymd, st.sampled_from(FORMATS), NO_DATE, NO_DATE)
def test_dates_in_chinese_formats_parse_to_iso(day, fmt, before, after):
    """Real dates in every printed form parse to ISO; impossible ones (2月30日, 13月) give None."""
    try:
        expected: str | None = date(*day).isoformat()
    except ValueError:
        expected = None
    printed = fmt(*day)
    assert parse_date(before + printed + after) == expected
    assert expected is None or (is_date_line(printed) and parse_date(f"{printed}-10:22:33") == expected)


@fuzz(300)
@given(st.one_of(any_text, st.text(st.sampled_from("0123456789０１２年月日-./／－ 〇一二三十○零"), max_size=30)))
def test_parse_date_gives_none_or_a_real_iso_date(text):
    result = parse_date(text)
    assert result is None or (date.fromisoformat(result).isoformat() == result and 1900 <= int(result[:4]) <= 2100)
    assert not is_date_line(text) or result is not None


@fuzz(300)
@given(st.sampled_from(["title", "agency", "doc_number", *sorted(DATE_FIELDS), "topic"]), st.none() | any_text)
def test_clean_value_is_trimmed_bounded_and_idempotent(name, raw):
    value = clean_value(name, raw)
    if value is not None:
        assert value == value.strip(" :：") and not re.search(r"\s\s|[^\S ]", value) and len(value) <= 300
        assert clean_value(name, value) == value
        assert name not in DATE_FIELDS or date.fromisoformat(value).isoformat() == value
        assert name != "doc_number" or any(c.isdigit() for c in value)


SEG = default_segmenter()
DIFF_ALPHABET = "政策法规条例第一二三条国务院关于印发通知社会信用体系，。、；abc12- \n\r\x0b\x1c\x85\u2028"
diff_text = st.one_of(st.text(st.sampled_from(DIFF_ALPHABET), max_size=80), chinese, st.text(max_size=40))
splice = st.builds(
    lambda o, at, cut, s: (o, o[:at] + s + o[at + cut :]), diff_text, st.integers(0, 80), st.integers(0, 9), diff_text
)
diff_pairs = st.one_of(st.tuples(diff_text, diff_text), splice)  # unrelated texts, or one edit of a text


@fuzz(200)
@given(st.one_of(any_text, diff_text))
def test_segmenter_tokens_rebuild_the_text(text):
    """tokens() keeps whitespace (its docstring). Valid Unicode only: rjieba refuses lone surrogates (decode's job)."""
    tokens = SEG.tokens(text)
    assert "".join(tokens) == text and all(tokens)
    words = SEG.search_tokens(text)
    assert all(re.search(r"\w", w) for w in words) and SEG.index_text(text) == " ".join(w.lower() for w in words)
    assert {0, len(text)} <= SEG.boundaries(text) <= set(range(len(text) + 1))


def check_diff(d: TextDiff, old: str, new: str) -> None:
    """The patch: equal + inserted ops give new exactly, equal + deleted give old; counters match the ops."""
    assert "".join(text for op, text in d.ops if op >= 0) == new
    assert "".join(text for op, text in d.ops if op <= 0) == old
    assert all(op in (-1, 0, 1) and text for op, text in d.ops) and all(a[0] != b[0] for a, b in pairwise(d.ops))
    assert (d.inserted_chars, d.deleted_chars) == tuple(sum(len(t) for op, t in d.ops if op == s) for s in (1, -1))
    assert d.change_count == sum(1 for op, _ in d.ops if op) and d.is_empty == (old == new)


@fuzz(200)
@given(diff_pairs, st.sampled_from([1.0, 0.0, 1e-6]))
def test_word_diff_patches_old_into_new(pair, timeout):
    old, new = pair
    check_diff(word_diff(old, new, SEG.tokens, timeout=timeout), old, new)
    check_diff(diff_tokens(SEG.tokens(old), SEG.tokens(new), timeout=timeout), old, new)
    same = word_diff(new, new, SEG.tokens, timeout=timeout)
    assert same.ops == (((0, new),) if new else ()) and (same.inserted_tokens, same.deleted_tokens) == (0, 0)
    assert not (same.articles_added or same.articles_removed or same.articles_changed)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


PDF = (  # one page reading "Policy 2021"; pypdf rebuilds the missing xref table
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj "
    b"4 0 obj<</Length 40>>stream\nBT /F1 12 Tf 72 720 Td (Policy 2021) Tj ET\nendstream endobj "
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj trailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF"
)
DOCX = (Path(docx.__file__).parent / "templates" / "default.docx").read_bytes()  # python-docx's blank document


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    edits = st.dictionaries(st.integers(0, len(seed) - 1), st.integers(0, 255), max_size=20)
    return st.builds(lambda e, keep: bytes(e.get(i, b) for i, b in enumerate(seed))[:keep], edits, st.integers(1))


ZIP_NAMES = ["[Content_Types].xml", "word/document.xml", "_rels/.rels", "word/_rels/document.xml.rels"]
zip_names = st.sampled_from(ZIP_NAMES) | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1)
broken_files = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=500).map(lambda b: b"%PDF-1.4\n" + b),
    mutated(PDF),
    mutated(DOCX),
    st.dictionaries(zip_names, st.binary(max_size=200), max_size=5).map(_zip),
)


@fuzz(150)
@example(PDF, "pdf")
@given(broken_files, st.sampled_from(["pdf", "docx", "txt", ".PDF", ""]))
def test_attachment_text_never_raises(data, ext):
    """Corrupt input gives an AttachmentText with ``error`` set, never an exception; txt is unsupported."""
    result, kind = attachment_text(data, ext), ext.lower().lstrip(".")
    assert (data, kind) != (PDF, "pdf") or result == AttachmentText("Policy 2021", pages=1)  # the seed is real
    assert isinstance(result.text, str) and (result.error is None or len(result.error) <= 500)
    assert kind in ("pdf", "docx") or result == AttachmentText("", error=f"unsupported type: {kind or '(none)'}")
    assert kind != "docx" or (result.pages is None and not result.no_text_layer)


def test_python_only_codecs_are_never_a_declared_charset():
    assert {label: normalize_label(label) for label in PYTHON_ONLY} == dict.fromkeys(PYTHON_ONLY)
    assert normalize_label("GBK") == "gb18030" and normalize_label("latin1") == "cp1252"

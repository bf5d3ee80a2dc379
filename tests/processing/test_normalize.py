"""Comparison forms and hashes: cosmetic changes hash equal, content changes do not."""

import hashlib

import pytest

from processing.normalize import (
    comparison_form,
    metadata_sha256,
    normalize_doc_number,
    text_sha256,
    title_key,
)
from processing.types import Metadata

BASE = "第一条　为了规范政府信息公开（试行），制定本办法。\n第二条 本办法自2019年1月1日起施行。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("a\u3000b\xa0c", "a b c"),
        ("  line one  \n\n\n   line   two \t", "line one\nline two"),
        ("“引号”‘单’", "\"引号\"'单'"),
        ("——破折号—–", "--破折号--"),
        ("湘潭日报・新湘潭", "湘潭日报·新湘潭"),
        ("零\u200b宽\ufeff字符", "零宽字符"),
        ("国发〔2019〕4号", "国发[2019]4号"),
        ("（一）条款：", "(一)条款:"),
        ("中文 之间 的 空格", "中文之间的空格"),
        ("Policy  attachment", "Policy attachment"),
        ("a\r\nb\rc", "a\nb\nc"),
    ],
)
def test_comparison_form(text, expected):
    assert comparison_form(text) == expected


@pytest.mark.parametrize(
    "variant",
    [
        BASE.replace("\n", "\n\n  "),
        BASE.replace("　", " "),
        BASE.replace("（", "(").replace("）", ")").replace("，", ",").replace("。", "."),
        BASE.replace("2019", "２０１９"),
        "  " + BASE + "  \n",
        BASE.replace("规范", "规\u200b范"),
        BASE.replace("第二条 本办法", "第二条本办法"),
    ],
    ids=["blank-lines", "ideographic-space", "half-width-punct", "full-width-digits", "padding", "zwsp", "cjk-space"],
)
def test_cosmetic_changes_hash_equal(variant):
    assert text_sha256(variant) == text_sha256(BASE)


@pytest.mark.parametrize(
    "variant",
    [
        BASE.replace("规范", "规定"),
        BASE.replace("2019", "2020"),
        BASE.replace("（试行）", ""),
        BASE + "\n第三条 新增。",
        BASE.replace("\n", ""),
    ],
    ids=["changed-word", "changed-digit", "deleted-words", "added-line", "merged-lines"],
)
def test_content_changes_hash_differently(variant):
    assert text_sha256(variant) != text_sha256(BASE)


def test_text_sha256_is_hex_sha256_of_comparison_form():
    expected = hashlib.sha256(comparison_form(BASE).encode("utf-8")).hexdigest()
    assert text_sha256(BASE) == expected
    assert len(expected) == 64


META = Metadata(
    title="国务院关于印发国家职业教育改革实施方案的通知",
    agency="国务院",
    doc_number="国发〔2019〕4号",
    doc_number_norm="国发〔2019〕4号",
    written_date="2019-01-24",
    publish_date="2019-02-13",
    index_number="000014349/2019-00005",
    topic="科技、教育\\教育",
    validity=None,
)


def test_metadata_sha256_is_stable_and_ignores_cosmetics():
    cosmetic = Metadata(**{**META.as_dict(), "title": " 国务院关于印发国家职业教育改革实施方案的通知\u3000"})
    assert metadata_sha256(META) == metadata_sha256(Metadata(**META.as_dict()))
    assert metadata_sha256(cosmetic) == metadata_sha256(META)


@pytest.mark.parametrize(
    ("field", "value"),
    [("validity", "失效"), ("validity", ""), ("publish_date", "2019-02-14"), ("agency", None)],
)
def test_metadata_sha256_sees_each_field(field, value):
    changed = Metadata(**{**META.as_dict(), field: value})
    assert metadata_sha256(changed) != metadata_sha256(META)


def test_metadata_sha256_does_not_mix_up_fields():
    swapped = Metadata(**{**META.as_dict(), "written_date": "2019-02-13", "publish_date": "2019-01-24"})
    assert metadata_sha256(swapped) != metadata_sha256(META)


@pytest.mark.parametrize(
    ("printed", "normalized"),
    [
        ("国发〔2019〕4号", "国发〔2019〕4号"),
        ("国发[2017]47号", "国发〔2017〕47号"),
        ("国发(2017)47号", "国发〔2017〕47号"),
        ("国发（2017）47号", "国发〔2017〕47号"),
        ("国发〔 2017 〕47 号", "国发〔2017〕47号"),
        ("国发［2017］47号", "国发〔2017〕47号"),
        ("国发【2017】47号", "国发〔2017〕47号"),
        ("黑政调〔２０２０〕６号", "黑政调〔2020〕6号"),
        (" 川卫函〔2025〕46号\u3000", "川卫函〔2025〕46号"),
        ("国办发 〔2018〕 128号", "国办发〔2018〕128号"),
        ("金罚决字〔2024〕27号", "金罚决字〔2024〕27号"),
    ],
)
def test_normalize_doc_number(printed, normalized):
    assert normalize_doc_number(printed) == normalized


def test_title_key_ignores_spaces_punctuation_and_width():
    a = title_key("国务院办公厅关于印发《政府网站集约化试点工作方案》的通知")
    b = title_key("国务院办公厅关于印发“政府网站集约化试点工作方案”的通知 ")
    c = title_key("国务院办公厅关于印发 政府网站集约化试点工作方案 的通知（修订）")
    assert a == b == "国务院办公厅关于印发政府网站集约化试点工作方案的通知"
    assert c != a
    assert title_key("Policy ＡＢＣ") == "policyabc"

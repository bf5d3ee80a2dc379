"""Segmentation with the tracked-term dictionary, tagging and word-level diffs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processing.diff import render_text, word_diff
from processing.match import KeywordIndex, WatchTerms
from processing.segment import default_segmenter
from processing.tag import find_terms
from processing.terms import default_terms, parse_terms

SEG = default_segmenter()
TEXT = "各地要加快推进社会信用体系建设，依法惩戒失信被执行人。\n第三条　推行网格化管理。"
ALPHABET = "社会信用体系建设网格化管理第一条，。\n 　abc12"


def test_shipped_terms_cover_the_brief():
    terms = default_terms()
    assert len(terms) == 73
    assert {t.group for t in terms} == {"social_credit", "civilization", "grid_health", "data"}


def test_tracked_terms_stay_one_token():
    tokens = SEG.tokens(TEXT)
    for term in ("社会信用体系", "失信被执行人", "网格化管理"):
        assert term in tokens
    assert "".join(tokens) == TEXT


def test_index_text_has_subwords_for_recall():
    words = SEG.index_text("社会信用体系").split()
    assert "社会信用体系" in words and "信用" in words


def test_tagging_counts_terms_and_variants():
    hits = {h.term: h.count for h in find_terms("推进网格化服务管理和网格化管理；防疫健康码与健康码。")}
    assert hits == {"网格化管理": 2, "健康码": 2}


def test_parse_terms_format():
    (t,) = parse_terms("# comment\n健康码\tgrid_health\t健康通行码,防疫健康码\thealth code\n")
    assert set(t.forms) == {"健康码", "健康通行码", "防疫健康码"} and t.gloss == "health code"


def test_alert_matching_ignores_width_and_spaces():
    index = KeywordIndex([WatchTerms(1, phrases=("互联网+政务服务", "健康码"))], default_segmenter().boundaries)
    assert index.match("推进互联网＋政务 服务") == {1: ["互联网+政务服务"]}


def test_word_diff_is_word_level_and_reports_terms():
    new = TEXT.replace("依法惩戒", "依法依规实施联合惩戒")
    d = word_diff(TEXT, new, SEG.tokens, terms=find_terms)
    inserted = [t for op, t in d.ops if op == 1]
    assert inserted and all("联合惩戒" in t or "依规" in t for t in inserted)
    assert d.terms_added == ("联合惩戒",) and d.terms_removed == ()
    assert "{+" in render_text(d) and d.timeout == 1.0 and not d.timed_out


def test_identical_texts_give_empty_diff():
    d = word_diff(TEXT, TEXT, SEG.tokens)
    assert d.is_empty and d.ops == ((0, TEXT),)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), st.text(alphabet=ALPHABET, max_size=60))
def test_diff_rebuilds_both_texts(a, b):
    d = word_diff(a, b, SEG.tokens)
    assert "".join(t for op, t in d.ops if op >= 0) == b
    assert "".join(t for op, t in d.ops if op <= 0) == a


@pytest.mark.parametrize("timeout", [0.5, 2.0])
def test_timeout_is_recorded(timeout):
    assert word_diff("甲乙", "甲丙", SEG.tokens, timeout=timeout).timeout == timeout

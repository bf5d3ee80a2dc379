"""The segmenter (rjieba, jieba-rs) against jieba itself, with the same tracked-term dictionary."""

import logging
import random

import jieba
import pytest

from processing.segment import Segmenter, default_segmenter
from processing.terms import default_terms, dictionary_words
from sim.content import generate_policy, parse_corpus_markdown
from tests.conftest import CORPUS

jieba.setLogLevel(logging.WARNING)
TEXTS = CORPUS / "texts"


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in dictionary_words(default_terms()):
        tok.add_word(word, freq=200000)
    return tok


def _generated() -> str:
    rng = random.Random(3)
    return "\n".join(p for _ in range(20) for p in generate_policy(rng, "某市人民政府", "各区人民政府：").paragraphs)


def test_same_tokens_as_jieba_on_generated_policy_text(reference):
    text = _generated()
    assert default_segmenter().tokens(text) == list(reference.cut(text, HMM=True))


@pytest.mark.skipif(not TEXTS.is_dir(), reason="shared corpus absent")
def test_same_tokens_as_jieba_on_every_corpus_regulation(reference):
    seg = default_segmenter()
    paths = sorted(TEXTS.glob("*/*.md"))
    assert len(paths) > 100
    mismatched = []
    for path in paths:
        text = "\n".join(parse_corpus_markdown(path.read_text(encoding="utf-8"))[2])
        if seg.tokens(text) != list(reference.cut(text, HMM=True)):
            mismatched.append(path.name)
    assert mismatched == []


@pytest.mark.parametrize(
    "text",
    ["2024-01-15发布", "COVID-19疫情防控", "GB/T 7714-2015标准", "1-2月份全国文明城市", "E-mail地址",
     "3-5年内", "a--b", "中国--人民", "-开头", "结尾-", "第一条-第三条"],
)  # fmt: skip
def test_hyphenated_tokens_split_like_jieba(reference, text):
    assert default_segmenter().tokens(text) == list(reference.cut(text, HMM=True))
    assert default_segmenter().search_tokens(text) == [
        w for w in reference.cut_for_search(text, HMM=True) if any(c.isalnum() or c == "_" for c in w)
    ]


def test_search_tokens_match_jieba_search_mode(reference):
    text = _generated()
    ours = default_segmenter().search_tokens(text)
    theirs = [w for w in reference.cut_for_search(text, HMM=True) if any(c.isalnum() or c == "_" for c in w)]
    assert ours == theirs


def test_tracked_terms_stay_one_token_and_text_round_trips():
    text = "对失信被执行人实施联合惩戒，推进网格化管理 和 健康码。全国文明城市测评体系"
    tokens = default_segmenter().tokens(text)
    assert {"失信被执行人", "网格化管理", "健康码"} <= set(tokens)
    assert "".join(tokens) == text


def test_a_fresh_segmenter_does_not_know_the_terms_until_added():
    seg = Segmenter()
    assert "网格化管理" not in seg.tokens("推进网格化管理工作")
    seg.add_words(["网格化管理"])
    assert "网格化管理" in seg.tokens("推进网格化管理工作")

"""Word- and article-level diffs on real regulation revisions (../shared/corpus/texts/versions).

Expectations were read off `diff` of the two Markdown files by eye: 国家科学技术奖励条例 2020 → 2024
rewrites 第二条 (国务院设立 → 国家设立), 第三条, 第四条 (adds a paragraph), 第二十一条, 第二十五条 and
第三十条 and adds or removes no article.
"""

import time

import pytest

from processing.diff import articles, word_diff
from processing.segment import default_segmenter
from processing.tag import find_terms
from sim.content import parse_corpus_markdown
from tests.conftest import CORPUS

VERSIONS = CORPUS / "texts" / "versions"
pytestmark = pytest.mark.skipif(not VERSIONS.is_dir(), reason="shared corpus absent")


def _text(name: str) -> str:
    return "\n".join(parse_corpus_markdown((VERSIONS / name).read_text(encoding="utf-8"))[2])


def test_award_regulation_revision_is_reported_by_article_and_word():
    old, new = _text("v10-国家科学技术奖励条例_2020-10-07.md"), _text("v10-国家科学技术奖励条例_2024-05-26.md")
    d = word_diff(old, new, default_segmenter().tokens, terms=find_terms)
    assert {"第二条", "第三条", "第四条", "第二十一条", "第二十五条", "第三十条"} <= set(d.articles_changed)
    assert d.articles_added == () and d.articles_removed == ()
    assert (-1, "国务院") in d.ops and (1, "国家") in d.ops  # whole words, not characters
    assert any(op == 1 and "国家科学技术奖励工作重大事项，应当按照有关规定报党中央。" in t for op, t in d.ops)
    assert "".join(t for op, t in d.ops if op >= 0) == new and "".join(t for op, t in d.ops if op <= 0) == old
    assert not d.timed_out and d.fallback is None and d.inserted_tokens > 0


def test_untouched_articles_stay_equal():
    old, new = _text("v39-未成年人保护法_2020-10-17.md"), _text("v39-未成年人保护法_2024-04-26.md")
    d = word_diff(old, new, default_segmenter().tokens)
    assert set(d.articles_changed) == {"第九条", "第九十五条"}
    assert len(articles(old)) == len(articles(new)) > 100


def test_a_spent_time_budget_falls_back_to_paragraphs_and_says_so():
    old, new = _text("v10-国家科学技术奖励条例_2020-10-07.md"), _text("v10-国家科学技术奖励条例_2024-05-26.md")

    def slow_tokens(text: str) -> list[str]:  # a segmenter that eats the time budget
        time.sleep(0.05)
        return default_segmenter().tokens(text)

    d = word_diff(old, new, slow_tokens, timeout=0.12)
    assert d.timed_out and d.fallback == "clause"
    assert "".join(t for op, t in d.ops if op >= 0) == new and "".join(t for op, t in d.ops if op <= 0) == old

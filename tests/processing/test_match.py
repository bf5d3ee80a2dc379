"""Keyword matching for every subscriber in one Aho-Corasick pass, and rule filters."""

from hypothesis import given, settings
from hypothesis import strategies as st

from processing.match import EventFacts, KeywordIndex, RuleFilter, WatchTerms, fold
from processing.segment import default_segmenter

TEXT = "为推进全国文明城市创建和社会信用体系建设，加强城市管理，完善网格化管理，防控COVID-19疫情。"


def index(*rules: WatchTerms) -> KeywordIndex:
    return KeywordIndex(rules, default_segmenter().boundaries)


def test_keywords_match_on_word_boundaries_phrases_anywhere():
    ix = index(
        WatchTerms(1, keywords=("文明城市",)),  # a dictionary sub-word of 全国文明城市
        WatchTerms(2, keywords=("信用",)),  # inside the tracked term 社会信用体系
        WatchTerms(3, keywords=("明城",)),  # cuts 文明城市 in half: not a word here
        WatchTerms(4, phrases=("明城",)),  # the same string as a phrase: a substring hit
        WatchTerms(5, keywords=("城管",)),  # not in the text at all (城市管理 is not 城管)
        WatchTerms(6, keywords=("网格化管理", "健康码")),  # one of two terms
    )
    assert index(WatchTerms(9, keywords=("文明城市",))).match("文明城市") == {9: ["文明城市"]}
    got = ix.match(TEXT)
    assert got == {1: ["文明城市"], 2: ["信用"], 4: ["明城"], 6: ["网格化管理"]}


def test_width_case_and_spacing_do_not_decide_a_match():
    ix = index(WatchTerms(1, keywords=("ＣＯＶＩＤ－19",)), WatchTerms(2, phrases=("社会 信用体系",)))
    assert ix.match(TEXT) == {1: ["ＣＯＶＩＤ－19"], 2: ["社会 信用体系"]}
    assert fold("ＡＢＣ　社会 信用") == "abc社会信用"


def test_one_term_shared_by_many_rules_reports_each_rule_with_its_own_spelling():
    ix = index(WatchTerms(1, keywords=("社会信用体系",)), WatchTerms(2, keywords=("社会信用体系", "城管")),
               WatchTerms(3, phrases=("社会信用体系",)))  # fmt: skip
    assert ix.match(TEXT) == {1: ["社会信用体系"], 2: ["社会信用体系"], 3: ["社会信用体系"]}
    assert ix.terms == 2
    assert index().match(TEXT) == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["社会信用体系", "文明城市", "网格", "管理", "城市", "诚信", "健康码"]), max_size=5),
       st.text(alphabet="社会信用体系文明城市网格化管理诚信健康码，。", max_size=60))  # fmt: skip
def test_phrase_hits_equal_the_naive_substring_loop(terms, text):
    ix = index(*(WatchTerms(i, phrases=(t,)) for i, t in enumerate(terms)))
    naive = {i: [t] for i, t in enumerate(terms) if t in text}
    assert ix.match(text) == naive
    keyword_ix = index(*(WatchTerms(i, keywords=(t,)) for i, t in enumerate(terms)))
    assert set(keyword_ix.match(text)) <= set(naive)  # word boundaries only ever remove hits


def test_rule_filters():
    facts = EventFacts("revised", "date_or_number", "tianjin", "天津市人民政府办公厅", "综合政务\\其他")
    default = ("new", "revised", "removed")
    assert RuleFilter().accepts(facts, default)
    assert not RuleFilter(events=("new",)).accepts(facts, default)
    assert not RuleFilter(events=("revised_substantive",)).accepts(facts, default)
    assert RuleFilter(events=("revised_substantive",)).accepts(EventFacts("revised", "substantive", "tianjin"), default)
    assert RuleFilter(sources=("tianjin",), agencies=("人民政府",), topics=("综合政务",)).accepts(facts, default)
    assert not RuleFilter(sources=("suzhou",)).accepts(facts, default)
    assert not RuleFilter(agencies=("发展改革委",)).accepts(facts, default)
    assert not RuleFilter(topics=("城乡建设",)).accepts(facts, default)
    assert not RuleFilter().accepts(EventFacts("moved"), default)  # not among the defaults
    assert RuleFilter(events=("moved",)).accepts(EventFacts("moved"), default)

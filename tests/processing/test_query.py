"""The search query language and KWIC excerpts."""

from processing.query import Term, parse_query, snippets


def test_terms_phrases_or_and_exclusion():
    q = parse_query('社会信用体系  "守信 联合激励" 健康码 OR 行程卡 | 场所码 -失信被执行人 “文明城市”')
    assert [[t.text for t in g] for g in q.groups] == [
        ["社会信用体系"], ["守信 联合激励"], ["健康码", "行程卡", "场所码"], ["文明城市"],
    ]  # fmt: skip
    assert [g[0].phrase for g in q.groups] == [False, True, False, True]
    assert [t.text for t in q.excluded] == ["失信被执行人"]
    assert parse_query('OR - "" ').groups == () and parse_query("").groups == ()


def test_terms_are_looked_for_folded():
    q = parse_query("社会信用体系 健康码 OR ＣＯＶＩＤ-19 -失信被执行人")
    assert q.keys() == (("社会信用体系",), ("健康码", "covid-19")) and q.excluded_keys() == ("失信被执行人",)
    assert Term("社会信用体系").tokens() and all(" " not in t for t in Term("全国文明城市").tokens())


def test_snippets_show_the_hit_in_context():
    text = "第一条　为了建立守信联合激励和失信联合惩戒机制，制定本办法。\n第二条　……"
    (s,) = snippets(text, parse_query("守信联合激励 不在文中").terms, width=5)
    assert (s.before, s.hit, s.after) == ("为了建立", "守信联合激励", "和失信联合")  # U+3000 dropped at the edge

"""Page kinds (bot walls, soft 404s, listings) and robustness against garbage input."""

import pytest

from processing.extract import extract
from processing.types import Metadata, PageKind

URL = "http://www.gov.cn/zhengce/content/2019-02/13/content_5365341.htm"
BODY = "<p>" + "为贯彻落实党中央、国务院决策部署，现就有关事项通知如下。" * 4 + "</p>"


def run(html: str, status: int = 200):
    return extract(html, URL, status)


def page(inner: str) -> str:
    return f"<html><head></head><body>{inner}<div id='zoom'>{BODY}</div></body></html>"


SOFT_404 = [
    "页面不存在",
    "您访问的页面不存在或已被删除！",
    "该信息已删除",
    "该信息已撤稿",
    "页面已删除",
    "404 Not Found",
]


@pytest.mark.parametrize("phrase", SOFT_404)
def test_soft_404_pages(phrase):
    nav = "".join(f"<li><a href='/c{i}/'>栏目{i}</a></li>" for i in range(30))
    html = (
        f"<html><head><title>提示信息</title></head><body><ul class='menu'>{nav}</ul>"
        f"<div class='error'><p>{phrase}</p><p>3秒后返回首页</p></div>"
        "<div class='footer'>主办：XX市人民政府办公室 地址：XX路1号 电话：0000-0000000</div></body></html>"
    )
    result = run(html)
    assert result.kind is PageKind.SOFT_404
    assert result.metadata == Metadata()


def test_document_mentioning_a_soft_404_phrase_is_still_a_document():
    html = page("<h1>关于网站清理的通知</h1>").replace(BODY, BODY * 3 + "<p>对页面不存在的链接应及时清理。</p>")
    assert run(html).kind is PageKind.DOCUMENT


RUISHU = (
    '<html><head><meta content="{qhQb9Gdx1mDw}"><script type="text/javascript">'
    "$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=84737;$_ts.cd=\"qXcrrpAlq\";</script>"
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.ad4d2a4.js" r="m"></script>'
    "</head><body></body></html>"
)
JSL = (
    "<html><body><script>document.cookie=('__jsl_clearance_s=')+(1700000000)+('|0|');"
    "location.href=location.pathname</script></body></html>"
)


@pytest.mark.parametrize(
    ("html", "status"),
    [(RUISHU, 412), (RUISHU, 200), (JSL, 521), (JSL, 200), ("", 412), ("<html><body>请稍候</body></html>", 521)],
)
def test_bot_walls_are_blocked(html, status):
    result = run(html, status)
    assert result.kind is PageKind.BLOCKED
    assert result.metadata == Metadata()


def test_listing_page():
    items = "".join(
        f"<li><a href='./t2020080{i}_{i}.html'>关于第{i}项工作的通知</a><span>2020-08-0{i}</span></li>"
        for i in range(1, 10)
    )
    html = (
        "<html><head><title>政府文件_XX市人民政府</title></head><body><h1>近期信息公开</h1>"
        f"<ul class='list'>{items}</ul><div class='page'><script>createPageHTML(56, 0, 'index', 'html');</script>"
        "<a href='index_1.html'>下一页</a></div></body></html>"
    )
    result = run(html)
    assert result.kind is PageKind.LISTING
    assert result.metadata.title == "政府文件"
    assert result.metadata.publish_date is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "\x00\x00\x00",
        "<<<>>>",
        "<html>",
        "<div>" * 100_000,
        "<table><tr><td>" * 5000,
        "\ud800<p>x</p>",
        bytes(range(256)).decode("latin-1") * 20,
        '<?xml version="1.0" encoding="gbk"?><p>x</p>',
    ],
    ids=["empty", "spaces", "nul", "brackets", "bare-html", "deep-divs", "deep-tables", "surrogate", "binary", "xml"],
)
def test_garbage_never_raises(garbage):
    result = run(garbage)
    assert result.kind is PageKind.UNKNOWN
    assert result.text == ""
    assert result.attachments == ()


def test_extraction_of_a_100kb_page_keeps_every_paragraph():
    rows = "".join(f"<p>第{i}条　各地区各部门要认真贯彻落实本通知精神，结合实际制定具体措施。</p>" for i in range(1500))
    table = "<table class='bd1'><tr><td><b>索 引 号：</b></td><td>000014349/2019-00005</td></tr></table>"
    html = page(table + f"<div class='TRS_UEDITOR'>{rows}</div>")
    assert len(html.encode("utf-8")) > 100_000
    result = run(html)
    assert result.kind is PageKind.DOCUMENT
    assert result.metadata.index_number == "000014349/2019-00005"
    assert len(result.text.split("\n")) == 1500


def test_control_characters_never_reach_titles_or_text():
    table = (
        "<table class='bd1'><tr><td><b>标　　题：</b></td><td>关于\x1b[31m加强\x07管理的通知</td></tr>"
        "<tr><td><b>发文字号：</b></td><td>国办发〔2020〕1号</td></tr></table>"
    )
    html = page(table).replace("<div id='zoom'>", "<div id='zoom'><p>第一条\x1b]0;pwned\x07 为了加强管理。</p>")
    result = run(html)
    assert result.metadata.title == "关于[31m加强管理的通知"
    assert "第一条]0;pwned 为了加强管理。" in result.text
    assert "\x1b" not in result.text and "\x07" not in result.text

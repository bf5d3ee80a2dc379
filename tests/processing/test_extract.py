"""HTML extraction on hand-written pages: xxgk labels, meta tags, titles, dates, body text, attachments."""

import pytest

from processing.dates import parse_date
from processing.decode import decode_html
from processing.extract import extract, strip_site_suffix
from processing.types import Attachment, Metadata, PageKind

URL = "http://www.gov.cn/zhengce/content/2019-02/13/content_5365341.htm"
BODY = "<p>" + "为贯彻落实党中央、国务院决策部署，现就有关事项通知如下。" * 4 + "</p>"

GOVCN = """<html><head>
<meta name="firstpublishedtime" content="2019-02-13-17:42:07">
<meta name="lastmodifiedtime" content="2019-02-13-18:00:00">
<meta name="manuscriptId" content="5365341"><meta name="ContentSource" content="新华社">
<title>国务院关于印发国家职业教育改革实施方案的通知_国务院文件_中国政府网</title></head><body>
<div class="crumb">首页 &gt; 政策 &gt; 国务院文件</div>
<table class="bd1"><tbody>
<tr><td><b>索 引 号：</b></td><td>000014349/2019-00005</td><td><b>主题分类：</b></td><td>科技、教育\\教育</td></tr>
<tr><td><b>发文机关：</b></td><td>国务院</td><td><b>成文日期：</b></td><td>2019年01月24日</td></tr>
<tr><td><b>标　　题：</b></td><td colspan="3">国务院关于印发国家职业教育改革实施方案的通知</td></tr>
<tr><td><b>发文字号：</b></td><td>国发〔2019〕4号</td><td><b>发布日期：</b></td><td>2019年02月13日</td></tr>
<tr><td><b>主 题 词：</b></td><td></td><td></td><td></td></tr>
</tbody></table>
<table><tr><td class="b12c" id="UCAP-CONTENT">
<p>国务院关于印发国家职业教育改革<br>实施方案的通知</p><p>国发〔2019〕4号</p>
<p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
<p>　　现将《国家职业教育改革实施方案》印发给你们，请认真贯彻执行。</p>
<p>国务院&nbsp;&nbsp;&nbsp;</p><p>2019年1月24日</p><p>（此件公开发布）</p>
<p>附件：<a href="./P020190213.pdf">实施方案.pdf</a> <a href="/files/P020190213.PDF">重复</a></p>
<div class="share">分享到：微信 微博</div><p>【打印本页】 【关闭窗口】</p>
</td></tr></table>
<div class="footer">主办单位：国务院办公厅 <a href="/about.pdf">网站说明.pdf</a></div>
</body></html>"""


def run(html: str, status: int = 200, url: str = URL):
    return extract(html, url, status)


def page(inner: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{inner}<div id='zoom'>{BODY}</div></body></html>"


def test_govcn_detail_page():
    result = run(GOVCN)
    assert result.kind is PageKind.DOCUMENT
    assert result.metadata == Metadata(
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
    assert result.text.split("\n") == [
        "国务院关于印发国家职业教育改革",
        "实施方案的通知",
        "国发〔2019〕4号",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
        "现将《国家职业教育改革实施方案》印发给你们，请认真贯彻执行。",
        "国务院",
        "2019年1月24日",
        "（此件公开发布）",
        "附件：实施方案.pdf 重复",
    ]
    assert result.attachments == (
        Attachment(url="http://www.gov.cn/zhengce/content/2019-02/13/P020190213.pdf", name="实施方案.pdf", ext="pdf"),
        Attachment(url="http://www.gov.cn/files/P020190213.PDF", name="重复", ext="pdf"),
    )
    assert result.page_meta == {
        "firstpublishedtime": "2019-02-13-17:42:07",
        "lastmodifiedtime": "2019-02-13-18:00:00",
        "manuscriptId": "5365341",
        "ContentSource": "新华社",
    }


def test_govcn_page_from_gbk_bytes():
    body = GOVCN.replace("<head>", '<head><meta charset="gbk">').encode("gbk")
    decoded = decode_html(body)
    assert decoded.encoding == "gb18030"
    meta = run(decoded.text).metadata
    assert (meta.index_number, meta.written_date, meta.doc_number) == (
        "000014349/2019-00005",
        "2019-01-24",
        "国发〔2019〕4号",
    )


LABELS = [
    ("索 引 号：", "000014349/2019-00005", "index_number", "000014349/2019-00005"),
    ("索引号:", "11120000MB1908811Q/2020-04798", "index_number", "11120000MB1908811Q/2020-04798"),
    ("索取号", "K16185922-201704-00036", "index_number", "K16185922-201704-00036"),
    ("信息索引：", "360A12-07-2024-0008-1", "index_number", "360A12-07-2024-0008-1"),
    ("文　　号：", "国办发〔2017〕47号", "doc_number", "国办发〔2017〕47号"),
    ("文&nbsp;&nbsp;号：", "国办发〔2017〕47号", "doc_number", "国办发〔2017〕47号"),
    ("文&emsp;&emsp;号：", "国办发〔2017〕47号", "doc_number", "国办发〔2017〕47号"),
    ("发文字号：", "黑政调〔２０２０〕６号", "doc_number", "黑政调〔２０２０〕６号"),
    ("发文号", "国发[2017]47号", "doc_number", "国发[2017]47号"),
    ("发文机关：", "国务院办公厅", "agency", "国务院办公厅"),
    ("发布机构：", "邯郸市教育局", "agency", "邯郸市教育局"),
    ("发文单位", "省文化和旅游厅", "agency", "省文化和旅游厅"),
    ("发布机关：", "国家发展改革委", "agency", "国家发展改革委"),
    ("发文机构：", "教育部办公厅", "agency", "教育部办公厅"),
    ("成文日期：", "2017年05月15日", "written_date", "2017-05-15"),
    ("发文日期：", "2017-5-15", "written_date", "2017-05-15"),
    ("生成日期：", "2024-06-04", "written_date", "2024-06-04"),
    ("发布日期：", "2017年06月08日", "publish_date", "2017-06-08"),
    ("发布时间：", "2017-06-08 10:22", "publish_date", "2017-06-08"),
    ("主题分类：", "综合政务\\政务公开", "topic", "综合政务\\政务公开"),
    ("分　　类：", "教育", "topic", "教育"),
    ("主题：", "民政、扶贫、救灾", "topic", "民政、扶贫、救灾"),
    ("信息分类：", "专项工作", "topic", "专项工作"),
    ("有 效 性：", "有效", "validity", "有效"),
    ("效力状态：", "失效", "validity", "失效"),
    ("时效：", "废止", "validity", "废止"),
    ("标　　题：", "国务院办公厅关于印发政府网站发展指引的通知", "title", "国务院办公厅关于印发政府网站发展指引的通知"),
    ("名　　称：", "工业设计城打造创新设计“联合国”", "title", "工业设计城打造创新设计“联合国”"),
]
LAYOUTS = {
    "td-b": "<table><tr><td><b>{label}</b></td><td>{value}</td></tr></table>",
    "th-td": "<table><tr><th>{label}</th><td class='pmingcheng'> {value} </td></tr></table>",
    "p-strong": "<div class='top'><p><strong>{label}</strong>{colon}{value}</p></div>",
    "li-spans": "<ul class='xxgk'><li><span>{label}{colon}</span><span>{value}</span></li></ul>",
    "dt-dd": "<dl><dt>{label}</dt><dd>{value}</dd></dl>",
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize(("label", "value", "field", "expected"), LABELS, ids=[row[0] for row in LABELS])
def test_label_variants(layout, label, value, field, expected):
    colon = "" if label.rstrip().endswith(("：", ":")) else "："
    markup = LAYOUTS[layout].format(label=label, value=value, colon=colon)
    result = run(page(markup))
    assert getattr(result.metadata, field) == expected
    others = {name: v for name, v in result.metadata.as_dict().items() if name not in (field, "doc_number_norm")}
    assert all(v is None for name, v in others.items() if name != "title"), others


@pytest.mark.parametrize("value", ["", "&nbsp;", "无", "　", "<script>document.write('号')</script>"])
def test_empty_or_none_values_are_none(value):
    markup = f"<table><tr><th>文　　号：</th><td>{value}</td><th>索引号：</th><td>K1-2017-1</td></tr></table>"
    meta = run(page(markup)).metadata
    assert meta.doc_number is None
    assert meta.doc_number_norm is None
    assert meta.index_number == "K1-2017-1"


def test_list_header_row_is_not_a_label_value_pair():
    markup = (
        "<table><tr><th>名称</th><th>索引号</th><th>发布机构</th><th>发布日期</th></tr>"
        "<tr><td><a href='a.html'>某某通知</a></td><td>000014348/2020-1</td><td>某局</td>"
        "<td>2020-08-05</td></tr></table>"
    )
    meta = run(page(markup)).metadata
    assert (meta.index_number, meta.agency, meta.publish_date) == (None, None, None)


def test_source_is_never_the_agency():
    markup = (
        "<h1 class='title'>某市召开会议部署工作</h1>"
        "<div class='info'>发布时间：2024-09-30 09:24　来源：湘潭日报·新湘潭客户端　浏览次数：</div>"
    )
    head = '<meta name="ContentSource" content="湘潭市人民政府办公室"><title>x</title>'
    result = run(page(markup, head))
    assert result.metadata.agency is None
    assert result.metadata.publish_date == "2024-09-30"
    assert result.metadata.title == "某市召开会议部署工作"
    assert result.page_meta["ContentSource"] == "湘潭市人民政府办公室"


def test_meta_tags_fill_title_and_publish_date():
    head = (
        '<meta name="ArticleTitle" content="关于开展专项检查的通知"><meta name="PubDate" content="2024-06-13 14:54">'
        '<meta name="Maketime" content="2024-10-22 11:34:34"><title>站点 栏目 关于开展专项检查的通知</title>'
    )
    meta = run(page("<h1>别的标题</h1>", head)).metadata
    assert (meta.title, meta.publish_date) == ("关于开展专项检查的通知", "2024-06-13")


def test_firstpublishedtime_wins_over_pubdate():
    head = '<meta name="PubDate" content="2019-03-01"><meta name="firstpublishedtime" content="2019-01-27-10:22:33">'
    assert run(page("", head)).metadata.publish_date == "2019-01-27"


def test_label_in_body_text_beats_nothing_but_not_the_xxgk_table():
    markup = "<table><tr><td>发布日期：</td><td>2019-02-13</td></tr></table>"
    html = page(markup).replace(BODY, BODY + "<p>发布日期：2020-01-01</p>")
    assert run(html).metadata.publish_date == "2019-02-13"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "国务院关于印发国家职业教育改革实施方案的通知_国务院文件_中国政府网",
            "国务院关于印发国家职业教育改革实施方案的通知",
        ),
        ("第七届武汉设计双年展闭幕 - 武汉市人民政府门户网站", "第七届武汉设计双年展闭幕"),
        (
            "山东开展学雷锋志愿服务活动 倡树社会文明新风 - 志愿服务 - 山东文明网",
            "山东开展学雷锋志愿服务活动 倡树社会文明新风",
        ),
        ("关于2024-2025年度工作安排的通知-中国政府网", "关于2024-2025年度工作安排的通知"),
        ("工业设计城打造创新设计“联合国”_蜀山区审计局", "工业设计城打造创新设计“联合国”"),
        ("邯郸市政府信息公开", "邯郸市政府信息公开"),
        ("", None),
    ],
)
def test_title_element_suffixes_are_stripped(title, expected):
    assert strip_site_suffix(title) == expected


def test_title_element_is_last_resort():
    html = page("", "<title>关于印发方案的通知_XX市人民政府</title>")
    assert run(html).metadata.title == "关于印发方案的通知"


def test_headline_repeated_in_title_element_wins():
    markup = "<div class='title'>网站导航</div><h2>相关新闻</h2><div class='article-title'>关于印发方案的通知</div>"
    html = page(markup, "<title>关于印发方案的通知 - XX市人民政府</title>")
    assert run(html).metadata.title == "关于印发方案的通知"


SIGNED = "<p>川卫函〔2025〕46号</p>" + BODY + "<p>四川省卫生健康委员会</p><p>{date}</p>"


@pytest.mark.parametrize(
    ("date", "expected"),
    [("2025年4月24日", "2025-04-24"), ("二〇二五年四月二十四日", "2025-04-24"), ("2025-04-24", "2025-04-24")],
)
def test_signature_gives_written_date_of_a_numbered_document(date, expected):
    html = f"<html><body><div id='zoom'>{SIGNED.format(date=date)}</div></body></html>"
    meta = run(html).metadata
    assert (meta.doc_number, meta.doc_number_norm, meta.written_date) == (
        "川卫函〔2025〕46号",
        "川卫函〔2025〕46号",
        expected,
    )


def test_signature_is_not_used_without_a_document_number():
    html = f"<html><body><div id='zoom'>{BODY}<p>新疆文化艺术学校</p><p>2024年3月1日</p></div></body></html>"
    meta = run(html).metadata
    assert (meta.doc_number, meta.written_date) == (None, None)


def test_labelled_written_date_beats_signature():
    markup = (
        "<table><tr><td>生成日期：</td><td>2024-06-04</td>"
        "<td>发文字号：</td><td>教思政厅函〔2024〕10号</td></tr></table>"
    )
    html = page(markup).replace(BODY, BODY + "<p>教育部办公厅</p><p>2024年5月30日</p>")
    assert run(html).metadata.written_date == "2024-06-04"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019年01月27日", "2019-01-27"),
        ("2019年1月7日", "2019-01-07"),
        ("2019-01-27", "2019-01-27"),
        ("2019.01.27", "2019-01-27"),
        ("2019/1/27", "2019-01-27"),
        ("2019 年 1 月 27 日", "2019-01-27"),
        ("２０１９年１月２７日", "2019-01-27"),
        ("2019-01-27-10:22:33", "2019-01-27"),
        ("2024.09.30 09:24:36 GMT+08:00", "2024-09-30"),
        ("发布时间：2025年06月03日 13时44分", "2025-06-03"),
        ("二〇一九年十二月三十一日", "2019-12-31"),
        ("2019年2月30日", None),
        ("000014349/2019-00005", None),
        ("暂无", None),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_doc_number_as_printed_and_normalised():
    meta = run(page("<table><tr><td>文号：</td><td>国发 [2017] 47 号</td></tr></table>")).metadata
    assert (meta.doc_number, meta.doc_number_norm) == ("国发 [2017] 47 号", "国发〔2017〕47号")


NEWS = """<html><head><title>某区召开安全生产工作会议_XX区人民政府</title></head><body>
<div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/xw/">新闻</a></li>
<li><a href="/gk/">公开</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xw/">新闻</a></div>
<div class="article"><h1>某区召开安全生产工作会议</h1>
<div class="info">发布时间：2023-11-06 08:45　来源：区应急管理局</div>
<div class="article-content"><p>　　11月5日，某区召开安全生产工作会议，部署冬季安全生产工作。</p>
<p>会议要求，各部门要压实责任，<strong>全面排查</strong>隐患。</p><p>会议强调：<br>一要提高认识；<br>二要狠抓落实。</p>
<div class="bdshare">分享到：<a href="#">微信</a></div></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
<p>浏览次数：<span id="hits">128</span></p>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a.html">旧闻一 2023-10-01</a></li>
<li><a href="/b.html">旧闻二 2023-10-02</a></li><li><a href="/c.html">旧闻三 2023-10-03</a></li></ul></div></div>
<div class="footer"><p>版权所有：XX区人民政府 ICP备案号</p></div>
<script>var x = "发文字号：国发〔2099〕1号";</script><style>p{color:red}</style></body></html>"""


def test_navigation_and_boilerplate_are_removed():
    result = run(NEWS)
    assert result.kind is PageKind.DOCUMENT
    assert result.text.split("\n") == [
        "11月5日，某区召开安全生产工作会议，部署冬季安全生产工作。",
        "会议要求，各部门要压实责任，全面排查隐患。",
        "会议强调：",
        "一要提高认识；",
        "二要狠抓落实。",
    ]
    meta = result.metadata
    assert (meta.title, meta.publish_date, meta.agency, meta.doc_number) == (
        "某区召开安全生产工作会议",
        "2023-11-06",
        None,
        None,
    )


def test_attachment_links_are_absolute_and_deduplicated():
    inner = (
        '<p><a href="./P020250106393009877184.pdf">通知全文</a></p>'
        '<p><a href="../files/W0202406.DOCX?v=2">附件2</a><a href="../files/W0202406.DOCX?v=2">附件2</a></p>'
        '<p><a href="http://other.gov.cn/x/report.xlsx"></a><a href="a.html">正文链接</a>'
        '<a href="javascript:void(0)">x.pdf</a><a href="b.wps">b</a><a href="c.OFD">c</a><a href="d.rar">d</a></p>'
    )
    html = (
        f"<html><body><div class='nav'><a href='/guide.pdf'>指南</a></div><div id='zoom'>{BODY}{inner}</div>"
        "<div class='fujian'><a href='/att/et1.et'>表格</a><a href='/att/z.zip'>压缩包</a></div></body></html>"
    )
    got = run(html, url="http://www.example.gov.cn/col/col1/art/2024/t20240613_1.html").attachments
    base = "http://www.example.gov.cn/col/col1/art"
    assert got == (
        Attachment(f"{base}/2024/P020250106393009877184.pdf", "通知全文", "pdf"),
        Attachment(f"{base}/files/W0202406.DOCX?v=2", "附件2", "docx"),
        Attachment("http://other.gov.cn/x/report.xlsx", "report.xlsx", "xlsx"),
        Attachment(f"{base}/2024/b.wps", "b", "wps"),
        Attachment(f"{base}/2024/c.OFD", "c", "ofd"),
        Attachment(f"{base}/2024/d.rar", "d", "rar"),
        Attachment("http://www.example.gov.cn/att/et1.et", "表格", "et"),
        Attachment("http://www.example.gov.cn/att/z.zip", "压缩包", "zip"),
    )

"""gov.cn (UCAP) pages: ``table.bd1`` metadata, ``#UCAP-CONTENT`` body, ``home_N.htm`` lists.

Modelled on saved www.gov.cn 政策 pages: firstpublishedtime / lastmodifiedtime /
manuscriptId metas, a ``<title>`` with the ``_国务院文件_中国政府网`` suffix (so the
document title must come from the metadata table), and a page shell with navigation,
breadcrumb, share bar and footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sim.model import DocState, Document
from sim.templates.common import cn_date, esc, iso_date, paragraphs_html

SITE_NAME = "中国政府网"
LISTING = "/zhengce/zuixin/home_0.htm"
INTERNAL = "/zhengce/internal/index.htm"
STUBS: dict[str, str] = {
    "/guowuyuan/index.htm": "国务院",
    "/xinwen/index.htm": "新闻",
    "/hudong/index.htm": "互动",
    "/fuwu/index.htm": "服务",
}


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d-%H:%M:%S")


def _head(title: str, metas: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="SiteName" content="中国政府网">
<meta name="SiteDomain" content="www.gov.cn">
<meta name="SiteIDCode" content="bm01000001">
{metas}<title>{esc(title)}</title>
<link rel="stylesheet" href="/govweb/xhtml/2016gov/css/common.css">
<script type="text/javascript" src="/govweb/xhtml/2016gov/js/jquery.js"></script>
</head>
<body>
<div class="header">
 <div class="header_top"><span class="date">中华人民共和国中央人民政府</span>
  <a href="/">首页</a> | <a href="javascript:void(0)">简</a> | <a href="javascript:void(0)">繁</a> |
  <a href="javascript:void(0)">EN</a> | <a href="javascript:void(0)">登录</a></div>
 <div class="logo"><a href="/"><img src="/govweb/xhtml/2016gov/images/public/logo.png" alt="中国政府网"></a></div>
 <div class="nav"><ul>
  <li><a href="/">首页</a></li><li><a href="/guowuyuan/index.htm">国务院</a></li>
  <li><a href="/xinwen/index.htm">新闻</a></li><li class="on"><a href="{LISTING}">政策</a></li>
  <li><a href="/hudong/index.htm">互动</a></li><li><a href="/fuwu/index.htm">服务</a></li>
 </ul></div>
</div>
"""


_FOOTER = """<div class="footer">
 <div class="footer_links"><a href="/">网站说明</a> | <a href="/">网站地图</a> | <a href="/">联系我们</a></div>
 <p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>
 <p>版权所有：中国政府网　中文域名：中国政府网.政务</p>
 <p>网站标识码bm01000001　京ICP备05070218号　京公网安备11010202000001号</p>
</div>
</body>
</html>
"""


def _crumb(*parts: tuple[str, str]) -> str:
    links = " &gt; ".join(f'<a href="{href}">{esc(name)}</a>' for name, href in parts)
    return f'<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt; {links}</div>\n'


def _bd1(doc: Document, state: DocState) -> str:
    v = state.version
    return f"""  <table width="860" border="0" cellpadding="0" cellspacing="0" class="bd1"
   style="width:860px;margin:0 auto;">
   <tbody>
    <tr>
     <td width="70"><b>索 引 号：</b></td>
     <td width="360">{esc(doc.index_no)}</td>
     <td width="70"><b>主题分类：</b></td>
     <td width="360">{esc(doc.topic)}</td>
    </tr>
    <tr>
     <td><b>发文机关：</b></td>
     <td>{esc(doc.agency)}</td>
     <td><b>成文日期：</b></td>
     <td>{cn_date(doc.written)}</td>
    </tr>
    <tr>
     <td><b>标　　题：</b></td>
     <td colspan="3">{esc(v.title)}</td>
    </tr>
    <tr>
     <td><b>发文字号：</b></td>
     <td>{esc(doc.doc_number)}</td>
     <td><b>发布日期：</b></td>
     <td>{cn_date(doc.published.date())}</td>
    </tr>
   </tbody>
  </table>
  <table width="860" border="0" cellpadding="0" cellspacing="0" class="bd1" style="width:860px;margin:0 auto;">
   <tbody>
    <tr>
     <td width="70" valign="top"><b>主 题 词：</b></td>
     <td width="351" valign="top"></td>
     <td width="68" valign="top"></td>
     <td valign="top"></td>
    </tr>
   </tbody>
  </table>
"""


def detail(doc: Document, state: DocState) -> str:
    """The detail page of a gov.cn policy document in ``state``."""
    v = state.version
    metas = (
        f'<meta name="firstpublishedtime" content="{_stamp(doc.published)}">\n'
        f'<meta name="lastmodifiedtime" content="{_stamp(v.modified)}">\n'
        f'<meta name="manuscriptId" content="{doc.doc_id}">\n'
        '<meta name="lanmu" content="最新">\n'
        f'<meta name="keywords" content="{esc("，".join(doc.keywords) or doc.topic)}">\n'
        f'<meta name="description" content="{esc(v.paragraphs[0][:60] if v.paragraphs else "")}">\n'
    )
    heading = doc.original.title
    centre = "text-align: center;"
    body = [
        f'<p style="{centre}"><span style="font-weight: bold; font-size: 18pt;">{esc(heading)}</span></p>',
        f'<p style="{centre}"><span style="font-family: 楷体, 楷体_GB2312;">{esc(doc.doc_number)}</span></p>',
        *(f'<p style="{centre}">（{esc(line)}）</p>' for line in doc.preamble),
        paragraphs_html(v.paragraphs, "text-indent: 2em; text-align: justify;"),
        f'<p style="text-align: right;">{esc(doc.agency)}</p>',
        f'<p style="text-align: right;">{doc.written.year}年{doc.written.month}月{doc.written.day}日</p>',
        '<p style="text-indent: 2em;">（此件公开发布）</p>',
    ]
    related = "\n".join(f'<li><a href="{path}" target="_blank">{esc(title)}</a></li>' for title, path in doc.related)
    return (
        _head(f"{v.title}_国务院文件_中国政府网", metas)
        + _crumb(("政策", LISTING), ("最新", LISTING))
        + f"""<div class="wrap" style=" font-family:宋体">
 <table width="930" border="0" cellpadding="0" cellspacing="0" style="border:1px solid #999999;margin:0 auto;">
  <tbody><tr><td>
{_bd1(doc, state)}  </td></tr></tbody>
 </table>
 <br>
 <table width="930" border="0" cellpadding="0" cellspacing="0" style="margin:0 auto;">
  <tbody><tr>
   <td width="675" valign="top">
    <table width="650" border="0" cellpadding="0" cellspacing="0"><tbody><tr>
     <td class="b12c" id="UCAP-CONTENT"><div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">
{chr(10).join(body)}
</div></td>
    </tr></tbody></table>
    <div id="div_div"><div id="qr_container">扫一扫在手机打开当前页</div></div>
    <div class="pages_print">
     <span class="font">【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a>
      <a href="javascript:void(0)">小</a>】</span>
     <span class="visit">浏览量：<span class="j-info-hit" data-setting="{{infoId:{doc.doc_id}}}"></span></span>
     <a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a>
    </div>
   </td>
   <td valign="top">
    <div class="related"><h3>相关链接</h3><ul>
<li><a href="{LISTING}">最新政策</a></li>
{related}
    </ul></div>
   </td>
  </tr></tbody>
 </table>
</div>
"""
        + _FOOTER
    )


def _list_items(items: Sequence[tuple[Document, DocState]]) -> str:
    return "\n".join(
        f'<li><a href="{s.path}" target="_blank">{esc(s.version.title)}</a>'
        f'<span class="date">{iso_date(d.published.date())}</span></li>'
        for d, s in items
    )


def listing(items: Sequence[tuple[Document, DocState]], page: int, total_pages: int) -> str:
    """One ``home_N.htm`` page of 最新政策 (``items`` are already the page's slice)."""
    pager = ['<a href="home_0.htm">首页</a>']
    if page > 0:
        pager.append(f'<a href="home_{page - 1}.htm">上一页</a>')
    pager += [
        f'<span class="now">{i + 1}</span>' if i == page else f'<a href="home_{i}.htm">{i + 1}</a>'
        for i in range(total_pages)
    ]
    if page < total_pages - 1:
        pager.append(f'<a href="home_{page + 1}.htm">下一页</a>')
    pager.append(f'<a href="home_{max(total_pages - 1, 0)}.htm">尾页</a><span>共{total_pages}页</span>')
    return (
        _head("最新_中国政府网", '<meta name="lanmu" content="最新">\n')
        + _crumb(("政策", LISTING), ("最新", LISTING))
        + f"""<div class="main">
 <div class="left_nav"><ul>
  <li class="on"><a href="{LISTING}">最新政策</a></li>
  <li><a href="/guowuyuan/index.htm">国务院文件</a></li>
  <li><a href="{INTERNAL}">内部资料</a></li>
 </ul></div>
 <div class="news_box"><div class="list list_1 list_2">
<ul class="list">
{_list_items(items)}
</ul>
 </div>
 <div class="pages" id="page_div">{"&nbsp;".join(pager)}</div>
 </div>
</div>
"""
        + _FOOTER
    )


def home(items: Sequence[tuple[Document, DocState]]) -> str:
    """The site home page (also where redirect-home deletions land)."""
    return (
        _head("中国政府网_中央人民政府门户网站")
        + f"""<div class="main index">
 <div class="focus"><h2>要闻</h2><p>国务院常务会议研究部署有关工作。</p></div>
 <div class="zcwj"><h2><a href="{LISTING}">最新政策</a></h2>
<ul class="list">
{_list_items(items)}
</ul>
 <a class="more" href="{LISTING}">更多</a></div>
</div>
"""
        + _FOOTER
    )


def not_found() -> str:
    """The 404 page."""
    return (
        _head("404_中国政府网") + '<div class="main"><h2>404</h2><p>抱歉，您要访问的页面不存在。</p>'
        '<p><a href="/">返回首页</a></p></div>\n' + _FOOTER
    )


def stub(title: str) -> str:
    """A column page outside the scenario (navigation target)."""
    return (
        _head(f"{title}_中国政府网")
        + _crumb((title, "#"))
        + f'<div class="main"><h2>{esc(title)}</h2><p>本栏目内容正在整理中。</p></div>\n'
        + _FOOTER
    )


def internal() -> str:
    """The page under the robots-disallowed path (a crawler must never fetch it)."""
    return _head("内部资料_中国政府网") + '<div class="main"><h2>内部资料</h2><p>仅限内部使用。</p></div>\n' + _FOOTER

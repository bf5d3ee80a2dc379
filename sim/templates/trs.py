"""TRS WCM provincial 政府信息公开 pages: the xxgk metadata block, ``#zoom`` body with
attachments, and ``index.html``/``index_N.html`` lists paged by ``createPageHTML``.

Label variants on purpose: ``索 引 号`` and ``有 效 性`` with spaces, ``文　　号`` and
``标　　题`` with full-width spaces, full-width colons, ``&nbsp;`` padding, ``<b>`` inside
``<td>``, and one empty cell (主 题 词).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.model import DocState, Document
from sim.templates.common import cn_date, esc, iso_date, minute, paragraphs_html

SITE_NAME = "山东省人民政府"
COLUMN = "/xxgk/zcwj/"
LISTING = "/xxgk/zcwj/index.html"
INTERNAL = "/xxgk/nbgl/index.html"
STUBS: dict[str, str] = {
    "/xxgk/index.html": "政府信息公开",
    "/zwfw/index.html": "政务服务",
    "/hdjl/index.html": "互动交流",
    "/zjsd/index.html": "走进山东",
}

_PAGER_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0){ document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;"); }
  else {
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    var prev = nCurrIndex == 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + (nCurrIndex - 1) + "." + _sPageExt;
    document.write("<a href=\\"" + prev + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex + 1 < _nPageCount){
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt + "\\">尾页</a>");
  } else { document.write("<span>下一页</span>&nbsp;<span>尾页</span>"); }
}
</script>
"""


def _head(title: str, metas: str = "", script: str = "") -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1" />
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="www.shandong.gov.cn">
<meta name="SiteIDCode" content="3700000063">
<meta name="ColumnName" content="政策文件">
<meta name="ColumnType" content="政府信息公开">
{metas}<title>{esc(title)}</title>
<link href="/images/xxgk.css" rel="stylesheet" type="text/css" />
{script}</head>
<body>
<div class="top"><div class="top_box"><span>欢迎访问山东省人民政府门户网站</span>
 <a href="javascript:void(0)">无障碍浏览</a> <a href="javascript:void(0)">长者模式</a>
 <a href="javascript:void(0)">登录</a></div></div>
<div class="header"><div class="logo"><a href="/"><img src="/images/logo.png" alt="{SITE_NAME}" /></a></div>
 <form action="/search/index.html" method="get" class="search"><input type="text" name="searchWord" />
 <button type="submit">搜索</button></form></div>
<div class="nav"><ul>
 <li><a href="/">首页</a></li><li class="on"><a href="/xxgk/index.html">政府信息公开</a></li>
 <li><a href="/zwfw/index.html">政务服务</a></li><li><a href="/hdjl/index.html">互动交流</a></li>
 <li><a href="/zjsd/index.html">走进山东</a></li>
</ul></div>
"""


_FOOTER = f"""<div class="footer">
 <div class="footer_nav"><a href="/">网站地图</a> | <a href="/">联系我们</a> | <a href="/">网站声明</a></div>
 <p>主办：山东省人民政府办公厅　承办：山东省大数据中心</p>
 <p>网站标识码：3700000063　鲁ICP备05023350号　鲁公网安备37010202000666号</p>
 <p><a href="{LISTING}">政策文件</a></p>
</div>
</body>
</html>
"""


def _crumb(last: str = "政策文件") -> str:
    return (
        '<div class="position">当前位置：<a href="/" class="CurrChnlCls">首页</a>&nbsp;&gt;&nbsp;'
        '<a href="/xxgk/index.html" class="CurrChnlCls">政府信息公开</a>&nbsp;&gt;&nbsp;'
        f'<a href="{LISTING}" class="CurrChnlCls">{esc(last)}</a></div>\n'
    )


def _xxgk_table(doc: Document, state: DocState) -> str:
    v = state.version
    return f"""<div class="xxgk_table">
<table class="table_suoyin" cellspacing="0" cellpadding="0" width="100%" align="center" border="0">
<tbody>
<tr>
 <td class="td_lable" width="15%"><b>索 引 号：</b></td><td width="35%">&nbsp;{esc(doc.index_no)}</td>
 <td class="td_lable" width="15%"><b>主题分类：</b></td><td width="35%">&nbsp;{esc(doc.topic)}</td>
</tr>
<tr>
 <td class="td_lable"><b>发文机关：</b></td><td>&nbsp;{esc(doc.agency)}</td>
 <td class="td_lable"><b>成文日期：</b></td><td>&nbsp;{cn_date(doc.written)}</td>
</tr>
<tr>
 <td class="td_lable"><b>标　　题：</b></td><td colspan="3">&nbsp;{esc(v.title)}</td>
</tr>
<tr>
 <td class="td_lable"><b>文　　号：</b></td><td>&nbsp;{esc(doc.doc_number)}</td>
 <td class="td_lable"><b>发布日期：</b></td><td>&nbsp;{iso_date(doc.published.date())}</td>
</tr>
<tr>
 <td class="td_lable"><b>有 效 性：</b></td><td class="youxiao">&nbsp;{esc(v.validity)}</td>
 <td class="td_lable"><b>主 题 词：</b></td><td></td>
</tr>
</tbody>
</table>
</div>
"""


def detail(doc: Document, state: DocState) -> str:
    """The detail page of a TRS xxgk document in ``state`` (attachments linked as ``./P0….pdf``)."""
    v = state.version
    metas = (
        f'<meta name="ArticleTitle" content="{esc(v.title)}">\n'
        f'<meta name="PubDate" content="{minute(doc.published)}">\n'
        f'<meta name="ContentSource" content="{esc(doc.source)}">\n'
        f'<meta name="Keywords" content="{esc("，".join(doc.keywords) or doc.topic)}">\n'
        f'<meta name="Description" content="{esc(v.title)}">\n'
        f'<meta name="Url" content="{state.path}">\n'
    )
    files = "\n".join(
        f'<p>{"附件：" if i == 0 else "　　　"}<a href="./{a.name}" OLDSRC="{a.name}" target="_blank">'
        f"{i + 1}.{esc(a.label)}</a></p>"
        for i, a in enumerate(doc.attachments)
    )
    related = "\n".join(f'<li><a href="{p}" target="_blank">{esc(t)}</a></li>' for t, p in doc.related)
    preamble = "\n".join(f'<p style="text-align: center;">（{esc(line)}）</p>' for line in doc.preamble)
    return (
        _head(f"{v.title}_政策文件_{SITE_NAME}", metas)
        + _crumb()
        + f"""<div class="xxgk_container">
<div class="xxgk_left"><ul class="xxgk_nav">
 <li class="on"><a href="{LISTING}">政策文件</a></li><li><a href="/xxgk/index.html">法定主动公开内容</a></li>
</ul></div>
<div class="xxgk_right">
{_xxgk_table(doc, state)}<div class="article">
<h1 class="article-title">{esc(v.title)}</h1>
<div class="article-info"><span>发布时间：{minute(doc.published)}</span>
 <span>来源：{esc(doc.source)}</span>
 <span>浏览次数：<span id="hits" class="j-info-hit" data-setting="{{infoId:{doc.doc_id}}}"></span></span>
 <span class="font">【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a>
 <a href="javascript:void(0)">小</a>】</span></div>
<div class="article-content" id="zoom">
<div class="TRS_UEDITOR trs_paper_default trs_web">
<p style="text-align: center;">{esc(doc.doc_number)}</p>
{preamble}
{paragraphs_html(v.paragraphs)}
{files}
</div>
</div>
<div class="article-editor">责任编辑：{esc(doc.editor)}</div>
<div class="share_close">【<a href="javascript:window.print()">打印本页</a>】
【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div class="xgwj"><h3>相关文件</h3><ul>
{related}
</ul></div>
</div>
</div>
</div>
"""
        + _FOOTER
    )


def listing(items: Sequence[tuple[Document, DocState]], page: int, total_pages: int) -> str:
    """One ``index[_N].html`` page of 政策文件; links are relative (``./YYYYMM/t….html``)."""
    lis = "\n".join(
        f'<li><a href="./{s.path[len(COLUMN) :]}" title="{esc(s.version.title)}" target="_blank">'
        f"{esc(s.version.title)}</a><span>{iso_date(d.published.date())}</span></li>"
        for d, s in items
    )
    return (
        _head(f"政策文件_{SITE_NAME}", script=_PAGER_JS)
        + _crumb()
        + f"""<div class="xxgk_container">
<div class="xxgk_left"><ul class="xxgk_nav">
 <li class="on"><a href="{LISTING}">政策文件</a></li>
 <li><a href="/xxgk/index.html">法定主动公开内容</a></li>
 <li><a href="{INTERNAL}">内部管理</a></li>
</ul></div>
<div class="xxgk_right">
<ul class="xxgk_list">
{lis}
</ul>
<div class="page"><script>createPageHTML({total_pages}, {page}, "index", "html");</script></div>
</div>
</div>
"""
        + _FOOTER
    )


def home(items: Sequence[tuple[Document, DocState]]) -> str:
    """The site home page."""
    lis = "\n".join(
        f'<li><a href="{s.path}">{esc(s.version.title)}</a><span>{iso_date(d.published.date())}</span></li>'
        for d, s in items
    )
    return (
        _head(SITE_NAME)
        + f"""<div class="index_main">
<div class="tzgg"><h2><a href="{LISTING}">政策文件</a></h2><ul>
{lis}
</ul></div>
</div>
"""
        + _FOOTER
    )


def not_found() -> str:
    """The 404 page."""
    return (
        _head(f"404_{SITE_NAME}") + '<div class="error"><h2>404 Not Found</h2><p>很抱歉，您访问的页面不存在！</p>'
        '<p><a href="/">返回首页</a></p></div>\n' + _FOOTER
    )


def gone() -> str:
    """The 410 page (a short nginx-style body)."""
    return (
        "<html>\n<head><title>410 Gone</title></head>\n<body>\n<center><h1>410 Gone</h1></center>\n"
        "<hr><center>nginx</center>\n</body>\n</html>\n"
    )


def stub(title: str) -> str:
    """A column page outside the scenario (navigation target)."""
    return (
        _head(f"{title}_{SITE_NAME}")
        + _crumb(title)
        + f'<div class="xxgk_container"><h2>{esc(title)}</h2><p>栏目内容更新中。</p></div>\n'
        + _FOOTER
    )


def internal() -> str:
    """The page under the robots-disallowed path."""
    body = '<div class="xxgk_container"><p>内部管理系统，请登录。</p></div>\n'
    return _head(f"内部管理_{SITE_NAME}") + body + _FOOTER

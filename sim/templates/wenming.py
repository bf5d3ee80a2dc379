"""A local 文明网 (TRS-like, served in GBK): ``div.xilan-main`` article with ``#zoom``, a
``div.place`` breadcrumb, ``【打印本页】【关闭窗口】`` and a single ``index.shtml`` list.

Pages declare ``<meta http-equiv="Content-Type" content="text/html; charset=gb2312">``;
the server decides which ``Content-Type`` header goes with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.model import DocState, Document
from sim.templates.common import esc, iso_date, paragraphs_html

SITE_NAME = "淄博文明网"
COLUMN = "/wmcj/"
LISTING = "/wmcj/index.shtml"
ADMIN = "/admin/login.shtml"
STUBS: dict[str, str] = {
    "/wmsj/index.shtml": "文明实践",
    "/zyfw/index.shtml": "志愿服务",
    "/dxrw/index.shtml": "典型人物",
}
SOFT_404_TEXT = "您访问的页面不存在或已被删除"


def _head(title: str, metas: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="zb.wenming.cn">
<meta name="ColumnName" content="文明创建">
{metas}<title>{esc(title)}</title>
<link href="/images/style.css" rel="stylesheet" type="text/css" />
</head>
<body>
<div class="top"><div class="top_l"><a href="/">中国文明网</a>　<a href="/">{SITE_NAME}</a></div>
 <div class="top_r"><a href="javascript:void(0)">设为首页</a> · <a href="javascript:void(0)">加入收藏</a></div></div>
<div class="logo"><a href="/"><img src="/images/logo.jpg" alt="{SITE_NAME}" /></a></div>
<div class="nav"><ul>
 <li><a href="/">首页</a></li><li class="on"><a href="{LISTING}">文明创建</a></li>
 <li><a href="/wmsj/index.shtml">文明实践</a></li><li><a href="/zyfw/index.shtml">志愿服务</a></li>
 <li><a href="/dxrw/index.shtml">典型人物</a></li>
</ul></div>
"""


_FOOTER = """<div class="footer">
 <p><a href="/">关于我们</a> | <a href="/">版权声明</a> | <a href="/">联系我们</a></p>
 <p>中共淄博市委宣传部　淄博市精神文明建设委员会办公室主办</p>
 <p>鲁ICP备09026934号</p>
</div>
</body>
</html>
"""


def _place(last: str = "文明创建") -> str:
    return f'<div class="place">当前位置：<a href="/">首页</a> &gt; <a href="{LISTING}">{esc(last)}</a></div>\n'


def detail(doc: Document, state: DocState) -> str:
    """The article page of a 文明网 news item."""
    v = state.version
    stamp = doc.published.strftime("%Y-%m-%d %H:%M:%S")
    metas = (
        f'<meta name="ArticleTitle" content="{esc(v.title)}">\n'
        f'<meta name="PubDate" content="{doc.published.strftime("%Y-%m-%d %H:%M")}">\n'
        f'<meta name="ContentSource" content="{esc(doc.source)}">\n'
        f'<meta name="Keywords" content="{esc("，".join(doc.keywords) or "文明创建")}">\n'
    )
    related = "\n".join(f'<li><a href="{p}">{esc(t)}</a></li>' for t, p in doc.related)
    return (
        _head(f"{v.title}_文明创建_{SITE_NAME}", metas)
        + '<div class="wrap">\n'
        + _place()
        + f"""<div class="xilan-main">
 <div class="ftheme">{esc(v.title)}</div>
 <div class="xl-fam">
  <div class="flot-ly"><span>发布时间：{stamp}</span> <span>来源：{esc(doc.source)}</span>
   <span>浏览次数：<span id="hits" class="j-info-hit" data-setting="{{infoId:{doc.doc_id}}}"></span></span>
   <span class="zt">【字体：<i onclick="doZoom(18);">大</i> <i onclick="doZoom(16);">中</i>
   <i onclick="doZoom(14);">小</i>】</span></div>
  <div class="zwh1" id="zoom"><div class="TRS_Editor">
{paragraphs_html(v.paragraphs, "text-indent: 2em; line-height: 2;")}
  </div></div>
  <div id="div_div"><div id="qr_container">扫一扫在手机打开当前页</div></div>
  <div class="ffxar"><span>责任编辑：{esc(doc.editor)}</span>
   <span class="print" onclick="window.print();">【打印本页】</span>
   <span onclick="window.close();">【关闭窗口】</span></div>
  <div class="xgxw"><h3>相关新闻</h3><ul>
{related}
  </ul></div>
 </div>
</div>
</div>
"""
        + _FOOTER
    )


def listing(items: Sequence[tuple[Document, DocState]]) -> str:
    """The single ``index.shtml`` list (links relative, newest first)."""
    lis = "\n".join(
        f"<li><span>{iso_date(d.published.date())}</span>"
        f'<a href="./{s.path[len(COLUMN) :]}" target="_blank">{esc(s.version.title)}</a></li>'
        for d, s in items
    )
    return (
        _head(f"文明创建_{SITE_NAME}")
        + '<div class="wrap">\n'
        + _place()
        + f"""<div class="list_box">
<ul class="list_ul">
{lis}
</ul>
</div>
</div>
<div class="admin_link"><a href="{ADMIN}">后台管理</a></div>
"""
        + _FOOTER
    )


def home(items: Sequence[tuple[Document, DocState]]) -> str:
    """The site home page."""
    lis = "\n".join(f'<li><a href="{s.path}">{esc(s.version.title)}</a></li>' for _, s in items)
    return (
        _head(SITE_NAME)
        + f"""<div class="wrap index">
<div class="wmcj"><h2><a href="{LISTING}">文明创建</a></h2><ul>
{lis}
</ul></div>
</div>
"""
        + _FOOTER
    )


def soft_404() -> str:
    """The 200 page a deleted article turns into (short body inside the site shell)."""
    return (
        _head(f"提示信息_{SITE_NAME}")
        + '<div class="wrap">\n'
        + _place()
        + f'<div class="error_box"><p>{SOFT_404_TEXT}！</p><p><a href="/">返回首页</a></p></div>\n</div>\n'
        + _FOOTER
    )


def not_found() -> str:
    """The 404 page."""
    return (
        _head(f"404_{SITE_NAME}")
        + '<div class="wrap"><div class="error_box"><p>404 页面未找到</p></div></div>\n'
        + _FOOTER
    )


def stub(title: str) -> str:
    """A column page outside the scenario (navigation target)."""
    return (
        _head(f"{title}_{SITE_NAME}")
        + '<div class="wrap">\n'
        + _place(title)
        + f'<div class="list_box"><p>{esc(title)}栏目内容更新中。</p></div>\n</div>\n'
        + _FOOTER
    )


def internal() -> str:
    """The robots-disallowed admin login page."""
    return (
        _head(f"后台管理_{SITE_NAME}") + '<div class="wrap"><form action="/admin/login.shtml" method="post">'
        '用户名：<input name="u" /> 密码：<input name="p" type="password" /></form></div>\n' + _FOOTER
    )

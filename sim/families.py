"""Bulk sites of the two CMS families whose lists are not static pages (domain brief §1.2).

- :class:`HanwebSite` (大汉 JCMS, e.g. Jiangsu cities): the column page ``/col/col1234/index.html``
  carries the ``jpage`` parameters in a ``<script type="text/xml">`` datastore (with the first
  records embedded, as Jiangsu pages do); the list itself comes from
  ``POST /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=`` with the form
  fields ``col, appid, webid, path, columnid, sourceContentType, unitid, webname,
  permissiontype`` and answers XML ``<datastore><recordset><record><![CDATA[<li>…]]>…``
  with ``<totalrecord>``/``<totalpage>``. Without ``columnid`` and ``unitid`` it answers an
  empty datastore. Articles at ``/art/YYYY/M/D/art_1234_<id>.html``.
- :class:`GkmlptSite` (Guangdong 政府信息公开目录管理平台): ``/gzjg/gkmlpt/index`` with
  ``window._CONFIG = {SID: …}``; ``/gzjg/gkmlpt/api/all/2311?page=N&sid=SID`` answers JSON
  ``{articles: [{title, url, create_time, date, document_number}], total, offset}``, 100 items
  a page (403 without the right ``sid``). Articles at ``/gzjg/gkmlpt/content/2/2311/post_<id>.html``.

Detail pages reuse the TRS xxgk template (metadata table, ``#zoom`` body); what differs per
family, and what the spiders must get right, is how the list is obtained.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from urllib.parse import quote

from aiohttp import web

from sim.bulk import BulkSite

HANWEB_COLUMN = 1234
HANWEB_UNIT = 5678
HANWEB_EMBEDDED = 15  # records embedded in the column page
GKMLPT_COLUMN = 2311
GKMLPT_SID = "76"
GKMLPT_PER_PAGE = 100


def _li(url: str, title: str, when: datetime) -> str:
    link = f'<a href="{url}" title="{escape(title)}" target="_blank">{escape(title)}</a>'
    return f"<li>{link}<span>{when:%Y-%m-%d}</span></li>"


class HanwebSite(BulkSite):
    """A Hanweb JCMS column served through ``jpage``'s data proxy (see module docstring)."""

    COLUMN_PAGE = f"/col/col{HANWEB_COLUMN}/index.html"
    PROXY = "/module/web/jpage/dataproxy.jsp"

    @property
    def listing_url(self) -> str:
        """The column page."""
        return self.origin + self.COLUMN_PAGE

    def doc_path(self, when: datetime, doc_id: int) -> str:
        """``/art/YYYY/M/D/art_<col>_<id>.html``."""
        return f"/art/{when.year}/{when.month}/{when.day}/art_{HANWEB_COLUMN}_{doc_id}.html"

    def _records(self, start: int, end: int) -> str:
        docs = self._docs[start - 1 : end]
        return "\n".join(f"<record><![CDATA[{_li(d.path, d.title, d.published)}]]></record>" for d in docs)

    def family_page(self, path: str) -> str | None:
        """The column page with the jpage datastore."""
        if path != self.COLUMN_PAGE:
            return None
        query = (
            f"page=1&appid=1&webid=3&path=/&columnid={HANWEB_COLUMN}&unitid={HANWEB_UNIT}"
            f"&webname={quote('苏州市人民政府')}&permissiontype=0"
        )
        return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>政策文件 苏州市人民政府</title></head>
<body><div class="main"><h2>政策文件</h2>
<div id="{HANWEB_UNIT}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{self.PROXY}?{query}"></a>]]></nextgroup>
<recordset>
{self._records(1, HANWEB_EMBEDDED)}
</recordset></datastore></script>
<script language="javascript" src="/module/web/jpage/jpage.js" charset="utf-8"></script></div>
</div></body></html>"""

    async def family_answer(self, request: web.Request) -> web.Response | None:
        """The data proxy."""
        if request.path != self.PROXY:
            return None
        form = await request.post() if request.method == "POST" else {}
        if str(form.get("columnid", "")) != str(HANWEB_COLUMN) or str(form.get("unitid", "")) != str(HANWEB_UNIT):
            body = "<datastore><recordset></recordset><totalrecord>0</totalrecord><totalpage>0</totalpage></datastore>"
            return web.Response(text=body, content_type="text/xml")
        start = int(request.query.get("startrecord", "1"))
        end = int(request.query.get("endrecord", str(start + 59)))
        per = int(request.query.get("perpage", "20"))
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>\n"
            f"{self._records(start, end)}\n</recordset><totalrecord>{self.n}</totalrecord>"
            f"<totalpage>{-(-self.n // per)}</totalpage></datastore>"
        )
        return web.Response(text=body, content_type="text/xml")


class GkmlptSite(BulkSite):
    """A Guangdong gkmlpt column served through its JSON API (see module docstring).
    ``declared_total`` makes the API claim more documents than it serves (as Zhaoqing's does)."""

    declared_total: int | None = None

    INDEX = "/gzjg/gkmlpt/index"
    API = f"/gzjg/gkmlpt/api/all/{GKMLPT_COLUMN}"

    @property
    def listing_url(self) -> str:
        """The column as configured: the index page with the column id as fragment."""
        return f"{self.origin}{self.INDEX}#{GKMLPT_COLUMN}"

    def doc_path(self, when: datetime, doc_id: int) -> str:
        """``/gzjg/gkmlpt/content/2/2311/post_<id>.html``."""
        return f"/gzjg/gkmlpt/content/{doc_id % 10}/{GKMLPT_COLUMN}/post_{doc_id}.html"

    def family_page(self, path: str) -> str | None:
        """The platform's index page carrying ``window._CONFIG``."""
        if path != self.INDEX:
            return None
        return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开目录</title>
<script>window._CONFIG = {{SID: "{GKMLPT_SID}", TITLE: "广州市人民政府", DEPT: "gzjg"}};</script></head>
<body><div id="app">正在加载……</div><script src="/gkmlpt/static/js/app.js"></script></body></html>"""

    async def family_answer(self, request: web.Request) -> web.Response | None:
        """The column API."""
        if request.path != self.API:
            return None
        if request.query.get("sid") != GKMLPT_SID:
            return web.json_response({"error": "forbidden"}, status=403)
        page = max(1, int(request.query.get("page", "1")))
        docs = self._docs[(page - 1) * GKMLPT_PER_PAGE : page * GKMLPT_PER_PAGE]
        articles = [
            {
                "id": int(d.doc_id),
                "title": d.title,
                "url": self.origin + d.path,
                "create_time": int(d.published.timestamp()),
                "date": int(d.published.timestamp()),
                "document_number": d.doc_number,
            }
            for d in docs
        ]
        total = self.n if self.declared_total is None else self.declared_total
        body = {"articles": articles, "total": total, "offset": (page - 1) * GKMLPT_PER_PAGE, "classify": {}}
        return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")

"""A 信用 site behind a Ruishu-style (瑞数) bot wall: the list answers 200, every detail page
answers HTTP 412 with a challenge body and ``…O`` cookies. Nothing here can be "solved":
the challenge script it points to does not exist.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence

from sim.model import DocState, Document
from sim.templates.common import esc, iso_date

SITE_NAME = "信用山东"
COLUMN = "/xyzx/"
LISTING = "/xyzx/index.html"
API = "/api/credit/search"
STUBS: dict[str, str] = {"/xyfw/index.html": "信用服务", "/zcfg/index.html": "政策法规"}

_ALNUM = string.ascii_letters + string.digits


def _rand(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _head(title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="credit.shandong.gov.cn">
<title>{esc(title)}</title>
<link rel="stylesheet" href="/static/css/main.css">
</head>
<body>
<div class="header"><div class="logo"><a href="/">{SITE_NAME}</a></div>
<ul class="nav"><li><a href="/">首页</a></li><li class="on"><a href="{LISTING}">信用资讯</a></li>
<li><a href="/xyfw/index.html">信用服务</a></li><li><a href="/zcfg/index.html">政策法规</a></li></ul></div>
"""


_FOOTER = f"""<div class="footer"><p>主办单位：山东省发展和改革委员会　技术支持：山东省公共信用信息平台</p>
<p><a href="{API}">数据接口</a>　鲁ICP备10000000号</p></div>
</body>
</html>
"""


def listing(items: Sequence[tuple[Document, DocState]]) -> str:
    """The 信用资讯 list (200), linking to detail pages that are walled."""
    lis = "\n".join(
        f'<li><a href="./{s.path[len(COLUMN) :]}" target="_blank">{esc(s.version.title)}</a>'
        f'<span class="time">{iso_date(d.published.date())}</span></li>'
        for d, s in items
    )
    return (
        _head(f"信用资讯_{SITE_NAME}")
        + f"""<div class="position">当前位置：<a href="/">首页</a> &gt; 信用资讯</div>
<div class="main"><ul class="news-list">
{lis}
</ul></div>
"""
        + _FOOTER
    )


def home(items: Sequence[tuple[Document, DocState]]) -> str:
    """The site home page."""
    lis = "\n".join(f'<li><a href="{s.path}">{esc(s.version.title)}</a></li>' for _, s in items)
    return (
        _head(SITE_NAME)
        + f'<div class="main"><h2><a href="{LISTING}">信用资讯</a></h2><ul>\n{lis}\n</ul></div>\n'
        + _FOOTER
    )


def stub(title: str) -> str:
    """A column page outside the scenario."""
    return _head(f"{title}_{SITE_NAME}") + f'<div class="main"><h2>{esc(title)}</h2></div>\n' + _FOOTER


def not_found() -> str:
    """The 404 page."""
    return _head(f"404_{SITE_NAME}") + '<div class="main"><p>页面不存在</p></div>\n' + _FOOTER


def challenge(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """A Ruishu-style 412 body and its ``Set-Cookie`` headers (names ending in ``O``)."""
    meta_id = _rand(rng, 22)
    meta_content = _rand(rng, 480, _ALNUM + "._")
    nsd = rng.randint(10000, 99999)
    cd = _rand(rng, 600, _ALNUM + "._")
    script = f"/{_rand(rng, 12)}/{_rand(rng, 10)}.{_rand(rng, 10, 'abcdef0123456789')}.js"
    body = f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="Expires" content="0">
<meta http-equiv="Cache-Control" content="no-cache">
<meta http-equiv="Pragma" content="no-cache">
<meta id="{meta_id}" content="{meta_content}" r='m'>
<script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd={nsd};$_ts.cd="{cd}";</script>
<script type="text/javascript" charset="utf-8" src="{script}" r='m'></script>
</head>
<body>
<script type="text/javascript" r='m'>$_ts.lcd();</script>
</body></html>
"""
    cookies = [
        (
            "Set-Cookie",
            f"{_rand(rng, 12)}O={_rand(rng, 96, _ALNUM + '._')}; Path=/; "
            "Expires=Mon, 01 Mar 2036 02:00:00 GMT; HttpOnly",
        ),
        ("Set-Cookie", f"{_rand(rng, 17)}O={_rand(rng, 64, _ALNUM + '._')}; Path=/; HttpOnly"),
    ]
    return body, cookies

"""TRS WCM family: ``index.html``/``index_N.html`` listings paginated by ``createPageHTML``, ``tYYYYMMDD_id`` pages.

Issuer: ministries, provincial and municipal 政府信息公开 portals, wenming.cn (the most common CMS).
Listing URL: e.g. https://www.ndrc.gov.cn/xxgk/zcfb/tz/index.html
Update frequency: daily to weekly per column.
Caveats: two ``createPageHTML`` signatures exist — ``(total, current, "index", "html")`` is 0-based
  (page 2 is ``index_1.html``), ``('paging', total, current, 'index', 'html', count)`` is 1-based
  (page 2 is ``index_2.html``); declared page counts can 404; lists mix in external links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapy.http import Response

from crawlers.base import PolicySpider

_ZERO_BASED = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]")
_ONE_BASED = re.compile(
    r"createPageHTML\(\s*['\"]\w+['\"]\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)


def trs_pages(script: str) -> list[str]:
    """Relative listing page names announced by a ``createPageHTML`` call (excluding the first page)."""
    if m := _ONE_BASED.search(script):
        total, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        return [f"{stem}_{i}.{ext}" for i in range(2, total + 1)]
    if m := _ZERO_BASED.search(script):
        total, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        return [f"{stem}_{i}.{ext}" for i in range(1, total)]
    return []


class TrsSpider(PolicySpider):
    """TRS WCM columns (see module docstring)."""

    name = "trs"
    detail_pattern = r"/t\d{8}_\d+\.s?html?$"

    def next_pages(self, response: Response) -> Iterable[str]:
        """All pages announced by the page's ``createPageHTML`` call."""
        return [response.urljoin(p) for p in trs_pages(response.text)]

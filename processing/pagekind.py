"""What kind of page a fetch returned: document, listing, soft 404, bot wall, or unknown.

* BLOCKED: HTTP 412 (Ruishu, Alibaba Cloud) or 521 (加速乐), or a challenge script signature
  (``$_ts``, ``__jsl_clearance``, ``acw_sc__v2``, WZWS) on a page with almost no visible text.
* SOFT_404: an HTTP 200 page saying 页面不存在 / 您访问的页面不存在或已被删除 / 该信息已删除 /
  该信息已撤稿 / 404 Not Found ... with little other text.
* LISTING: pagination (``createPageHTML``, ``countPage``, 下一页/尾页) or many dated links, and
  hardly any paragraph text.
* DOCUMENT: labelled xxgk metadata, or real body text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from processing.dates import parse_date
from processing.html_text import Element, compact, iter_blocks, paragraph_length, text_content
from processing.types import PageKind

BLOCK_STATUSES = frozenset({412, 521})
_WALL_RE = re.compile(r"\$_ts\s*=|\$_ts\[|__jsl_clearance|jsl_clearance_s|acw_sc__v2|wzwschallenge|加速乐")
SOFT_404_PHRASES = (
    "您访问的页面不存在或已被删除",
    "页面不存在",
    "页面已删除",
    "该信息已删除",
    "该信息已撤稿",
    "信息已撤稿",
    "信息已被删除",
    "该文章已删除",
    "文章不存在",
    "信息不存在",
    "页面找不到",
    "找不到该页面",
    "页面未找到",
    "404 Not Found",
    "404 - 找不到文件或目录",
    "404错误",
    "Not Found",
)
_PAGINATION_RE = re.compile(r"createPageHTML|countPage\s*=|pageCount\s*=|下一页|尾页|共\s*\d+\s*页")
_DATE_IN_TEXT_RE = re.compile(r"(?:19|20)\d{2}\s*[年\-./]\s*\d{1,2}")
_JUNK_CATEGORIES = frozenset({"Cc", "Co", "Cs", "Cn"})
_WALL_MAX_TEXT = 200
_SOFT_404_MAX_PROSE = 200
_LISTING_MAX_PROSE = 300
_DOCUMENT_MIN_PROSE = 100
PROSE_CAP = 1000
_PROSE_MIN_PARAGRAPH = 20


@dataclass
class PageSignals:
    """Measurements of one page that decide its kind; the costly ones are computed on demand."""

    http_status: int
    raw_html: str
    title_text: str
    page_text: str
    labelled_fields: int
    has_title_and_date: bool
    page: Element | None = None
    readable: bool = True

    @cached_property
    def prose_chars(self) -> int:
        """Characters of real prose on the page (see :func:`prose_chars`)."""
        return prose_chars(self.page) if self.page is not None else 0

    @cached_property
    def dated_links(self) -> int:
        """Number of dated link entries on the page (see :func:`count_dated_links`)."""
        return count_dated_links(self.page) if self.page is not None else 0


def is_blocked(http_status: int, raw_html: str, visible_chars: int) -> bool:
    """A bot-wall challenge: status 412/521, or a challenge script on a near-empty page."""
    if http_status in BLOCK_STATUSES:
        return True
    return visible_chars < _WALL_MAX_TEXT and bool(_WALL_RE.search(raw_html[:200_000]))


def soft_404_phrase(text: str) -> str | None:
    """The first soft-404 phrase found in ``text``, if any."""
    return next((phrase for phrase in SOFT_404_PHRASES if phrase in text), None)


def is_soft_404(signals: PageSignals) -> bool:
    """A page that says it is gone, with hardly any prose and no xxgk metadata."""
    if signals.labelled_fields >= 2:
        return False
    if soft_404_phrase(signals.title_text):
        return signals.prose_chars < 2 * _SOFT_404_MAX_PROSE
    return bool(soft_404_phrase(signals.page_text)) and signals.prose_chars < _SOFT_404_MAX_PROSE


def is_listing(signals: PageSignals) -> bool:
    """Mostly a list of links: pagination or many dated links, and hardly any prose."""
    if signals.prose_chars >= _LISTING_MAX_PROSE:
        return False
    paginated = bool(_PAGINATION_RE.search(signals.raw_html))
    return paginated or signals.dated_links >= 8


def classify(signals: PageSignals) -> PageKind:
    """The :class:`PageKind` of a page from its :class:`PageSignals`."""
    if is_blocked(signals.http_status, signals.raw_html, len(compact(signals.page_text))):
        return PageKind.BLOCKED
    if is_soft_404(signals):
        return PageKind.SOFT_404
    if signals.labelled_fields >= 2:
        return PageKind.DOCUMENT
    if is_listing(signals):
        return PageKind.LISTING
    if not signals.readable:
        return PageKind.UNKNOWN
    if signals.prose_chars >= _DOCUMENT_MIN_PROSE or signals.has_title_and_date:
        return PageKind.DOCUMENT
    return PageKind.UNKNOWN


_FFFD_RUN_RE = re.compile("\ufffd+")


def is_readable(text: str, sample: int = 5000) -> bool:
    """False for binary junk: many control, unassigned, private-use or U+FFFD characters."""
    chunk = text[:sample]
    if not chunk:
        return True
    bad = sum(1 for char in chunk if char not in "\n\t\r" and unicodedata.category(char) in _JUNK_CATEGORIES)
    bad += len(_FFFD_RUN_RE.findall(chunk))  # one undecodable stretch (a few bytes) counts once
    return bad <= 0.05 * len(chunk)


def count_dated_links(root: Element) -> int:
    """Number of short list items / rows that hold a link and a date (a list page's entries)."""
    count = 0
    for el in root.iter("li", "tr", "dd", "dt"):
        if el.find(".//a") is None:
            continue
        text = text_content(el)
        if len(text) < 200 and _DATE_IN_TEXT_RE.search(text) and parse_date(text):
            count += 1
    return count


def prose_chars(root: Element, cap: int = PROSE_CAP) -> int:
    """Characters in paragraphs of at least 20 characters of non-link text (real prose).

    Counting stops once ``cap`` is passed: the kind rules only compare against small thresholds.
    """
    total = 0
    for el in iter_blocks(root):
        length = paragraph_length(el)
        if length >= _PROSE_MIN_PARAGRAPH:
            total += length
            if total > cap:
                break
    return total

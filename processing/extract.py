"""HTML page -> :class:`~processing.types.Extracted`: metadata, body text, attachments, page kind.

Sources of metadata, in order of trust:

1. the labelled xxgk block (:mod:`processing.xxgk`): tables, lists, ``label：value`` lines;
2. ``<meta>`` tags: ``ArticleTitle`` -> title, ``firstpublishedtime``/``PubDate`` -> publish date
   (never ``ContentSource``: a 来源 is not the issuing agency);
3. the headline (``h1``, ``.title``...) for the title, a ``国发〔2019〕4号`` line at the top of the body
   for the document number, the signature block (落款: agency line + date line) for the written
   date of a numbered document;
4. the ``<title>`` element, with site suffixes (``_中国政府网``, `` - XX市人民政府``) stripped.

A value that no source states is ``None``, never a guess. Garbage input never raises: it gives an
``UNKNOWN`` (or ``BLOCKED`` for HTTP 412/521) page with empty text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace

from lxml import etree

from processing.body import (
    attachment_areas,
    body_text,
    find_attachments,
    find_body,
    strip_boilerplate,
    tagged_elements,
)
from processing.dates import is_date_line, parse_date
from processing.html_text import (
    Element,
    class_tokens,
    drop_elements,
    drop_noise,
    inline_text,
    meta_tags,
    parse_html,
    tag_of,
    text_content,
    title_element_text,
)
from processing.normalize import normalize_doc_number
from processing.pagekind import BLOCK_STATUSES, PageSignals, classify, is_readable
from processing.types import Extracted, Metadata, PageKind
from processing.xxgk import Fields, find_fields

PAGE_META_NAMES = (
    "lastmodifiedtime",
    "firstpublishedtime",
    "manuscriptId",
    "SiteIDCode",
    "SiteName",
    "SiteDomain",
    "ColumnName",
    "ContentSource",
    "PubDate",
    "publishdate",
    "ArticleTitle",
    "Keywords",
    "Url",
)
_META_CANONICAL = {name.lower(): name for name in PAGE_META_NAMES}
_PUBLISH_META = ("firstpublishedtime", "PubDate", "publishdate")
_HEADLINE_TOKEN_RE = re.compile(
    r"^(?:article[-_]?title|news[-_]?title|sp_title|main[-_]?title|old_title|xx-tit|title|tit|"
    r"doc[-_]?title|detail[-_]?title|content[-_]?title|con[-_]?title|am-article-title|h-title|"
    r"biaoti|headline|bt)$"
)
_HEADLINE_XPATH = etree.XPath("descendant-or-self::*[self::h1 or self::h2 or @class or @id]")
_CHROME_TOKEN_RE = re.compile(r"nav|menu|footer|header|logo|breadcrumb|crumb|share|qrcode|erweima")
_TITLE_SPLIT_RE = re.compile(r"\s*(?:_|\||｜|\s[-–—]\s|(?<=\D)-(?=\D))\s*")
_SITE_NAME_RE = re.compile(r"(网|网站|门户|官网|人民政府|政府)$|^(www\.|http)")
_DOC_NUMBER_LINE_RE = re.compile(r"[\u4e00-\u9fff]{1,16}\s*[〔\[【(﹝]\s*\d{4}\s*[〕\]】)﹞]\s*第?\s*\d{1,5}\s*号")
_AGENCY_LINE_RE = re.compile(
    r"[\u4e00-\u9fff（）()、\s]{2,60}(?:院|厅|局|委|会|部|办|府|室|处|署|中心|政府|办公厅|办公室|公司|所|站|队|团)"
)
_LOG = logging.getLogger(__name__)
_SIGNATURE_WINDOW = 8
_DOC_NUMBER_WINDOW = 10


def extract(html: str, url: str, http_status: int = 200) -> Extracted:
    """Extract metadata, body text, attachments and the page kind from one decoded HTML page."""
    try:
        return _without_controls(_extract(html, url, http_status))
    except Exception:  # garbage in must never crash a crawl; report an unknown page instead
        _LOG.warning("extraction failed for %s; reporting an unknown page", url, exc_info=True)
        return _empty(http_status)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _without_controls(ex: Extracted) -> Extracted:
    """Drop control characters (terminal escapes, BEL, NUL) that archived pages may carry."""
    fields = {k: _CONTROLS.sub("", v) or None if v else v for k, v in ex.metadata.as_dict().items()}
    return replace(ex, metadata=Metadata(**fields), text=_CONTROLS.sub("", ex.text))


_MAX_DOC_NUMBER_NORM = 200


def _norm_or_none(doc_number: str | None) -> str | None:
    """The normalised 文号, or None when there is none or NFKC blew it up past any real one (ligature
    characters such as U+FDFA expand eighteenfold)."""
    norm = normalize_doc_number(doc_number) if doc_number else None
    return norm if norm and len(norm) <= _MAX_DOC_NUMBER_NORM else None


def _empty(http_status: int) -> Extracted:
    kind = PageKind.BLOCKED if http_status in BLOCK_STATUSES else PageKind.UNKNOWN
    return Extracted(kind=kind, metadata=Metadata(), text="")


def _extract(html: str, url: str, http_status: int) -> Extracted:
    root = parse_html(html)
    if root is None:
        return _empty(http_status)
    page_meta = collect_page_meta(root)
    title_text = title_element_text(root)
    drop_noise(root)
    page = root.find("body")
    page = root if page is None else page
    page_text = text_content(page)
    tagged = tagged_elements(page)
    body = find_body(page, tagged)
    fields = find_fields(root, body)
    attachments = find_attachments(attachment_areas(tagged, body), url)
    early_title = fields.values.get("title") or _spaces(page_meta.get("ArticleTitle"))
    found_headline = None if early_title else headline(page, title_text)
    text = _clean_body_text(body, fields)
    publish = fields.values.get("publish_date") or _meta_publish_date(page_meta)
    signals = PageSignals(
        http_status=http_status,
        raw_html=html,
        title_text=title_text,
        page_text=page_text,
        labelled_fields=len(fields.values),
        has_title_and_date=bool((early_title or found_headline) and publish),
        page=page,
        readable=is_readable(text),
    )
    kind = classify(signals)
    if not signals.readable:
        text = ""
    if kind in (PageKind.BLOCKED, PageKind.SOFT_404):
        return Extracted(kind=kind, metadata=Metadata(), text=text, page_meta=page_meta)
    if kind is PageKind.LISTING:
        found_headline = None
    title = early_title or found_headline or strip_site_suffix(title_text)
    metadata = _metadata(fields, page_meta, title, text)
    return Extracted(kind=kind, metadata=metadata, text=text, attachments=attachments, page_meta=page_meta)


def _clean_body_text(body: Element | None, fields: Fields) -> str:
    if body is None:
        return ""
    ancestors = {id(el) for el in body.iterancestors()}
    drop_elements(block for block in fields.blocks if block is not body and id(block) not in ancestors)
    strip_boilerplate(body)
    return body_text(body)


def collect_page_meta(root: Element) -> dict[str, str]:
    """The interesting ``<meta name=...>`` values (first non-empty one per name), canonical names."""
    found: dict[str, str] = {}
    for name, content in meta_tags(root):
        canonical = _META_CANONICAL.get(name.lower())
        if canonical and content and canonical not in found:
            found[canonical] = content
    return found


def _meta_publish_date(page_meta: dict[str, str]) -> str | None:
    for name in _PUBLISH_META:
        value = parse_date(page_meta.get(name))
        if value:
            return value
    return None


def _metadata(fields: Fields, page_meta: dict[str, str], title: str | None, text: str) -> Metadata:
    values = fields.values
    doc_number = values.get("doc_number") or doc_number_from_body(text)
    norm = _norm_or_none(doc_number)
    doc_number = doc_number if norm else None  # one that normalises past any real 文号 is not one
    written = values.get("written_date") or (signature_date(text) if doc_number else None)
    return Metadata(
        title=title,
        agency=values.get("agency"),
        doc_number=doc_number,
        doc_number_norm=norm,
        written_date=written,
        publish_date=values.get("publish_date") or _meta_publish_date(page_meta),
        index_number=values.get("index_number"),
        topic=values.get("topic"),
        validity=values.get("validity"),
    )


def _spaces(value: str | None) -> str | None:
    return re.sub(r"\s+", " ", value).strip() if value else None


def _in_chrome(el: Element) -> bool:
    for ancestor in el.iterancestors():
        if tag_of(ancestor) in ("nav", "header", "footer"):
            return True
        if any(_CHROME_TOKEN_RE.search(token) for token in class_tokens(ancestor)):
            return True
    return False


def headline(root: Element, reference: str) -> str | None:
    """The page's headline: an ``h1``/``h2`` or ``.title``-like block, preferring one that the
    ``<title>`` element repeats (``reference``)."""
    best: tuple[int, int, str] | None = None
    for order, el in enumerate(_HEADLINE_XPATH(root)):
        tag = tag_of(el)
        titled = any(_HEADLINE_TOKEN_RE.match(token) for token in class_tokens(el))
        if not (titled or tag in ("h1", "h2")):
            continue
        text = inline_text(el)
        if not 4 <= len(text) <= 200 or "：" in text[:8] or _in_chrome(el):
            continue
        rank = 0 if reference and text in reference else (1 if titled else 2 if tag == "h1" else 3)
        if best is None or (rank, order) < best[:2]:
            best = (rank, order, text)
    return best[2] if best else None


def strip_site_suffix(title: str) -> str | None:
    """A ``<title>`` without its site/column parts (``_国务院文件_中国政府网``, `` - XX市人民政府``).

    The title is the first ``_``/``-``/``|``-separated segment that is not a site name.
    """
    segments = [segment.strip() for segment in _TITLE_SPLIT_RE.split(title) if segment.strip()]
    if not segments:
        return None
    return next((segment for segment in segments if not _SITE_NAME_RE.search(segment)), segments[0])


def doc_number_from_body(text: str) -> str | None:
    """A 发文字号 printed on its own line near the top of the body (e.g. under the title)."""
    for line in text.split("\n")[:_DOC_NUMBER_WINDOW]:
        candidate = line.strip()
        if _DOC_NUMBER_LINE_RE.fullmatch(unicodedata.normalize("NFKC", candidate)):
            return candidate
    return None


def signature_date(text: str) -> str | None:
    """The date of a signature block (落款): an agency line followed by a date line at the end."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][-_SIGNATURE_WINDOW:]
    for index in range(len(lines) - 1, 0, -1):
        if is_date_line(lines[index]) and _AGENCY_LINE_RE.fullmatch(lines[index - 1]):
            return parse_date(lines[index])
    return None

"""Find the document body in a cleaned page, strip its boilerplate and render it as text.

The body is the first known CMS container that holds real text (gov.cn ``#UCAP-CONTENT``,
TRS ``.trs_editor_view``/``.TRS_UEDITOR``, ``#zoom``, gkmlpt ``.article-content``, ...); otherwise the
most text-dense block, scored from its paragraphs (readability style). Share bars, print/close
buttons, visit counters, breadcrumbs and related-link lists are removed from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from processing.html_text import (
    Element,
    block_text,
    class_tokens,
    compact,
    drop_elements,
    inline_text,
    iter_blocks,
    link_text_length,
    paragraph_length,
    tag_of,
    text_content,
    with_id_or_class,
)
from processing.types import Attachment

# Known body containers, most specific first: (id, class token or tag) -> matched case-insensitively.
_BODY_IDS = ("ucap-content", "zoom", "fontzoom", "info_content", "cmsarticlezzzqcontent", "articlecontent")
_BODY_CLASSES = (
    "ucapcontent",
    "trs_editor_view",
    "trs_ueditor",
    "trs_editor",
    "view",
    "article-content",
    "article_content",
    "articlecontent",
    "pages_content",
    "news_content",
    "art_con",
    "article_con",
    "con_text",
    "wz_content",
    "am-article-bd",
    "details-policy-box",
)
_GENERIC_IDS = ("content", "article", "main-content", "maincontent")
_GENERIC_CLASSES = ("content", "article", "con_main", "main-content", "detail", "wzxq")
_MIN_BODY_CHARS = 50
_NOISE_TOKEN_RE = re.compile(
    r"share|print|breadcrumb|crumb|qrcode|erweima|fenxiang|bdshare|footer|related|xgwz|xglj|xgxx|"
    r"toolbar|pagination|fontsize|zihao|hits|^nav|nav$|^menu|^position|^location|^foot$|^close$|"
    r"^prev|^next|^tools?$|^page$|^wxtip|^sxp|^cur+pos|dqwz|^weizhi"
)
_NOISE_LINE_RE = re.compile(
    r"^[【\[]?\s*(当前位置|您现在的位置|您的位置|现在位置|打印本页|打印|关闭窗口|关闭|返回顶部|收藏|加入收藏|分享到?|"
    r"字体|字号|扫一扫|上一篇|下一篇|相关链接|相关文章|相关新闻|浏览次数|访问次数|阅读次数|点击数|浏览量)"
    r"\s*(?:[】\]:：>|]|$)"
)
_NOISE_CONTAINS_RE = re.compile(r"浏览次数|访问次数|阅读次数|点击次数|【\s*字体|【\s*打印|打印本页|关闭窗口")
_LIST_TAGS = ("ul", "ol", "dl", "div", "table", "p")
ATTACHMENT_EXTS = frozenset({"pdf", "doc", "docx", "wps", "xls", "xlsx", "ofd", "zip", "rar", "et"})
_ATTACHMENT_AREA_RE = re.compile(r"^(fj|fujian|xgfj|attach|attachment|appendix|enclosure|files?)|attach|fujian")


def _matches(el: Element, ids: Iterable[str], classes: Iterable[str]) -> bool:
    ident = (el.get("id") or "").lower()
    tokens = set((el.get("class") or "").lower().split())
    return ident in ids or tag_of(el) in classes or bool(tokens.intersection(classes))


def _content_chars(el: Element) -> int:
    """Characters of non-link text in ``el``."""
    return len(compact(text_content(el))) - link_text_length(el)


def _related(a: Element, b: Element) -> bool:
    """True when one element contains the other."""
    return any(x is b for x in a.iterancestors()) or any(x is a for x in b.iterancestors())


def _by_selectors(tagged: list[Element], ids: tuple[str, ...], classes: tuple[str, ...]) -> Element | None:
    """The best-ranked known container holding real text; a separate one with over twice the text wins."""
    order = {name: rank for rank, name in enumerate((*ids, *classes))}
    ranked: list[tuple[int, Element]] = []
    for el in tagged:
        if _matches(el, ids, classes):
            names = [(el.get("id") or "").lower(), tag_of(el), *(el.get("class") or "").lower().split()]
            ranked.append((min(order.get(name, len(order)) for name in names), el))
    best: Element | None = None
    best_chars = 0
    for _, el in sorted(ranked, key=lambda pair: pair[0]):
        chars = _content_chars(el)
        if chars < _MIN_BODY_CHARS or link_text_length(el) >= chars:
            continue
        if best is None or (chars > 2 * best_chars and not _related(el, best)):
            best, best_chars = el, chars
    return best


def _by_density(root: Element) -> Element | None:
    """The block with the most paragraph text (parent full credit, grandparent half, then quarter)."""
    scores: dict[Element, float] = {}
    for el in iter_blocks(root):
        length = paragraph_length(el)
        if length < 10:
            continue
        weight = 1.0
        for ancestor in el.iterancestors():
            scores[ancestor] = scores.get(ancestor, 0.0) + length * weight
            weight /= 2
            if weight < 0.2:
                break
    if not scores:
        return None
    best = max(scores.items(), key=lambda pair: pair[1])[0]
    return _promote_cell(best)


def _promote_cell(el: Element) -> Element:
    """A table cell holding under half of its table's prose stands for the whole table."""
    if tag_of(el) not in ("td", "th", "tr", "tbody"):
        return el
    table = next(el.iterancestors("table"), None)
    if table is None:
        return el
    own = len(compact(text_content(el))) - link_text_length(el)
    whole = len(compact(text_content(table))) - link_text_length(table)
    return table if own < 0.5 * whole else el


def find_body(root: Element, tagged: list[Element] | None = None) -> Element | None:
    """The element holding the document body, or ``None`` when the page has no text block.

    ``tagged`` may pass the elements with an ``id``/``class`` (see :func:`tagged_elements`).
    """
    body = root.find("body")
    scope = body if body is not None else root
    tagged = tagged_elements(scope) if tagged is None else tagged
    found = _by_selectors(tagged, _BODY_IDS, _BODY_CLASSES)
    if found is None:
        found = _by_selectors(tagged, _GENERIC_IDS, _GENERIC_CLASSES)
    return found if found is not None else _by_density(scope)


def tagged_elements(root: Element) -> list[Element]:
    """Elements that may be a container: those with an ``id``/``class``, and gov.cn ``<UCAPCONTENT>``."""
    return [*root.iter("ucapcontent"), *with_id_or_class(root)]


def _is_noise(el: Element) -> bool:
    if tag_of(el) in ("nav", "footer", "aside"):
        return True
    return any(_NOISE_TOKEN_RE.search(token) for token in class_tokens(el))


def strip_boilerplate(container: Element) -> None:
    """Remove navigation, share/print bars, counters and link lists inside ``container``."""
    candidates = container.xpath(".//*[@id or @class] | .//nav | .//footer | .//aside")
    drop_elements(el for el in candidates if _is_noise(el))
    drop_elements(el for el in _link_heavy(container) if _is_link_list(el))


def _link_heavy(container: Element) -> list[Element]:
    """Blocks under ``container`` holding at least three links, outermost first."""
    counts: dict[Element, int] = {}
    for link in container.iter("a"):
        for ancestor in link.iterancestors():
            if ancestor is container:
                break
            if ancestor.tag in _LIST_TAGS:
                counts[ancestor] = counts.get(ancestor, 0) + 1
    heavy = [el for el, count in counts.items() if count >= 3]
    position = {el: index for index, el in enumerate(container.iter(*_LIST_TAGS))}
    return sorted(heavy, key=lambda el: position.get(el, 0))


def _is_link_list(el: Element) -> bool:
    """A block that is (almost) only links to other pages, none of them an attachment."""
    links = list(el.iter("a"))
    if any(_extension(link.get("href") or "") for link in links):
        return False
    text_len = len(compact(text_content(el)))
    return text_len > 0 and link_text_length(el) >= 0.7 * text_len


def body_text(container: Element) -> str:
    """Body text of a (boilerplate-stripped) container, one paragraph per line."""
    lines = block_text(container).split("\n")
    return "\n".join(line for line in lines if not _noise_line(line))


def _noise_line(line: str) -> bool:
    if len(line) >= 40:
        return False
    return bool(_NOISE_LINE_RE.match(line)) or (len(line) < 30 and bool(_NOISE_CONTAINS_RE.search(line)))


def _extension(href: str) -> str | None:
    path = urlsplit(href).path
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return None
    ext = name.rsplit(".", 1)[-1].lower()
    return ext if ext in ATTACHMENT_EXTS else None


def attachment_areas(tagged: list[Element], body: Element | None) -> list[Element]:
    """The body plus any tagged element whose id/class names an attachment area (fj, attach...)."""
    areas = [body] if body is not None else []
    for el in tagged:
        if any(_ATTACHMENT_AREA_RE.search(token) for token in class_tokens(el)):
            areas.append(el)
    return areas


def find_attachments(areas: Iterable[Element], url: str) -> tuple[Attachment, ...]:
    """Links to attachment files inside ``areas``, absolute, de-duplicated, in document order."""
    seen: set[str] = set()
    found: list[Attachment] = []
    for area in areas:
        for link in area.iter("a"):
            href = (link.get("href") or "").strip()
            ext = _extension(href) if href else None
            if ext is None or href.lower().startswith(("javascript:", "mailto:")):
                continue
            absolute = urljoin(url, href)
            if absolute in seen:
                continue
            seen.add(absolute)
            name = inline_text(link) or link.get("title") or urlsplit(absolute).path.rsplit("/", 1)[-1]
            found.append(Attachment(url=absolute, name=name.strip(), ext=ext))
    return tuple(found)

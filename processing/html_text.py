"""lxml helpers shared by the extractor: safe parsing, cleaning and block-aware text rendering.

Plain ``lxml.etree`` elements are used (no ``lxml.html`` class lookup, which costs a third of the
time on big pages). Every function is iterative, so garbage or absurdly nested markup can neither
raise nor blow the stack; libxml2 itself caps nesting at 256 levels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

Element = Any  # lxml.etree._Element; lxml ships no type information

_BLOCK_TEXT = """address article aside blockquote body center dd details dir div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hr html li main menu nav ol p pre section summary table
    tbody tfoot thead tr ul caption ucapcontent"""
BLOCK_TAGS = frozenset(_BLOCK_TEXT.split())
CELL_TAGS = frozenset({"td", "th"})
BLOCKS_AND_CELLS = BLOCK_TAGS | CELL_TAGS
_DROP_TEXT = (
    "script style noscript template iframe frame frameset object embed applet select option optgroup "
    "datalist textarea button input svg canvas map audio video"
)
DROP_TAGS = _DROP_TEXT.split()

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_INLINE_WS_RE = re.compile(r"[ \t\r\f\v]+")
_ANY_WS_RE = re.compile(r"\s+")
_HIDDEN_XPATH = etree.XPath("//*[@hidden or contains(@style, 'none') or contains(@style, 'NONE')]")


def _parser() -> etree.HTMLParser:
    return etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, recover=True, no_network=True)


# C0 controls XML (and so lxml's tree) cannot hold: those Python counts as whitespace become a space,
# the rest vanish (a tail holding one could not even be moved when a block is dropped)
_NOT_XML = {c: (" " if chr(c).isspace() else None) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_html(text: str) -> Element | None:
    """Parse HTML into a document tree; ``None`` for empty or unparseable input. Never raises.

    libxml2 stops reading at 256 levels of nesting and drops the rest of the page; a page nested
    deeper (hostile or broken) is parsed again with its layout containers removed, then, if still
    too deep, with every tag but paragraphs, headings, links and line breaks removed."""
    if not text or not text.strip():
        return None
    if _NOT_XML_RE.search(text):  # rare: translate (a per-character lookup on non-ASCII text) only then
        text = text.translate(_NOT_XML)
    cleaned = _XML_DECL_RE.sub("", text, count=1)
    root, too_deep = _parse(cleaned)
    for flatten in _FLATTENERS:
        if not too_deep:
            break
        root, too_deep = _parse(flatten.sub("", cleaned))
    return root


_FLATTENERS = (
    re.compile(
        r"</?(?:div|span|font|section|article|center|main|aside|header|footer|nav|form|b|i|u|em|strong)\b[^>]*>", re.I
    ),
    re.compile(r"<(?!/?(?:p|br|h[1-6]|title|meta|head|body|html|a)\b)/?[A-Za-z][^>]*>"),
)


def _parse(text: str) -> tuple[Element | None, bool]:
    """(the tree, whether libxml2 gave up on its nesting depth)."""
    parser = _parser()
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser)
    except (etree.LxmlError, ValueError, TypeError):
        return None, False
    too_deep = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    return (root if root is not None and isinstance(root.tag, str) else None), too_deep


def tag_of(el: Element) -> str:
    """Lower-case tag name, or ``""`` for comments, PIs and entities."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def text_content(el: Element) -> str:
    """All text inside ``el`` (not its tail)."""
    return "".join(el.itertext())


def bounded_text(el: Element, limit: int) -> str:
    """The text inside ``el``, read lazily and cut off once it exceeds ``limit`` characters."""
    parts: list[str] = []
    size = 0
    for chunk in el.itertext():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return "".join(parts)


def drop(el: Element) -> None:
    """Remove ``el`` and its subtree from the tree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def drop_elements(items: Iterable[Element]) -> None:
    """Remove each element (keeping tails) from its tree."""
    for el in list(items):
        drop(el)


def drop_noise(root: Element) -> None:
    """Remove scripts, styles, form controls, frames and inline-hidden elements in place."""
    etree.strip_elements(root, *DROP_TAGS, with_tail=False)
    drop_elements(el for el in _HIDDEN_XPATH(root) if _hidden(el))


def _hidden(el: Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or el.get("hidden") is not None


def inline_text(el: Element) -> str:
    """All text under ``el`` as one line: whitespace runs collapsed to one space, then stripped."""
    return _ANY_WS_RE.sub(" ", text_content(el)).strip()


def compact(text: str) -> str:
    """``text`` with every whitespace character (incl. U+3000, NBSP, em-space) removed."""
    return "".join(text.split())


def block_text(root: Element) -> str:
    """Render ``root`` as text: one line per block (``p``/``div``/``li``/``tr``...) and per ``<br>``.

    Table cells in one row are joined with a space. Runs of ASCII whitespace inside a line collapse
    to one space and lines are stripped; full-width characters are kept as printed.
    """
    parts: list[str] = []
    append = parts.append
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag  # libxml2 lower-cases HTML tags; comments and PIs were removed by the parser
        if event == "start":
            if tag in BLOCK_TAGS or tag == "br":
                append("\n")
            elif tag in CELL_TAGS:
                append(" ")
            if el.text and isinstance(tag, str):
                append(el.text)
            continue
        if tag in BLOCK_TAGS:
            append("\n")
        if el.tail and el is not root:
            append(el.tail)
    return tidy_lines("".join(parts))


def tidy_lines(text: str) -> str:
    """Collapse inline ASCII whitespace, strip every line and drop empty lines."""
    lines = (line.strip() for line in _INLINE_WS_RE.sub(" ", text).split("\n"))
    return "\n".join(line for line in lines if line)


def class_tokens(el: Element) -> list[str]:
    """The element's ``id`` and ``class`` tokens, lower-cased."""
    tokens = (el.get("class") or "").lower().split()
    ident = (el.get("id") or "").lower().strip()
    return [ident, *tokens] if ident else tokens


def with_id_or_class(root: Element) -> Iterator[Element]:
    """Elements under ``root`` that carry an ``id`` or a ``class`` attribute, in document order."""
    return iter(root.xpath("descendant-or-self::*[@id or @class]"))


def link_text_length(el: Element) -> int:
    """Total length of the (whitespace-free) text inside ``<a>`` descendants."""
    return sum(len(compact(text_content(a))) for a in el.iter("a"))


def meta_tags(root: Element) -> Iterator[tuple[str, str]]:
    """``(name, content)`` for every ``<meta name=... content=...>`` (also ``property=``)."""
    for el in root.iter("meta"):
        name = el.get("name") or el.get("property") or ""
        content = el.get("content")
        if name and content is not None:
            yield name.strip(), content.strip()


def title_element_text(root: Element) -> str:
    """The text of the first non-empty ``<title>`` element, whitespace-collapsed ('' when absent)."""
    for el in root.iter("title"):
        text = inline_text(el)
        if text:
            return text
    return ""


def paragraph_length(el: Element) -> int:
    """Length of the non-link text directly in ``el``: its own text and its inline children."""
    parts = [el.text or ""]
    for child in el:
        tag = tag_of(child)
        if tag and tag not in BLOCKS_AND_CELLS and tag != "a":
            parts.append(text_content(child))
        parts.append(child.tail or "")
    return len(compact("".join(parts)))


def iter_blocks(root: Element) -> Iterator[Element]:
    """Block-level elements and table cells under ``root`` (inclusive), in document order."""
    return iter(root.iter(*BLOCKS_AND_CELLS))

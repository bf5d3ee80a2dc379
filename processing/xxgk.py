"""The 政府信息公开 (xxgk) metadata block: labelled fields in tables, lists and paragraphs.

Three layouts are read, with every label variant (spaced ``索 引 号``, full-width ``文　　号``,
``&emsp;``/``&nbsp;`` padding, ``<b>`` inside ``<td>``, full-width colons):

* a table row whose cell holds only a label, with the value in the next cell
  (gov.cn ``table.bd1``, TRS/Hanweb tables, labels split over several ``<p>`` in one cell);
* a short block holding ``label：value`` pairs, possibly several on one line
  (``<p><strong>索引号</strong>：…</p>``, ``<li>``, ``发布时间：… 来源：…``);
* a block holding only a label, with the value in its next sibling (``<dt>``/``<dd>``, ``<div>``s).

The first non-empty value of a field wins. 来源 and similar labels are recognised only so that they
end the previous value; they never fill a field (a 来源 is not the issuing agency).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from processing.dates import parse_date
from processing.html_text import CELL_TAGS, Element, bounded_text, compact, iter_blocks, tag_of

_FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "名称", "信息名称", "文件名称", "文件标题", "公文标题"),
    "agency": (
        "发文机关",
        "发布机构",
        "发文单位",
        "发布机关",
        "发文机构",
        "发布单位",
        "制发机关",
        "成文机关",
        "作出处罚决定的机关名称",
        "处罚机关",
    ),
    "doc_number": ("发文字号", "文号", "发文号", "文件编号", "行政处罚决定书文号", "处罚决定书文号"),
    "written_date": ("成文日期", "发文日期", "生成日期", "成文时间", "印发日期", "作出处罚决定的日期"),
    "publish_date": ("发布日期", "发布时间", "公开日期", "公开时间", "发布于"),
    "index_number": ("索引号", "索取号", "信息索引", "索引"),
    "topic": ("主题分类", "分类", "主题", "信息分类", "信息类别", "公开分类", "主题类别"),
    "validity": ("有效性", "效力状态", "时效", "效力", "时效性", "有效状态"),
}
# Recognised so they end a value and are never read as a field (来源 is not the agency).
_STOP_TEXT = (
    "来源 信息来源 文章来源 稿件来源 作者 责任编辑 编辑 浏览次数 访问次数 点击数 阅读次数 浏览量 点击量 字号 字体 "
    "时间 日期 发布人 审核人 生效时间 生效日期 实施日期 施行日期 废止时间 废止日期 失效时间 失效日期 有效期 主题词 "
    "关键词 关键字 内容概述 摘要 内容摘要 体裁分类 服务对象 公开方式 公开范围 公开时限 组配分类 所属机构 所属主题 "
    "联合发文单位 签发人 被处罚当事人 主要违法违规事实 行政处罚依据 行政处罚决定"
)
_STOP_LABELS = _STOP_TEXT.split()
# Page furniture printed as ``label：value``: removed from the body text like the xxgk block.
_META_STOP_RE = re.compile(r"(来源|信息来源|文章来源|稿件来源|访问次数|浏览次数|点击数|阅读次数|字号|字体)[:：]")
# Generic one-word labels: trusted in a table cell or outside the body, never inside the body text.
_WEAK_LABELS = frozenset({"标题", "名称", "分类", "主题", "时效", "效力", "索引", "发布于"})
_NULL_VALUES = frozenset({"", "无", "暂无", "-", "--", "—", "/", "空", "null", "none", "号"})
_MAX_LEN = {"title": 300, "validity": 40}  # 有效/失效/废止/部分失效…: a longer "validity" is not one
DATE_FIELDS = frozenset({"written_date", "publish_date"})
_DEFAULT_MAX_LEN = 120

LABELS: dict[str, str] = {label: name for name, labels in _FIELD_LABELS.items() for label in labels}
LABELS.update(dict.fromkeys(_STOP_LABELS, ""))

_KEY_STRIP_RE = re.compile(r"[\s:：\[\]【】·•]+")
_GAP_RE = re.compile(r"[\u3000\u2003\u2002\t]|\xa0{2,}| {2,}|[|｜]")
_SPACES_RE = re.compile(r"\s+")


def _spaced(label: str) -> str:
    return r"[\s\u00a0\u3000\u2002\u2003]*".join(re.escape(char) for char in label)


_INLINE_RE = re.compile(
    r"(?:^|(?<=[\s|｜/(（【\[]))(?P<label>"
    + "|".join(_spaced(label) for label in sorted(LABELS, key=len, reverse=True))
    + r")[\s\u00a0\u3000]*[:：]"
)
_MAX_SEGMENT = 300
_BODY_HEAD_BLOCKS = 40
_MAX_TEXT = 1000


def label_key(text: str) -> str:
    """The text with spaces, colons and bracket decoration removed, as used to look up labels."""
    return _KEY_STRIP_RE.sub("", text)


@dataclass
class Fields:
    """Raw labelled values (first non-empty per field) and the elements holding them."""

    values: dict[str, str] = field(default_factory=dict)
    blocks: list[Element] = field(default_factory=list)

    def offer(self, name: str, raw: str | None) -> bool:
        """Record ``raw`` for field ``name`` unless a value is already known; True if usable."""
        value = clean_value(name, raw)
        if value is None:
            return False
        self.values.setdefault(name, value)
        return True


def clean_value(name: str, raw: str | None) -> str | None:
    """Strip padding; ``None`` for empty/无 values, over-long values and values that are labels."""
    if raw is None:
        return None
    value = _SPACES_RE.sub(" ", raw).strip(" \t\u3000\xa0\u2003:：")
    if value.lower() in _NULL_VALUES or label_key(value) in LABELS:
        return None
    if len(value) > _MAX_LEN.get(name, _DEFAULT_MAX_LEN):
        return None
    if name == "doc_number" and not any(char.isdigit() for char in value):
        return None
    if _INLINE_RE.match(value):
        return None
    if name in DATE_FIELDS:
        return parse_date(value)
    return value


def _is_inside(el: Element, container: Element | None) -> bool:
    if container is None:
        return False
    return el is container or any(anc is container for anc in el.iterancestors())


def _has_block_child_map(root: Element) -> set[Element]:
    """Elements that have at least one block-level descendant (computed in one pass)."""
    marked: set[Element] = set()
    for el in iter_blocks(root):
        parent = el.getparent()
        while parent is not None and parent not in marked:
            marked.add(parent)
            parent = parent.getparent()
    return marked


def _row(tr: Element, fields: Fields) -> int:
    """Label cell followed by value cell, for every cell of one table row. Returns field hits."""
    texts = [bounded_text(cell, _MAX_TEXT) for cell in tr if tag_of(cell) in CELL_TAGS]
    keys = [label_key(text) if len(text) < 80 else "" for text in texts]
    found = 0
    for index, key in enumerate(keys):
        name = LABELS.get(key)
        if not name:
            continue
        following = index + 1 < len(texts) and keys[index + 1] not in LABELS
        fields.offer(name, texts[index + 1] if following else None)
        found += 1
    return found


def _inline_pairs(text: str) -> list[tuple[str, str]]:
    """``(field, raw value)`` for every ``label：value`` in one line of text."""
    matches = list(_INLINE_RE.finditer(text))
    pairs = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        raw = text[match.end() : end].strip(" \t\r\n\u3000\xa0\u2003")
        raw = _GAP_RE.split(raw, maxsplit=1)[0]
        pairs.append((LABELS[label_key(match.group("label"))], raw))
    return pairs


def _sibling_value(el: Element) -> str | None:
    """Value of a label-only block: the text of its next sibling (or of its parent's next sibling
    when the label is all the parent holds). Table cells are left to :func:`_row`."""
    if tag_of(el) in CELL_TAGS:
        return None
    parent = el.getparent()
    lone = el.getnext() is None and parent is not None and tag_of(parent) not in CELL_TAGS | {"tr"}
    same = lone and label_key(bounded_text(parent, _MAX_TEXT)) == label_key(bounded_text(el, _MAX_TEXT))
    nxt = (parent if same else el).getnext()
    while nxt is not None and not tag_of(nxt):
        nxt = nxt.getnext()
    if nxt is None:
        return None
    text = bounded_text(nxt, _MAX_TEXT)
    return None if label_key(text) in LABELS else text


def _segment(el: Element, fields: Fields, body: Element | None) -> int:
    """Read one leaf block; returns how many labels of page furniture or fields it held."""
    text = bounded_text(el, _MAX_TEXT)
    key = label_key(text)
    if not key or len(key) > _MAX_SEGMENT:
        return 0
    in_body = _is_inside(el, body)
    if key in LABELS:
        name = LABELS[key]
        if name and not (in_body and key in _WEAK_LABELS):
            fields.offer(name, _sibling_value(el))
            return 1
        return int(bool(_META_STOP_RE.match(compact(text))))
    found = 0
    for name, raw in _inline_pairs(text.replace("\n", " ")):
        if name and not (in_body and _weak_name_in(text, name)):
            fields.offer(name, raw)
            found += 1
    if not found and len(key) < 60 and _META_STOP_RE.match(compact(text)):
        return 1
    return found


def _weak_name_in(text: str, name: str) -> bool:
    """True when every label of ``name`` found in ``text`` is a weak one."""
    labels = [label_key(m.group("label")) for m in _INLINE_RE.finditer(text.replace("\n", " "))]
    own = [label for label in labels if LABELS.get(label) == name]
    return all(label in _WEAK_LABELS for label in own)


def _in_cell(el: Element) -> bool:
    """True for table cells and blocks inside them (tables are dropped whole, or not at all)."""
    return tag_of(el) in CELL_TAGS or next(el.iterancestors("td", "th"), None) is not None


def _deep_body_blocks(body: Element | None) -> set[Element]:
    """Blocks of the body text past its head: never an xxgk block, so not scanned for labels."""
    if body is None:
        return set()
    return set(list(iter_blocks(body))[_BODY_HEAD_BLOCKS:])


def find_fields(root: Element, body: Element | None = None) -> Fields:
    """Collect labelled xxgk values from the whole tree; ``body`` is the main text container."""
    fields = Fields()
    with_blocks = _has_block_child_map(root)
    skipped = _deep_body_blocks(body)
    table_hits: dict[Element, int] = {}
    for el in iter_blocks(root):
        if el in skipped:
            continue
        if tag_of(el) == "tr":
            hits = _row(el, fields)
            table = next(el.iterancestors("table"), None)
            if hits and table is not None:
                table_hits[table] = table_hits.get(table, 0) + hits
        elif el not in with_blocks and _segment(el, fields, body) and not _in_cell(el):
            fields.blocks.append(el)
    fields.blocks.extend(table for table, hits in table_hits.items() if hits >= 2)
    return fields

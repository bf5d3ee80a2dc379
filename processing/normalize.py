"""Comparison forms and the hashes that decide whether a document "changed".

Stored text is never width-normalised; these forms exist only for comparing and hashing. A change
of whitespace, of full-/half-width punctuation, of quote or dash style, or a zero-width character
gives the same hash; any changed character of content gives a different one.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata

from processing.types import Metadata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_VARIANTS = str.maketrans(
    {
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',
        "\u201f": '"',
        "\u301d": '"',  # 〝
        "\u301e": '"',  # 〞
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",  # –
        "\u2014": "-",  # —
        "\u2015": "-",  # ― (Python's gb2312 codec for A1AA)
        "\u2212": "-",
        "\ufe58": "-",
        "\ufe63": "-",
        "\u30fb": "\u00b7",  # ・ (Python's gb2312 codec for A1A4)
        "\u2022": "\u00b7",
        "\u2027": "\u00b7",
        "\u2219": "\u00b7",
        "\u22c5": "\u00b7",
        "\u3002": ".",  # 。 (full stop; NFKC leaves it, CMSs flip it to ".")
        "\u3014": "[",  # 〔
        "\u3015": "]",  # 〕
        "\u3010": "[",  # 【
        "\u3011": "]",  # 】
    }
)
_INLINE_WS_RE = re.compile(r"[^\S\n]+")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_NEXT_TO_CJK_RE = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")
_NOT_WORD_RE = re.compile(r"[\W_]+")
_YEAR_BRACKETS_RE = re.compile(r"[\[(（〔【﹝［〖<《]\s*(\d{4})\s*[\])）〕】﹞］〗>》]")
_WS_RE = re.compile(r"\s+")


def comparison_form(text: str) -> str:
    """Fold ``text`` for comparison: NFKC width folding, quote/dash/dot variants, whitespace.

    Full-width ASCII becomes half-width, U+3000 and NBSP become spaces, zero-width characters
    vanish, runs of whitespace inside a line collapse, spaces next to CJK characters are dropped,
    lines are stripped and empty lines removed. Line structure is otherwise kept.
    """
    folded = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH)).translate(_VARIANTS)
    folded = folded.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for raw in folded.split("\n"):
        line = _INLINE_WS_RE.sub(" ", raw).strip()
        line = _SPACE_NEXT_TO_CJK_RE.sub("", line)
        if line:
            lines.append(line)
    return "\n".join(lines)


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 comparison form of ``text``."""
    return hashlib.sha256(comparison_form(text).encode("utf-8")).hexdigest()


def metadata_sha256(meta: Metadata) -> str:
    """Hex SHA-256 over the comparison forms of every metadata field (``None`` kept distinct)."""
    payload = [[name, None if value is None else comparison_form(value)] for name, value in meta.as_dict().items()]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def normalize_doc_number(s: str) -> str:
    """Normalise a 发文字号: half-width digits, ``〔YYYY〕`` year brackets, no spaces.

    ``国发[2017]47号``, ``国发（2017）47 号`` and ``国发〔 ２０１７ 〕47号`` all become ``国发〔2017〕47号``.
    """
    folded = _WS_RE.sub("", unicodedata.normalize("NFKC", s.translate(_ZERO_WIDTH)))
    folded = unicodedata.normalize("NFKC", folded)  # NFKC once more: ¨ (space + U+0308) composes once the space goes
    return _YEAR_BRACKETS_RE.sub(r"〔\1〕", folded)


def title_key(title: str) -> str:
    """Identity key of a title: its comparison form without spaces or punctuation, lower-cased."""
    return _NOT_WORD_RE.sub("", comparison_form(title)).lower()

"""Classifying a revision from its word-level diff and the metadata fields that changed.

- ``cosmetic``: only whitespace or punctuation differs (the comparison form folds widths, so
  what is left is e.g. ``；`` for ``。``);
- ``date_or_number``: only dates, numbers and counters differ (``2019年`` → ``2020年``, ``第三条``);
- ``metadata``: the body is unchanged, metadata fields changed;
- ``substantive``: anything else.

Alerts skip cosmetic revisions; the UI shows the class next to each revision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from processing.diff import render_text, word_diff
from processing.segment import default_segmenter
from processing.tag import find_terms
from processing.types import TextDiff

_PUNCT_SPACE = re.compile(r"[\s\u3000\W_]+", re.UNICODE)
_DATE_NUMBER = re.compile(r"[0-9０-９〇零一二三四五六七八九十百千万亿年月日号第条款项章节时分秒.%％]+")


class RevisionClass(StrEnum):
    """What kind of change a new version is."""

    COSMETIC = "cosmetic"
    DATE_OR_NUMBER = "date_or_number"
    METADATA = "metadata"
    SUBSTANTIVE = "substantive"


def _same_without(rx: re.Pattern[str], deleted: str, inserted: str) -> bool:
    return rx.sub("", deleted) == rx.sub("", inserted)


def classify_revision(diff: TextDiff | None, metadata_fields: Iterable[str] = ()) -> RevisionClass:
    """The class of a revision: ``diff`` of the body (None or empty if unchanged) and changed metadata fields."""
    deleted = "".join(t for op, t in diff.ops if op == -1) if diff is not None else ""
    inserted = "".join(t for op, t in diff.ops if op == 1) if diff is not None else ""
    if not deleted and not inserted:
        return RevisionClass.METADATA if list(metadata_fields) else RevisionClass.COSMETIC
    if _same_without(_PUNCT_SPACE, deleted, inserted):
        return RevisionClass.COSMETIC
    bare_deleted, bare_inserted = _PUNCT_SPACE.sub("", deleted), _PUNCT_SPACE.sub("", inserted)
    if _same_without(_DATE_NUMBER, bare_deleted, bare_inserted):
        return RevisionClass.DATE_OR_NUMBER
    return RevisionClass.SUBSTANTIVE


DIFF_TEXT_LIMIT = 4000


def revision_details(old_text: str, new_text: str, metadata_fields: Iterable[str] = ()) -> dict[str, Any]:
    """The word-level diff of a text revision as event details: its class, sizes, tracked terms
    added/removed, articles touched and a rendered excerpt (at most ``DIFF_TEXT_LIMIT`` chars)."""
    d = word_diff(old_text, new_text, default_segmenter().tokens, terms=find_terms)
    return {
        "class": str(classify_revision(d, metadata_fields)),
        "inserted_chars": d.inserted_chars,
        "deleted_chars": d.deleted_chars,
        "change_count": d.change_count,
        "terms_added": list(d.terms_added),
        "terms_removed": list(d.terms_removed),
        "inserted_tokens": d.inserted_tokens,
        "deleted_tokens": d.deleted_tokens,
        "articles_added": list(d.articles_added),
        "articles_removed": list(d.articles_removed),
        "articles_changed": list(d.articles_changed),
        "diff_timeout": d.timeout,
        "timed_out": d.timed_out,
        "diff_fallback": d.fallback,
        "diff_text": render_text(d)[:DIFF_TEXT_LIMIT],
    }

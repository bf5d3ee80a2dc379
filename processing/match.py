"""Matching subscribers' keyword lists against a document text (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from processing.normalize import comparison_form


def matching_keywords(text: str, keywords: Iterable[str]) -> list[str]:
    """The keywords (as the subscriber wrote them) that occur in ``text``; width and spacing do not matter."""
    norm = comparison_form(text)
    out = []
    for kw in keywords:
        key = comparison_form(kw)
        if key and key in norm:
            out.append(kw)
    return out

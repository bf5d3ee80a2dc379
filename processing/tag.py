"""Tracked-keyword tagging: which terms a text contains, and how often.

Matching is by substring on the comparison form of the text (so segmentation errors
never hide a hit, as the domain brief asks); variants count as their canonical term.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from processing.normalize import comparison_form
from processing.terms import Term, default_terms
from processing.types import KeywordHit


class Tagger:
    """Finds tracked terms (and their variants) in text with one longest-first alternation."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._canon: dict[str, Term] = {}
        for term in terms:
            for form in term.forms:
                self._canon.setdefault(comparison_form(form), term)
        forms = sorted(self._canon, key=len, reverse=True)
        self._rx = re.compile("|".join(map(re.escape, forms))) if forms else None

    def hits(self, text: str) -> tuple[KeywordHit, ...]:
        """Tracked terms in ``text`` with counts, sorted by term.

        Each occurrence counts once, for the longest form matching there (防疫健康码 is one
        健康码, not two; 创建全国文明城市 is not also 全国文明城市).
        """
        if self._rx is None or not text:
            return ()
        counts: Counter[str] = Counter()
        groups: dict[str, str] = {}
        for m in self._rx.finditer(comparison_form(text)):
            term = self._canon[m.group(0)]
            counts[term.term] += 1
            groups[term.term] = term.group
        return tuple(KeywordHit(t, groups[t], c) for t, c in sorted(counts.items()))


@lru_cache(maxsize=1)
def default_tagger() -> Tagger:
    """The tagger for the shipped term list."""
    return Tagger(default_terms())


def find_terms(text: str) -> tuple[KeywordHit, ...]:
    """Tracked terms of the default list found in ``text``."""
    return default_tagger().hits(text)

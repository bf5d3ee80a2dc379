"""Chinese word segmentation with jieba and the tracked-term user dictionary.

The :class:`Segmenter` owns its own ``jieba.Tokenizer`` (not the global ``jieba.dt``)
so the dictionary is explicit configuration, not global state.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba

from processing.terms import Term, default_terms

jieba.setLogLevel(logging.WARNING)
_WORDISH = re.compile(r"\w", re.UNICODE)
_USER_FREQ = 200000


class Segmenter:
    """Segments text with jieba, with every tracked term (and variant) forced to stay one token."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        for term in terms:
            self.add_words(term.forms)

    def add_words(self, words: Iterable[str]) -> None:
        """Add words to the dictionary so they are never split."""
        for word in words:
            if word and " " not in word:
                self._tok.add_word(word, freq=_USER_FREQ)

    def tokens(self, text: str) -> list[str]:
        """Precise-mode tokens; ``"".join(tokens(t)) == t`` holds (whitespace is kept as tokens)."""
        return list(self._tok.cut(text, HMM=True))

    def search_tokens(self, text: str) -> list[str]:
        """Search-mode words for the full-text index: sub-words too, no whitespace or punctuation."""
        return [w for w in self._tok.cut_for_search(text, HMM=True) if _WORDISH.search(w)]

    def index_text(self, text: str) -> str:
        """Space-joined search tokens, lower-cased: what the full-text index stores."""
        return " ".join(w.lower() for w in self.search_tokens(text))


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    """The process-wide segmenter with the shipped term list (built once, ~1 s)."""
    return Segmenter(default_terms())

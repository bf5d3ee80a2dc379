"""The tracked-term list shipped with policywatch (``processing/data/terms.tsv``).

It is both the default watch list for alerts and the jieba user dictionary, so
失信被执行人 stays one token. Reading this package data file is the one read
``processing`` does; it happens once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    """A tracked term, its group (social_credit, civilization, grid_health, data) and variant forms."""

    term: str
    group: str
    variants: tuple[str, ...] = ()
    gloss: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        """The term and its variants, longest first."""
        return tuple(sorted({self.term, *self.variants}, key=len, reverse=True))


def parse_terms(text: str) -> tuple[Term, ...]:
    """Parse the TSV format of ``terms.tsv`` (``term, group, variants, gloss``; ``#`` comments)."""
    out: list[Term] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = [*line.split("\t"), "", "", ""]
        variants = tuple(v.strip() for v in cols[2].split(",") if v.strip())
        out.append(Term(cols[0].strip(), cols[1].strip() or "other", variants, cols[3].strip()))
    return tuple(out)


@lru_cache(maxsize=1)
def default_terms() -> tuple[Term, ...]:
    """The shipped default list (73 terms in four groups)."""
    data = resources.files("processing").joinpath("data/terms.tsv").read_text(encoding="utf-8")
    return parse_terms(data)


def custom_terms(words: list[str] | tuple[str, ...], group: str = "custom") -> tuple[Term, ...]:
    """Terms for ad-hoc keywords (a subscriber's list), each its own canonical form."""
    return tuple(Term(w.strip(), group) for w in words if w.strip())


def dictionary_words(terms: Iterable[Term]) -> list[str]:
    """Every form of ``terms`` that can be a segmenter dictionary word (one without spaces)."""
    return [form for term in terms for form in term.forms if form and " " not in form]

"""The search query language (pure): terms, "phrases", OR, -exclusion; and KWIC snippets.

    社会信用体系 文明城市            both terms (AND)
    "守信联合激励"                   an exact phrase ("…", “…” or 「…」)
    健康码 OR 行程卡                 either (OR binds the terms either side of it; ``|`` too)
    社会信用 -失信被执行人           the first, without the second

A term matches a version whose text contains it (width, spacing and Latin case folded); the
full-text index narrows the candidates by the term's jieba search tokens first. Phrases are
terms that keep their spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processing.match import fold
from processing.segment import default_segmenter

_TOKEN = re.compile(r'-?"[^"]*"|-?“[^”]*”|-?「[^」]*」|\S+')
_QUOTES = '"“”「」'
_WORD = re.compile(r"\w")
MAX_TERMS = 20
SHORT_TOKEN = 3


@dataclass(frozen=True)
class Term:
    """One term or phrase as written, and its folded form."""

    text: str
    phrase: bool = False

    @property
    def key(self) -> str:
        """The folded form matched against folded texts."""
        return fold(self.text)

    def tokens(self) -> list[str]:
        """Full-text index tokens every version containing the term has: its search-mode jieba
        words of at most three characters (or all its words when none is that short). Longer
        words are left out: in context jieba may join the term with its neighbours into a longer
        dictionary word (全国文明城市 inside 全国文明城市测评体系), whose search tokens are its
        2- and 3-character sub-words, never the term itself."""
        words = default_segmenter().index_text(self.key).split()
        short = [w for w in words if len(w) <= SHORT_TOKEN]
        return sorted(set(short or words))


@dataclass(frozen=True)
class Query:
    """An AND of groups, each an OR of terms, minus excluded terms."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    def index_groups(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Per group, per term, the index tokens (what the full-text index is asked for)."""
        return tuple(tuple(tuple(t.tokens()) for t in g) for g in self.groups)

    def keys(self) -> tuple[tuple[str, ...], ...]:
        """Per group, the folded terms: what is looked for in a version's folded search text."""
        return tuple(tuple(dict.fromkeys(t.key for t in g)) for g in self.groups)

    def excluded_keys(self) -> tuple[str, ...]:
        """The excluded terms, folded."""
        return tuple(dict.fromkeys(t.key for t in self.excluded))

    def excerpts(self, text: str) -> list[tuple[str, str, str]]:
        """(before, hit, after) excerpts of the positive terms in ``text``."""
        return [(s.before, s.hit, s.after) for s in snippets(text, self.terms)]

    @property
    def terms(self) -> list[Term]:
        """Every positive term, in order."""
        return [t for group in self.groups for t in group]


def parse_query(text: str) -> Query:
    """Parse the query language above; empty terms are dropped, at most ``MAX_TERMS`` kept."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for raw in _TOKEN.findall(text)[: MAX_TERMS * 2]:
        if raw in ("OR", "|"):
            join_next = bool(groups)
            continue
        negative = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if negative else raw
        phrase = body[:1] in _QUOTES
        term = Term(body.strip(_QUOTES).strip(), phrase)
        if not _WORD.search(term.key):  # bare punctuation finds nothing worth finding
            continue
        if negative:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return Query(tuple(tuple(g) for g in groups), tuple(excluded))


@dataclass(frozen=True)
class Snippet:
    """A keyword-in-context excerpt: text before, the hit, text after (all plain text, unescaped)."""

    before: str
    hit: str
    after: str


def kwic(text: str, needle: str, width: int = 40, limit: int = 3) -> list[Snippet]:
    """Up to ``limit`` excerpts around the occurrences of ``needle`` (exact, else ignoring Latin
    case), ``width`` characters each side, white space flattened."""
    if not needle:
        return []
    flags = 0 if needle in text else re.IGNORECASE  # positions come from the text itself, not a lower-cased copy
    out: list[Snippet] = []
    for found in re.finditer(re.escape(needle), text, flags):
        start, end = found.span()
        a, b = max(0, start - width), min(len(text), end + width)
        out.append(Snippet(_flat(text[a:start]).lstrip(), text[start:end], _flat(text[end:b]).rstrip()))
        if len(out) >= limit:
            break
    return out


def snippets(text: str, terms: list[Term], width: int = 40, limit: int = 3) -> list[Snippet]:
    """Up to ``limit`` excerpts around the first occurrence of each of ``terms`` in ``text``."""
    out = [s for term in terms for s in kwic(text, term.text, width, limit=1)]
    return out[:limit]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)  # runs of white space (line breaks) become one space; edges kept

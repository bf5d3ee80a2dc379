"""Matching every subscriber's watch rules against a document text in one pass (pure).

All terms of all rules go into one Aho-Corasick automaton (pyahocorasick), so the cost of a
text is one scan plus the hits, not a loop over subscribers. Two kinds of term:

- **keywords** match on jieba words: an occurrence counts only where it starts and ends on a
  word boundary of the text (search mode, so dictionary sub-words count: 文明城市 inside
  全国文明城市, 信用 inside 社会信用体系; 城管 inside 城市管理 does not occur, 明城 inside
  文明城市 does not count). The text is segmented only when a keyword occurrence needs checking.
- **phrases** match as exact substrings.

Both sides are folded the same way first (:func:`processing.normalize.comparison_form`: full /
half width, spacing; Latin letters lower-cased), so width and spacing never decide a match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import ahocorasick

from processing.normalize import comparison_form


def fold(text: str) -> str:
    """The form both terms and texts are matched in."""
    return comparison_form(text).lower()


@dataclass(frozen=True)
class WatchTerms:
    """The terms of one watch rule: ``keywords`` match on word boundaries, ``phrases`` anywhere."""

    rule_id: int
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()


@dataclass
class _Entry:
    """One folded term and the rules that use it, as a keyword (word-aligned) or as a phrase."""

    length: int
    as_keyword: list[tuple[int, str]] = field(default_factory=list)  # (rule id, term as written)
    as_phrase: list[tuple[int, str]] = field(default_factory=list)


class KeywordIndex:
    """All rules' terms in one automaton; :meth:`match` gives each matching rule its hits."""

    def __init__(self, rules: Iterable[WatchTerms], boundaries: Callable[[str], set[int]]) -> None:
        self._boundaries = boundaries
        self._entries: list[_Entry] = []
        self._automaton = ahocorasick.Automaton()
        by_term: dict[str, int] = {}
        for rule in rules:
            for written, as_keyword in [(k, True) for k in rule.keywords] + [(p, False) for p in rule.phrases]:
                key = fold(written)
                if not key:
                    continue
                if key not in by_term:
                    by_term[key] = len(self._entries)
                    self._entries.append(_Entry(len(key)))
                    self._automaton.add_word(key, by_term[key])
                entry = self._entries[by_term[key]]
                (entry.as_keyword if as_keyword else entry.as_phrase).append((rule.rule_id, written))
        self.terms = len(self._entries)
        if self._entries:
            self._automaton.make_automaton()

    def match(self, text: str) -> dict[int, list[str]]:
        """Rule id → the rule's terms (as written) found in ``text``; rules with no hit are absent."""
        if not self._entries:
            return {}
        norm = fold(text)
        phrase_hit: set[int] = set()
        keyword_hit: set[int] = set()
        cuts: set[int] | None = None
        for end, idx in self._automaton.iter(norm):
            entry = self._entries[idx]
            if entry.as_phrase:
                phrase_hit.add(idx)
            if entry.as_keyword and idx not in keyword_hit:
                if cuts is None:
                    cuts = self._boundaries(norm)
                if end + 1 in cuts and end + 1 - entry.length in cuts:
                    keyword_hit.add(idx)
        out: dict[int, list[str]] = {}
        for idx in phrase_hit:
            for rule_id, written in self._entries[idx].as_phrase:
                out.setdefault(rule_id, []).append(written)
        for idx in keyword_hit:
            for rule_id, written in self._entries[idx].as_keyword:
                out.setdefault(rule_id, []).append(written)
        return out


@dataclass(frozen=True)
class EventFacts:
    """What a rule's filters look at: the event and the document version behind it."""

    kind: str
    revision_class: str | None = None
    source: str | None = None
    agency: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class RuleFilter:
    """A rule's filters: source names (exact), agency and 主题分类 (substrings), event kinds. Empty
    means any; empty ``events`` means the instance's default kinds. ``revised`` is any alerted
    revision, ``revised_substantive`` only a substantive one."""

    sources: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    events: tuple[str, ...] = ()

    def accepts(self, facts: EventFacts, default_events: tuple[str, ...]) -> bool:
        """True when an event with these facts is one the rule asks for."""
        kinds = self.events or default_events
        wanted = facts.kind in kinds or (
            facts.kind == "revised" and "revised_substantive" in kinds and facts.revision_class == "substantive"
        )
        return (
            wanted
            and (not self.sources or facts.source in self.sources)
            and (not self.agencies or any(a in (facts.agency or "") for a in self.agencies))
            and (not self.topics or any(t in (facts.topic or "") for t in self.topics))
        )

"""Word-level diffs of Chinese text: diff-match-patch (the C++ fast-diff-match-patch) over jieba tokens.

Each distinct token is mapped to one private character (the ``diff_linesToChars``
trick), the character strings are diffed, and the result is mapped back, so an
insertion of 社会信用体系 is one change, not six. The time limit is explicit
(diff-match-patch's default of 1 s depends on machine speed) and recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import fast_diff_match_patch as fast_dmp

from processing.types import KeywordHit, TextDiff

DEFAULT_TIMEOUT = 1.0
_OPS = {"=": 0, "-": -1, "+": 1}
_FIRST_CODEPOINT = 0xE000  # private use area, then beyond the BMP; never a surrogate


def _codepoint(n: int) -> str:
    cp = _FIRST_CODEPOINT + n
    if cp > 0xF8FF:
        cp = 0x10000 + (cp - 0xF900)
    return chr(cp)


def _encode(tokens: Sequence[str], table: dict[str, str], back: list[str]) -> str:
    out = []
    for tok in tokens:
        ch = table.get(tok)
        if ch is None:
            ch = _codepoint(len(back))
            table[tok] = ch
            back.append(tok)
        out.append(ch)
    return "".join(out)


def diff_tokens(old: Sequence[str], new: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> TextDiff:
    """Diff two token sequences; ops carry the joined token text."""
    table: dict[str, str] = {}
    back: list[str] = []
    a, b = _encode(old, table, back), _encode(new, table, back)
    started = time.monotonic()
    raw = [
        (_OPS[op], chunk)
        for op, chunk in fast_dmp.diff(a, b, timelimit=timeout, checklines=False, cleanup="Semantic", counts_only=False)
    ]
    timed_out = timeout > 0 and time.monotonic() - started >= timeout
    rev = {ch: tok for tok, ch in table.items()}
    ops = tuple((op, "".join(rev[ch] for ch in chunk)) for op, chunk in raw if chunk)
    inserted = sum(len(t) for op, t in ops if op == 1)
    deleted = sum(len(t) for op, t in ops if op == -1)
    changes = sum(1 for op, _ in ops if op != 0)
    return TextDiff(ops, inserted, deleted, changes, timeout, timed_out)


def word_diff(
    old: str,
    new: str,
    tokenize: Callable[[str], list[str]],
    timeout: float = DEFAULT_TIMEOUT,
    terms: Callable[[str], tuple[KeywordHit, ...]] | None = None,
) -> TextDiff:
    """Word-level diff of two texts with ``tokenize`` (e.g. ``Segmenter.tokens``).

    Joining the equal and inserted op texts gives ``new`` exactly; equal and deleted
    give ``old``. With ``terms``, the tracked terms added and removed are filled in.
    """
    result = diff_tokens(tokenize(old), tokenize(new), timeout)
    if terms is None:
        return result
    before = {h.term for h in terms(old)}
    after = {h.term for h in terms(new)}
    return TextDiff(
        result.ops,
        result.inserted_chars,
        result.deleted_chars,
        result.change_count,
        result.timeout,
        result.timed_out,
        tuple(sorted(after - before)),
        tuple(sorted(before - after)),
    )


def render_text(d: TextDiff, context: int = 40) -> str:
    """A compact plain-text rendering: ``[-deleted-]{+inserted+}`` with ``context`` chars around."""
    parts: list[str] = []
    for i, (op, text) in enumerate(d.ops):
        if op == -1:
            parts.append(f"[-{text}-]")
        elif op == 1:
            parts.append(f"{{+{text}+}}")
        else:
            parts.append(_elide(text, context, first=i == 0, last=i == len(d.ops) - 1))
    return "".join(parts)


def _elide(text: str, context: int, first: bool, last: bool) -> str:
    if len(text) <= 2 * context:
        return text
    head = "" if first else text[:context]
    tail = "" if last else text[-context:]
    return f"{head} … {tail}"

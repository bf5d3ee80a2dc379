"""Word-level diffs of Chinese text, aligned to paragraphs, clauses and articles.

Two passes: paragraphs (lines) are diffed first, so an inserted, deleted or moved
article reads as one change; then each changed run of paragraphs is segmented with
jieba and diffed token by token (each distinct token mapped to one private character,
the ``diff_linesToChars`` trick), so an insertion of 社会信用体系 is one change, not six.
Only changed paragraphs are segmented, so the cost follows the size of the change.

The engine is fast-diff-match-patch (C++). The time limit is explicit and shared by the
whole diff; a block that finds the budget spent is reported at paragraph level and the
result says ``fallback="clause"``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import fast_diff_match_patch as fast_dmp

from processing.types import KeywordHit, TextDiff

DEFAULT_TIMEOUT = 1.0
_OPS = {"=": 0, "-": -1, "+": 1}
_FIRST_CODEPOINT = 0xE000  # private use area, then beyond the BMP; never a surrogate
_ARTICLE = re.compile(r"^[ \t\u3000]*(第[一二三四五六七八九十百千零〇两0-9]+条)", re.M)

Op = tuple[int, str]


def _codepoint(n: int) -> str:
    cp = _FIRST_CODEPOINT + n
    if cp > 0xF8FF:
        cp = 0x10000 + (cp - 0xF900)
    return chr(cp)


def _encode(units: Sequence[str], table: dict[str, str]) -> str:
    out = []
    for unit in units:
        ch = table.get(unit)
        if ch is None:
            ch = table[unit] = _codepoint(len(table))
        out.append(ch)
    return "".join(out)


def _units_diff(a: Sequence[str], b: Sequence[str], timeout: float, cleanup: str) -> tuple[list[Op], int, int]:
    """Diff two unit sequences; returns ops on joined unit text and unit counts deleted/inserted."""
    table: dict[str, str] = {}
    ea, eb = _encode(a, table), _encode(b, table)
    rev = {ch: unit for unit, ch in table.items()}
    raw = fast_dmp.diff(ea, eb, timelimit=timeout, checklines=False, cleanup=cleanup, counts_only=False)
    ops = [(_OPS[op], "".join(rev[ch] for ch in chunk)) for op, chunk in raw if chunk]
    deleted = sum(len(chunk) for op, chunk in raw if op == "-")
    inserted = sum(len(chunk) for op, chunk in raw if op == "+")
    return ops, deleted, inserted


def diff_tokens(old: Sequence[str], new: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> TextDiff:
    """Diff two token sequences in one pass; ops carry the joined token text."""
    started = time.monotonic()
    ops, deleted, inserted = _units_diff(old, new, timeout, "Semantic")
    timed_out = timeout > 0 and time.monotonic() - started >= timeout
    return _result(ops, timeout, timed_out, deleted, inserted)


def _result(ops: list[Op], timeout: float, timed_out: bool, deleted_tokens: int, inserted_tokens: int) -> TextDiff:
    merged: list[Op] = []
    for op, text in ops:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        elif text:
            merged.append((op, text))
    return TextDiff(
        ops=tuple(merged),
        inserted_chars=sum(len(t) for op, t in merged if op == 1),
        deleted_chars=sum(len(t) for op, t in merged if op == -1),
        change_count=sum(1 for op, _ in merged if op != 0),
        timeout=timeout,
        timed_out=timed_out,
        inserted_tokens=inserted_tokens,
        deleted_tokens=deleted_tokens,
        fallback="clause" if timed_out else None,
    )


def _blocks(line_ops: list[Op]) -> list[tuple[str, str] | str]:
    """Equal text as ``str``; each run of changed lines as ``(deleted, inserted)``."""
    out: list[tuple[str, str] | str] = []
    for op, text in line_ops:
        if op == 0:
            out.append(text)
        elif out and isinstance(out[-1], tuple):
            d, i = out[-1]
            out[-1] = (d + text, i) if op == -1 else (d, i + text)
        else:
            out.append((text, "") if op == -1 else ("", text))
    return out


def _aligned_diff(old: str, new: str, tokenize: Callable[[str], list[str]], timeout: float) -> TextDiff:
    deadline = time.monotonic() + timeout if timeout > 0 else float("inf")
    line_ops, _, _ = _units_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), timeout, "No")
    ops: list[Op] = []
    deleted_tokens = inserted_tokens = 0
    fell_back = False
    for block in _blocks(line_ops):
        if isinstance(block, str):
            ops.append((0, block))
            continue
        deleted, inserted = block
        remaining = deadline - time.monotonic()
        if deleted and inserted and remaining > 0:
            sub, d_tok, i_tok = _units_diff(tokenize(deleted), tokenize(inserted), remaining, "Semantic")
            fell_back |= time.monotonic() >= deadline
            ops += sub
        else:
            fell_back |= bool(deleted and inserted)
            d_tok, i_tok = len(tokenize(deleted)) if deleted else 0, len(tokenize(inserted)) if inserted else 0
            ops += [(-1, deleted), (1, inserted)]
        deleted_tokens += d_tok
        inserted_tokens += i_tok
    return _result(ops, timeout, fell_back, deleted_tokens, inserted_tokens)


def articles(text: str) -> dict[str, str]:
    """The text of each article (第X条 heading to the next heading)."""
    marks = list(_ARTICLE.finditer(text))
    return {m.group(1): text[m.start() : marks[i + 1].start() if i + 1 < len(marks) else len(text)]
            for i, m in enumerate(marks)}  # fmt: skip


def word_diff(
    old: str,
    new: str,
    tokenize: Callable[[str], list[str]],
    timeout: float = DEFAULT_TIMEOUT,
    terms: Callable[[str], tuple[KeywordHit, ...]] | None = None,
) -> TextDiff:
    """Word-level diff of two texts with ``tokenize`` (e.g. ``Segmenter.tokens``).

    Joining the equal and inserted op texts gives ``new`` exactly; equal and deleted give
    ``old``. Articles added, removed and changed are named; with ``terms``, the tracked
    terms added and removed are filled in.
    """
    result = _aligned_diff(old, new, tokenize, timeout)
    before, after = articles(old), articles(new)
    changed = tuple(a for a in after if a in before and before[a] != after[a])
    extra: dict[str, object] = {
        "articles_added": tuple(a for a in after if a not in before),
        "articles_removed": tuple(a for a in before if a not in after),
        "articles_changed": changed,
    }
    if terms is not None:
        had = {h.term for h in terms(old)}
        has = {h.term for h in terms(new)}
        extra["terms_added"] = tuple(sorted(has - had))
        extra["terms_removed"] = tuple(sorted(had - has))
    return replace(result, **extra)  # type: ignore[arg-type]


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

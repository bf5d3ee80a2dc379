"""Benchmark: word-level diffs (diff-match-patch over jieba tokens) against character-level diff-match-patch.

The reference is what a straightforward implementation does: pure-Python diff-match-patch on
characters. A third row shows character-level fast-diff-match-patch for transparency.
Pairs are real regulation texts in consecutive versions from ``../shared/corpus/texts/versions``
(or seeded synthetic revisions of sim texts when the corpus is absent). Both sides use the
same explicit 1 s time limit and semantic cleanup; ours includes segmentation time.

    python bench/diff.py [--quick]

Ends with ``BENCH diff … ratio=<reference time / our time>`` (>1: the word-level diff is faster).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import fast_diff_match_patch as fast_dmp
from diff_match_patch import diff_match_patch

from processing.diff import word_diff
from processing.segment import default_segmenter
from sim.content import corpus_dir, generate_policy, parse_corpus_markdown

TIMEOUT = 1.0


def corpus_pairs(limit: int) -> list[tuple[str, str]]:
    """(old, new) texts of consecutive versions in the corpus."""
    root = corpus_dir()
    if root is None:
        return []
    rows = [json.loads(line) for line in (root / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = []
    for row in rows:
        if row.get("previous_version_file"):
            old = parse_corpus_markdown((root / row["previous_version_file"]).read_text(encoding="utf-8"))[2]
            new = parse_corpus_markdown((root / row["file"]).read_text(encoding="utf-8"))[2]
            pairs.append(("\n".join(old), "\n".join(new)))
    return pairs[:limit]


def synthetic_pairs(limit: int) -> list[tuple[str, str]]:
    """Seeded revisions of generated policy texts: a few sentences replaced, inserted or deleted."""
    rng = random.Random(42)
    pairs = []
    for _ in range(limit):
        paras = list(generate_policy(rng, "某市人民政府办公厅", "各区人民政府：").paragraphs) * 3
        new = list(paras)
        for _ in range(3):
            i = rng.randrange(len(new))
            new[i] = new[i][: len(new[i]) // 2] + "推进社会信用体系建设。" + new[i][len(new[i]) // 2 :]
        del new[rng.randrange(len(new))]
        pairs.append(("\n".join(paras), "\n".join(new)))
    return pairs


def char_diff(old: str, new: str) -> int:
    """The reference: character-level diff-match-patch with the same limit and cleanup."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = TIMEOUT
    ops = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(ops)
    return sum(1 for op, _ in ops if op)


def fast_char_diff(old: str, new: str) -> int:
    """For comparison: character-level fast-diff-match-patch (C++), same limit and cleanup."""
    ops = fast_dmp.diff(old, new, timelimit=TIMEOUT, checklines=True, cleanup="Semantic", counts_only=True)
    return sum(1 for op, _ in ops if op != "=")


def timed(fn, *args) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few pairs, well under a minute")
    args = parser.parse_args()
    limit = 8 if args.quick else 40
    pairs = corpus_pairs(limit) or synthetic_pairs(limit)
    seg = default_segmenter()
    ours, ref, fast, our_changes, ref_changes, fast_changes, timeouts = [], [], [], 0, 0, 0, 0
    for old, new in pairs:
        t, d = timed(word_diff, old, new, seg.tokens)
        ours.append(t)
        our_changes += d.change_count  # type: ignore[attr-defined]
        timeouts += d.timed_out  # type: ignore[attr-defined]
        t, n = timed(char_diff, old, new)
        ref.append(t)
        ref_changes += n  # type: ignore[operator]
        t, n = timed(fast_char_diff, old, new)
        fast.append(t)
        fast_changes += n  # type: ignore[operator]
    chars = sum(len(a) + len(b) for a, b in pairs)
    print(f"{len(pairs)} pairs, {chars / 1000:.0f} k characters, time limit {TIMEOUT} s")
    print(f"{'method':<36}{'total s':>9}{'median ms':>11}{'max ms':>9}{'changes':>9}")
    for name, times, changes in (
        ("word-level (jieba tokens + dmp)", ours, our_changes),
        ("reference: character-level dmp", ref, ref_changes),
        ("(character-level fast-dmp, C++)", fast, fast_changes),
    ):
        print(
            f"{name:<36}{sum(times):>9.2f}{statistics.median(times) * 1000:>11.1f}{max(times) * 1000:>9.1f}{changes:>9}"
        )
    ratio = sum(ref) / sum(ours)
    print(
        f"BENCH diff pairs={len(pairs)} ours_s={sum(ours):.2f} ref_s={sum(ref):.2f} "
        f"timeouts={timeouts} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()

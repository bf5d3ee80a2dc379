"""Benchmark: word-level diffs (paragraphs, then jieba tokens, fast-diff-match-patch) against
character-level diff-match-patch on the same texts, in the same run.

    python bench/diff.py [--quick]

Texts of about 5 KB, 50 KB and 500 KB are built from real regulation paragraphs
(``../shared/corpus/texts``, or seeded generated policy text without the corpus) and edited
with seeded 5 % edits (phrases replaced, sentences inserted, paragraphs deleted). Our time
includes segmentation of the changed paragraphs. Rows for character-level diff-match-patch in
C++ (fast-diff-match-patch) and in pure Python are measured alongside; all use a 1 s limit.
Targets: 50 KB under 50 ms; no more than 3× the raw (pure-Python) character-level
diff-match-patch. Ends with ``BENCH diff … ratio=<pure-Python character-level time / our time
at 50 KB>`` (≥ 0.33 meets the target); the C++ comparison is printed as ``cpp_ratio``.
"""

from __future__ import annotations

import argparse
import random
from functools import partial

import fast_diff_match_patch as fast_dmp
from _timing import median_time
from diff_match_patch import diff_match_patch

from processing.diff import word_diff
from processing.segment import default_segmenter
from sim.content import corpus_dir, generate_policy, parse_corpus_markdown

TIMEOUT = 1.0
SIZES_KB = (5, 50, 500)
EDIT_SHARE = 0.05


def paragraphs() -> list[str]:
    """Real regulation paragraphs from the corpus, or generated ones."""
    root = corpus_dir()
    if root is not None:
        out: list[str] = []
        for path in sorted((root / "single").glob("*.md"))[:120]:
            out += parse_corpus_markdown(path.read_text(encoding="utf-8"))[2]
        return out
    rng = random.Random(7)
    return [p for _ in range(300) for p in generate_policy(rng, "某市人民政府", "各区人民政府：").paragraphs]


def make_pair(paras: list[str], kb: int, rng: random.Random) -> tuple[str, str]:
    """A text of about ``kb`` KB and a copy with 5 % of its paragraphs edited."""
    chosen: list[str] = []
    while sum(len(p.encode()) + 1 for p in chosen) < kb * 1000:
        chosen.append(paras[len(chosen) % len(paras)])
    new = list(chosen)
    for i in rng.sample(range(len(new)), max(1, int(len(new) * EDIT_SHARE))):
        kind = rng.randrange(3)
        if kind == 0 and len(new[i]) > 12:
            cut = rng.randrange(4, len(new[i]) - 4)
            new[i] = new[i][:cut] + "依法依规实施联合惩戒" + new[i][cut + 2 :]
        elif kind == 1:
            new[i] = new[i] + "各地要加快推进社会信用体系建设。"
        else:
            new[i] = ""
    return "\n".join(chosen), "\n".join(p for p in new if p)


def pure_char(old: str, new: str) -> None:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = TIMEOUT
    dmp.diff_cleanupSemantic(dmp.diff_main(old, new))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no pure-Python row at 500 KB")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    rng = random.Random(42)
    paras = paragraphs()
    seg = default_segmenter()
    print(f"{'size':>6}{'word-level ms':>15}{'C++ char ms':>13}{'pure-py char ms':>17}{'changes':>9}{'ratio':>8}")
    results = {}
    for kb in SIZES_KB:
        old, new = make_pair(paras, kb, rng)
        ours = median_time(partial(word_diff, old, new, seg.tokens, timeout=TIMEOUT), rounds)
        fast = median_time(partial(fast_dmp.diff, old, new, timelimit=TIMEOUT, cleanup="Semantic"), rounds)
        pure = float("nan") if (args.quick and kb >= 500) else median_time(partial(pure_char, old, new), rounds)
        changes = word_diff(old, new, seg.tokens, timeout=TIMEOUT).change_count
        results[kb] = (ours, fast, pure)
        print(f"{kb:>4}KB{ours * 1000:>15.1f}{fast * 1000:>13.1f}{pure * 1000:>17.1f}{changes:>9}{pure / ours:>8.2f}")
    ours50, fast50, pure50 = results[50]
    print(
        f"BENCH diff kb50_ms={ours50 * 1000:.1f} kb500_ms={results[500][0] * 1000:.1f} target_kb50_ms=50 "
        f"cpp_ratio={fast50 / ours50:.2f} ratio={pure50 / ours50:.2f}"
    )


if __name__ == "__main__":
    main()

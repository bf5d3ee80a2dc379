"""Benchmark: matching every subscriber's keywords against a new version, against a naive loop.

    python bench/matching.py [--quick]

10,000 subscribers × 20 terms each (``--quick``: 2,000 × 20). Terms are drawn, seeded, from
jieba's dictionary (words of 2–6 characters, as researchers' terms are) plus the shipped
tracked-term list, so common words are shared by many subscribers as in real lists; one term in
ten is an exact-substring phrase, the rest word-boundary keywords. Texts are the real
regulations of ``../shared/corpus/texts`` (every version, up to 60), or generated policy texts
when the corpus is absent.

- ours: :class:`processing.match.KeywordIndex` — one Aho-Corasick automaton over all 200,000
  terms, word-boundary check against the text's jieba segmentation (the text is folded and
  segmented inside the timed call);
- reference: the naive per-subscriber loop — for each subscriber, each of its (pre-folded)
  terms searched with ``in`` in the folded text.

Both must find the same subscribers for phrases, and ours a subset for keywords (a keyword
cutting a word in half is not a hit): the script checks it. Target: ≤ 10 ms per version and
≥ 50× faster than the loop. ``ratio`` = loop time / ours.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from processing.match import KeywordIndex, WatchTerms, fold
from processing.segment import default_segmenter
from processing.terms import default_terms
from sim.content import corpus_dir, generate_policy, parse_corpus_markdown


def vocabulary() -> list[str]:
    """Words of 2–6 characters from jieba's dictionary (the reference segmenter's, a dev
    dependency), else from generated texts."""
    try:
        import jieba

        path = Path(jieba.__file__).parent / "dict.txt"
        words = [line.split(" ", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    except ImportError:
        rng = random.Random(1)
        words = default_segmenter().tokens("".join(texts(rng, 200)))
    return sorted({w for w in words if 2 <= len(w) <= 6 and not w.isascii()})


def texts(rng: random.Random, limit: int) -> list[str]:
    """Real regulation texts (every version) when the corpus is there, else generated ones."""
    root = corpus_dir()
    if root is not None:
        files = sorted(root.rglob("*.md"))[:limit]
        out = []
        for f in files:
            title, _pre, paras = parse_corpus_markdown(f.read_text(encoding="utf-8"))
            out.append(title + "\n" + "\n".join(paras))
        return out
    return [
        (g := generate_policy(rng, "某市人民政府", "各区人民政府：")).title + "\n" + "\n".join(g.paragraphs)
        for _ in range(limit)
    ]


def subscribers(rng: random.Random, n: int, per: int) -> list[WatchTerms]:
    """``n`` rules of ``per`` terms: 90 % dictionary words, 10 % tracked terms; 1 in 10 a phrase."""
    vocab = vocabulary()
    tracked = sorted({t.term for t in default_terms()})
    rules = []
    for i in range(n):
        terms = [rng.choice(tracked) if rng.random() < 0.1 else rng.choice(vocab) for _ in range(per)]
        keywords = tuple(t for j, t in enumerate(terms) if j % 10)
        phrases = tuple(t for j, t in enumerate(terms) if not j % 10)
        rules.append(WatchTerms(i, keywords, phrases))
    return rules


def naive(norm: str, folded: list[tuple[int, list[str]]]) -> dict[int, list[str]]:
    """The per-subscriber loop over pre-folded terms."""
    out: dict[int, list[str]] = {}
    for rule_id, terms in folded:
        hits = [t for t in terms if t in norm]
        if hits:
            out[rule_id] = hits
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 subscribers and 20 texts")
    args = parser.parse_args()
    n, per, limit = (2_000, 20, 20) if args.quick else (10_000, 20, 60)
    rng = random.Random(20261123)
    rules = subscribers(rng, n, per)
    docs = texts(rng, limit)
    seg = default_segmenter()
    seg.tokens("政策")  # load the dictionary outside the timings
    start = time.perf_counter()
    index = KeywordIndex(rules, seg.boundaries)
    build_s = time.perf_counter() - start
    folded = [(r.rule_id, [fold(t) for t in (*r.keywords, *r.phrases)]) for r in rules]

    ours_ms, theirs_ms, hits, bad = [], [], 0, 0
    for text in docs:
        start = time.perf_counter()
        got = index.match(text)
        ours_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        ref = naive(fold(text), folded)
        theirs_ms.append((time.perf_counter() - start) * 1000)
        hits += len(got)
        bad += sum(1 for rule_id in got if rule_id not in ref)  # ours may only drop (mid-word) hits
        bad += sum(1 for r in rules[:500] if r.phrases and _phrase_hits(got, r) != _phrase_hits(ref, r))
    chars = statistics.mean(len(t) for t in docs)
    ours, theirs = statistics.median(ours_ms), statistics.median(theirs_ms)
    print(f"{n} subscribers × {per} terms = {index.terms} distinct terms; automaton built in {build_s:.2f} s")
    print(f"{len(docs)} texts, {chars:.0f} characters on average; {hits / len(docs):.0f} subscribers hit per text")
    print(f"{'matcher':<34}{'median ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, ms in (("Aho-Corasick + word boundaries", ours_ms), ("per-subscriber substring loop", theirs_ms)):
        p95 = sorted(ms)[int(0.95 * (len(ms) - 1))]
        print(f"{name:<34}{statistics.median(ms):>10.2f}{p95:>10.2f}{max(ms):>10.2f}")
    if bad:
        sys.exit(f"the two matchers disagree on {bad} (text, subscriber) pairs")
    print(
        f"BENCH matching subscribers={n} terms={n * per} texts={len(docs)} ms_per_version={ours:.2f} "
        f"loop_ms={theirs:.1f} build_s={build_s:.2f} ratio={theirs / ours:.1f}"
    )


def _phrase_hits(result: dict[int, list[str]], rule: WatchTerms) -> set[str]:
    """The rule's phrases among its hits (folded)."""
    folded = {fold(p) for p in rule.phrases}
    return {fold(t) for t in result.get(rule.rule_id, []) if fold(t) in folded}


if __name__ == "__main__":
    main()

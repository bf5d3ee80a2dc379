"""Benchmark: segmentation throughput of our segmenter (rjieba) against jieba, same dictionary.

    python bench/segment.py [--quick]

Text: the regulation corpus (``../shared/corpus/texts``), or seeded generated policy text when
the corpus is absent. Both segmenters load the shipped tracked-term dictionary; the bench also
counts token mismatches between the two (expected 0). Ends with
``BENCH segment … ratio=<jieba time / our time>``.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from functools import partial

import jieba
from _timing import median_time

from processing.segment import Segmenter
from processing.terms import default_terms, dictionary_words
from sim.content import corpus_dir, generate_policy, parse_corpus_markdown


def load_text(limit: int) -> str:
    """Up to ``limit`` regulation texts from the corpus, or generated text."""
    root = corpus_dir()
    if root is not None:
        paths = sorted(root.glob("*/*.md"))[:limit]
        return "\n".join("\n".join(parse_corpus_markdown(p.read_text(encoding="utf-8"))[2]) for p in paths)
    rng = random.Random(7)
    docs = [generate_policy(rng, "某市人民政府", "各区人民政府：") for _ in range(limit * 5)]
    return "\n".join(p for doc in docs for p in doc.paragraphs)


def jieba_reference() -> jieba.Tokenizer:
    """jieba 0.42 with the same user dictionary as ours."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in dictionary_words(default_terms()):
        tok.add_word(word, freq=200000)
    return tok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the corpus, fewer rounds")
    args = parser.parse_args()
    text = load_text(60 if args.quick else 400)
    rounds = 3 if args.quick else 5
    start = time.perf_counter()
    ours = Segmenter(default_terms())
    load_ours = time.perf_counter() - start
    start = time.perf_counter()
    ref = jieba_reference()
    load_ref = time.perf_counter() - start
    t_ours = median_time(partial(ours.tokens, text), rounds)
    t_ref = median_time(lambda: list(ref.cut(text, HMM=True)), rounds)
    mine, theirs = ours.tokens(text), list(ref.cut(text, HMM=True))
    mismatches = sum(a != b for a, b in zip(mine, theirs, strict=False)) + abs(len(mine) - len(theirs))
    mb = len(text.encode()) / 1e6
    print(f"{'segmenter':<12}{'load s':>8}{'MB/s':>8}{'tokens':>10}")
    print(f"{'ours rjieba':<12}{load_ours:>8.2f}{mb / t_ours:>8.2f}{len(mine):>10}")
    print(f"{'jieba 0.42':<12}{load_ref:>8.2f}{mb / t_ref:>8.2f}{len(theirs):>10}")
    print(
        f"BENCH segment mb={mb:.2f} ours_mb_s={mb / t_ours:.2f} jieba_mb_s={mb / t_ref:.2f} "
        f"mismatches={mismatches} ratio={t_ref / t_ours:.1f}"
    )


if __name__ == "__main__":
    main()

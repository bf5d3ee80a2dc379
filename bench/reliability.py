"""Crash-safety figures: the SIGKILL trials of ``tests/test_crash_safety.py``, many of them.

    python bench/reliability.py [--quick] [--trials N] [--seed S]

Runs that test under pytest with ``POLICYWATCH_CRASH_TRIALS=N`` per backend (default 50 on SQLite and 50 on
PostgreSQL: 100 trials; ``--quick``: 1 trial on SQLite only, under a minute). In each trial a crawl and then an
alert dispatch are SIGKILLed at seeded random moments (the crawl once a random number of its captures are in,
the dispatch while it sends), restarted until they finish, and the archive is compared with a clean run's:
documents, versions, attachment versions, events and alerts by content, ``policywatch verify`` on every capture
and WARC record, and each alert's mail at the SMTP server exactly once by Message-ID. Prints one row per backend
and ends with

    BENCH reliability trials=<n> kills=<k> mismatches=<m> duplicates=<d> lost=<l> ratio=<r>

where ``ratio`` is the share of trials whose archive and mail equal the clean run's (1.0: every one; the
reference is the clean run itself). Exit status 1 if any trial differed. About 12 s per trial on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_FILE = "tests/test_crash_safety.py"
_LINE = re.compile(r"CRASH-SAFETY backend=(\w+) (.*)")


def run(trials: int, seed: int, quick: bool) -> tuple[subprocess.CompletedProcess[str], float]:
    """The test file under pytest; returns the finished process and its seconds."""
    env = {**os.environ, "POLICYWATCH_CRASH_TRIALS": str(trials), "POLICYWATCH_CRASH_SEED": str(seed)}
    cmd = [sys.executable, "-m", "pytest", TEST_FILE, "-q", "-s", "-p", "no:cacheprovider", "--timeout=0"]
    if quick:
        cmd += ["-k", "sqlite"]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return done, time.monotonic() - started


def figures(stdout: str) -> dict[str, dict[str, str]]:
    """``{backend: {figure: value}}`` from the test's summary lines."""
    out: dict[str, dict[str, str]] = {}
    for match in _LINE.finditer(stdout):
        pairs = re.findall(r"(\w+)=(\d+)", match.group(2))
        mid = re.search(r"mid-crawl (\d+)", match.group(2))
        out[match.group(1)] = {**dict(pairs), "mid_crawl": mid.group(1) if mid else "?"}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 trial on SQLite only (under a minute)")
    parser.add_argument("--trials", type=int, help="trials per backend (default 50: 100 in all)")
    parser.add_argument("--seed", type=int, help="kill-moment seed (0 with --quick, else random)")
    args = parser.parse_args()
    trials = args.trials or (1 if args.quick else 50)
    # a smoke run (CI) is repeatable; a long run tries new kill moments each time
    seed = args.seed if args.seed is not None else 0 if args.quick else random.SystemRandom().randrange(2**32)
    print(f"crash-safety trials: {trials} per backend, seed {seed}", flush=True)
    done, seconds = run(trials, seed, args.quick)
    table = figures(done.stdout)
    if done.returncode != 0 or not table:
        print(done.stdout[-6000:], done.stderr[-2000:], sep="\n")
    head = ("trials", "kills", "crawl_kills", "mid_crawl", "dispatch_kills", "mismatches", "duplicates", "lost")
    print(f"{'backend':<12}" + "".join(f"{h:>15}" for h in (*head, "seconds")))
    for backend, row in table.items():
        print(f"{backend:<12}" + "".join(f"{row.get(h, '?'):>15}" for h in (*head, "seconds")))
    total = {h: sum(int(row.get(h, 0)) for row in table.values()) for h in ("trials", "kills", "mismatches")}
    bad = {h: sum(int(row.get(h, 0)) for row in table.values()) for h in ("duplicates", "lost")}
    failed_trials = total["mismatches"] + (1 if done.returncode != 0 else 0)
    ratio = (total["trials"] - min(failed_trials, total["trials"])) / total["trials"] if total["trials"] else 0.0
    print(
        f"BENCH reliability trials={total['trials']} kills={total['kills']} mismatches={total['mismatches']} "
        f"duplicates={bad['duplicates']} lost={bad['lost']} seconds={seconds:.0f} ratio={ratio:.2f}"
    )
    sys.exit(0 if done.returncode == 0 and total["trials"] else 1)


if __name__ == "__main__":
    main()

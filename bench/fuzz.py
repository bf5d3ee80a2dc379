"""Long fuzz run: every hypothesis property of ``tests/processing/test_properties.py`` with many inputs.

    python bench/fuzz.py [--quick] [--examples N] [--seed S]

Runs pytest on that file in a subprocess with ``POLICYWATCH_FUZZ_EXAMPLES=N`` (20,000 per property by default,
500 with ``--quick``), a fixed hypothesis seed (random unless ``--seed``; printed, so a run can be repeated) and
``--hypothesis-show-statistics``, then prints one row per property: inputs tried (passing + failing test cases
over all of hypothesis' phases: explicit examples, generation, shrinking), the outcome and the time taken.

A *crash* is a property that failed: some input raised, hung (over ``max(600, N / 10)`` s) or broke the contract;
the failure, with its minimal input, is printed above the table. The ``xfail(strict=True)`` tests pin product bugs
already known: they stop at their pinned input and count as ``known``, not as crashes, unless one stops failing
(a strict XPASS fails the run). Ends with

    BENCH fuzz inputs=<total> crashes=<n> ratio=<r> known=<k> seconds=<s>

where ``ratio`` is the inputs the passing properties got divided by the inputs they get in the CI run (each
property's ``max_examples`` in the test file): how many times deeper than CI this run searched. The exit status
is 1 when there were crashes. Timing on 2 cores: ``--quick`` about 20 s; the default about 9.5 min.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_FILE = "tests/processing/test_properties.py"
DEFAULT_EXAMPLES = 20_000
QUICK_EXAMPLES = 500
_STATS_HEAD = re.compile(r"^\S*::(\w+):$")
_STATS_COUNTS = re.compile(r"(\d+) passing(?: examples)?, (\d+) failing(?: examples)?, (?:and )?(\d+) invalid")


def ci_examples() -> dict[str, int]:
    """Each property's CI example count, as registered by the test file's ``fuzz`` decorator."""
    sys.path.insert(0, str(ROOT))  # the repository root, for the ``tests`` package
    from tests.processing.test_properties import CI_EXAMPLES

    return dict(CI_EXAMPLES)


def run_pytest(examples: int, seed: int, tmp: Path) -> subprocess.CompletedProcess[str]:
    """The test file under pytest, with ``examples`` per property; stdout carries hypothesis' statistics and the
    JUnit report is written to ``tmp``."""
    env = {**os.environ, "POLICYWATCH_FUZZ_EXAMPLES": str(examples)}
    timeout = max(600, examples // 10)  # seconds per property: a hang is a crash too
    cmd = [sys.executable, "-m", "pytest", TEST_FILE, "-q", "-p", "no:cacheprovider", f"--timeout={timeout}"]
    cmd += ["--hypothesis-show-statistics", f"--hypothesis-seed={seed}", f"--junitxml={tmp / 'junit.xml'}"]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def inputs_tried(stdout: str) -> dict[str, tuple[int, int]]:
    """``{test name: (passing + failing inputs, invalid inputs)}`` summed over every hypothesis phase."""
    counts: dict[str, tuple[int, int]] = {}
    name = None
    for line in stdout.splitlines():
        head = _STATS_HEAD.match(line.strip())
        if head:
            name = head.group(1)
            counts.setdefault(name, (0, 0))
            continue
        found = _STATS_COUNTS.search(line)
        if found and name:
            passing, failing, invalid = map(int, found.groups())
            tried, rejected = counts[name]
            counts[name] = (tried + passing + failing, rejected + invalid)
    return counts


def outcomes(junit: Path) -> dict[str, tuple[str, float]]:
    """``{test name: (outcome, seconds)}`` from pytest's JUnit XML report."""
    out: dict[str, tuple[str, float]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "CRASH"
            elif child.tag == "skipped":
                outcome = "known" if child.get("type") == "pytest.xfail" else "skipped"
        out[case.get("name", "?")] = (outcome, float(case.get("time", 0)))
    return out


def failure_report(stdout: str) -> str:
    """pytest's failure sections (the failing input and its traceback), without the statistics."""
    start = stdout.find("= FAILURES =")
    if start < 0:
        return ""
    end = stdout.find("Hypothesis Statistics", start)
    return stdout[stdout.rfind("\n", 0, start) + 1 : stdout.rfind("\n", 0, end) if end > 0 else None].rstrip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EXAMPLES} inputs per property (under a minute)")
    parser.add_argument("--examples", type=int, help=f"inputs per property (default {DEFAULT_EXAMPLES:,})")
    parser.add_argument("--seed", type=int, help="hypothesis seed (0 with --quick, else random)")
    args = parser.parse_args()
    examples = args.examples or (QUICK_EXAMPLES if args.quick else DEFAULT_EXAMPLES)
    # a smoke run (CI) is repeatable; a long run explores a new part of the input space each time
    seed = args.seed if args.seed is not None else 0 if args.quick else random.SystemRandom().randrange(2**32)
    print(f"fuzzing {TEST_FILE}: {examples:,} inputs per property, seed {seed}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = tmp  # hypothesis' cache, here and in pytest, not in the repo
        budget = ci_examples()
        proc = run_pytest(examples, seed, Path(tmp))
        junit = Path(tmp) / "junit.xml"
        if not junit.is_file():  # pytest could not even collect the file
            sys.exit(f"pytest exited with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        results = outcomes(junit)
    elapsed = time.monotonic() - started
    counts = inputs_tried(proc.stdout)
    if report := failure_report(proc.stdout):
        print(report)
    print(f"{'property':<62}{'inputs':>9}{'invalid':>9}{'result':>8}{'s':>8}")
    for name, (outcome, seconds) in results.items():
        tried, rejected = counts.get(name, (0, 0))
        print(f"{name:<62}{tried:>9}{rejected:>9}{outcome:>8}{seconds:>8.1f}")
    total = sum(tried for tried, _ in counts.values())
    crashes = sum(outcome == "CRASH" for outcome, _ in results.values())
    known = sum(outcome == "known" for outcome, _ in results.values())
    passed = [name for name, (outcome, _) in results.items() if outcome == "passed" and name in budget]
    ci_inputs = sum(budget[name] for name in passed)
    ratio = sum(counts.get(name, (0, 0))[0] for name in passed) / ci_inputs if ci_inputs else 1.0
    print(f"BENCH fuzz inputs={total} crashes={crashes} ratio={ratio:.1f} known={known} seconds={elapsed:.0f}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()

"""Benchmark: crawling a large unchanging column, against urlwatch 2.29 re-checking the same URLs.

    python bench/crawl.py [--quick] [--docs N]

The site is ``sim.bulk.BulkSite``: one TRS column of N documents (50 per listing page), each page
with a strong ETag; nothing changes between runs. Every policywatch phase is a real
``policywatch crawl --now T`` subprocess on the embedded SQLite archive (delay 0 on localhost,
one connection per host as always):

- ``first crawl``: all listing pages and all N documents, fully processed and archived
  (CPU seconds include the processing workers);
- ``re-check (scheduled)``: a day later. Listing pages answer 304 and replay what they listed;
  documents are fetched when due by the adaptive schedule (age from publication date: the N
  documents span ~3 years, so those published in the last 14 days are due daily);
- ``re-check (all due)``: 31 days later, when every document is due: N conditional GETs.

urlwatch 2.29 is installed with pip into a separate venv (cached under ``~/.cache``), given a
generated ``urls.yaml`` of the same N document URLs, run once to fill its cache (its ETags),
then timed on the re-check. Bytes are counted by the server (status line, headers, body).
``ratio`` = urlwatch time / our scheduled re-check time; ``bytes_ratio`` likewise for bytes.
Targets: both ≥ 10, and the first crawl ≥ 100 documents/s. ``--quick`` (500 documents, no
all-due phase) is a smoke run: process start-up dominates its re-check, so its ratio is low.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sim.bulk import BulkSite

ROOT = Path(__file__).resolve().parent.parent
URLWATCH = "urlwatch==2.29"
T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)  # half a day after the newest bulk document


@dataclass
class Phase:
    """One measured run."""

    name: str
    wall: float
    cpu: float
    requests: int
    bytes: int
    docs: int

    def row(self) -> str:
        """A table row."""
        rate = self.docs / self.wall if self.wall else 0.0
        return (
            f"{self.name:<28}{self.wall:>9.2f}{self.cpu:>9.2f}{self.requests:>10}"
            f"{self.bytes / 1e6:>11.3f}{self.docs:>8}{rate:>10.0f}"
        )


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measured(name: str, site: BulkSite, cmd: list[str], docs: int, env: dict[str, str] | None = None) -> Phase:
    """Run ``cmd`` to completion, counting wall and CPU time and what the site served."""
    site.reset_counters()
    cpu0, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=ROOT)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    if done.returncode not in (0, 1) or (done.returncode == 1 and "urlwatch" not in cmd[0]):
        sys.exit(
            f"{name}: {' '.join(cmd[:4])} … failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return Phase(name, wall, cpu, site.requests, site.bytes_sent, docs)


def ours(site: BulkSite, work: Path, docs: int, all_due: bool) -> list[Phase]:
    """First crawl, scheduled re-check and (``all_due``) all-due re-check with ``policywatch crawl``."""
    config = work / "policywatch.toml"
    config.write_text(
        f'database_url = "sqlite:///{work / "archive.db"}"\ndata_dir = "{work / "data"}"\n'
        f'download_delay = 0.0\nsecret_key = "bench"\n\n[[sources]]\nname = "bulk"\nkind = "trs"\n'
        f'start_urls = ["{site.listing_url}"]\nmax_pages = {docs // 50 + 10}\n',
        encoding="utf-8",
    )
    cli = [sys.executable, "-m", "cli", "--config", str(config)]
    subprocess.run([*cli, "init"], check=True, capture_output=True, cwd=ROOT)
    phases = [("first crawl", T), ("re-check (scheduled, +1 d)", T + timedelta(days=1))]
    if all_due:
        phases.append(("re-check (all due, +31 d)", T + timedelta(days=31)))
    return [measured(name, site, [*cli, "crawl", "--now", when.isoformat()], docs) for name, when in phases]


def urlwatch_bin() -> Path:
    """urlwatch 2.29 in its own venv (created once, cached)."""
    home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "policywatch-bench" / "urlwatch-2.29"
    exe = home / "bin" / "urlwatch"
    if not exe.exists():
        venv.create(home, with_pip=True)
        subprocess.run([str(home / "bin" / "pip"), "install", "-q", URLWATCH], check=True)
    return exe


def theirs(site: BulkSite, work: Path, docs: int) -> Phase:
    """urlwatch: one run to fill its cache, then the timed re-check."""
    urls = work / "urls.yaml"
    urls.write_text(
        "---\n".join(f"name: d{i}\nurl: {u}\n" for i, u in enumerate(site.document_urls())), encoding="utf-8"
    )
    (work / "hooks.py").write_text("", encoding="utf-8")
    cfg = work / "urlwatch.yaml"
    cfg.write_text("report:\n  stdout:\n    enabled: false\n  text:\n    details: false\n", encoding="utf-8")
    cmd = [
        str(urlwatch_bin()),
        "--urls",
        str(urls),
        "--config",
        str(cfg),
        "--cache",
        str(work / "cache.db"),
        "--hooks",
        str(work / "hooks.py"),
    ]
    env = {**os.environ, "HOME": str(work)}
    measured("urlwatch first run", site, cmd, docs, env)
    return measured("urlwatch re-check", site, cmd, docs, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 documents instead of 10,000, no all-due re-check")
    parser.add_argument("--docs", type=int, default=0, help="number of documents (overrides --quick)")
    args = parser.parse_args()
    docs = args.docs or (500 if args.quick else 10_000)
    site = BulkSite(docs).start()
    try:
        with tempfile.TemporaryDirectory(prefix="pw-bench-crawl-") as tmp:
            work = Path(tmp)
            (work / "ours").mkdir()
            (work / "theirs").mkdir()
            phases = ours(site, work / "ours", docs, all_due=not args.quick)
            ref = theirs(site, work / "theirs", docs)
    finally:
        site.stop()
    print(f"{'phase':<28}{'wall s':>9}{'cpu s':>9}{'requests':>10}{'MB sent':>11}{'docs':>8}{'docs/s':>10}")
    for p in [*phases, ref]:
        print(p.row())
    first, sched = phases[:2]
    full = f"full_recheck_s={phases[2].wall:.2f} full_ratio={ref.wall / phases[2].wall:.2f} " if len(phases) > 2 else ""
    print(
        f"BENCH crawl docs={docs} first_docs_per_s={docs / first.wall:.0f} first_cpu_s={first.cpu:.1f} "
        f"recheck_s={sched.wall:.2f} recheck_requests={sched.requests} recheck_bytes={sched.bytes} {full}"
        f"urlwatch_s={ref.wall:.2f} urlwatch_bytes={ref.bytes} bytes_ratio={ref.bytes / max(1, sched.bytes):.1f} "
        f"ratio={ref.wall / sched.wall:.1f}"
    )


if __name__ == "__main__":
    main()

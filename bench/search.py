"""Benchmark: full-text search over an archive of synthetic versions, against a LIKE scan.

    python bench/search.py [--quick | --slow] [--versions N]

Builds an embedded SQLite archive (the real schema, FTS5 over jieba search tokens, as the crawler
writes it) of N versions (default 100,000; ``--quick`` 10,000; ``--slow`` 1,000,000 — about an
hour and several GB) of seeded generated policy texts, ~1,500 characters each, with tracked terms
sprinkled in. Then runs 40 two-term Chinese queries (pairs of tracked terms and common policy
words) through ``store.search.search_versions`` — the query layer of the web UI, API and CLI:
index candidates, every one checked on its text, documents grouped, facets — and the same
queries as ``LIKE '%a%' AND LIKE '%b%'`` over title and text on the same database. Prints
p50/p95 of both and checks they find the same documents. Target: p95 ≤ 100 ms at 1,000,000
versions and ≥ 20× faster than the scan. ``ratio`` = scan p50 / ours p50.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from processing.analyse import search_text
from processing.normalize import text_sha256
from processing.query import parse_query
from processing.segment import default_segmenter
from processing.terms import default_terms
from sim.content import generate_policy
from store.db import make_engine, session_factory, transaction
from store.models import Capture, Document, Source, Version
from store.schema import upgrade
from store.search import CANDIDATES, Results, search_versions
from web.searching import text_query

T0 = datetime(2024, 1, 1, tzinfo=UTC)
COMMON = ("建设", "管理", "服务", "机制", "工作", "发展", "推进", "完善", "监管", "考核", "平台", "数据")
AGENCIES = ("国务院办公厅", "国家发展改革委", "天津市人民政府", "苏州市人民政府办公室", "深圳市政务服务数据管理局")


def build(url: str, n: int, seed: int = 7) -> None:
    """An archive of ``n`` versions (one per document, some documents with two)."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    terms = [t.term for t in default_terms()]
    seg = default_segmenter()
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        s.execute(insert(Source), [{"id": 1, "name": "bench", "kind": "urls", "config": {}, "created_at": T0}])
    batch = 2000
    for start in tqdm(range(0, n, batch), desc="building archive", unit=" batches", file=sys.stderr):
        docs, caps, vers = [], [], []
        for i in range(start, min(n, start + batch)):
            g = generate_policy(rng, rng.choice(AGENCIES), "各有关单位：")
            extra = "".join(f"要{rng.choice(terms)}{rng.choice(COMMON)}。" for _ in range(rng.randint(1, 4)))
            body = "\n".join(g.paragraphs) + extra
            at = T0 + timedelta(minutes=i)
            docs.append(
                {
                    "id": i + 1,
                    "source_id": 1,
                    "host": "bench.gov.cn",
                    "url": f"http://bench.gov.cn/{i}.html",
                    "first_seen": at,
                    "state": "active",
                    "failures": 0,
                    "current_version_id": i + 1,
                }
            )
            caps.append(
                {
                    "id": i + 1,
                    "source_id": 1,
                    "document_id": i + 1,
                    "version_id": i + 1,
                    "url": docs[-1]["url"],
                    "final_url": docs[-1]["url"],
                    "status": 200,
                    "outcome": "ok",
                    "fetched_at": at,
                    "headers": {},
                    "raw_size": 0,
                    "replacement_chars": 0,
                }
            )
            vers.append({"id": i + 1, "document_id": i + 1, "seq": 1, "capture_id": i + 1, "created_at": at,
                         "text": body, "text_sha256": text_sha256(body), "meta_sha256": "m", "title": g.title,
                         "agency": g.agency, "publish_date": at.date().isoformat(), "attachments": [], "page_meta": {},
                         "index_text": seg.index_text(g.title + " " + body),
                         "search_text": search_text(g.title, body)})  # fmt: skip
        with transaction(sessions) as s:
            s.execute(insert(Document), docs)
            s.execute(insert(Capture), caps)
            s.execute(insert(Version), vers)
    engine.dispose()


def queries(rng: random.Random, count: int) -> list[str]:
    terms = [t.term for t in default_terms()]
    return [f"{rng.choice(terms)} {rng.choice(COMMON)}" for _ in range(count)]


def like_scan(dialect: str) -> Any:
    """The reference: ``LIKE '%a%' AND LIKE '%b%'`` over title and text, newest first."""
    both = f"(coalesce(title, '') || {'char' if dialect == 'sqlite' else 'chr'}(10) || text)"
    return text(f"SELECT id FROM version WHERE {both} LIKE :a AND {both} LIKE :b ORDER BY id DESC")


TRIGRAM = text(  # PostgreSQL alternative: pg_trgm's GIN index on the folded text, same window
    "SELECT id FROM version WHERE search_text LIKE :a AND search_text LIKE :b ORDER BY id DESC LIMIT :n"
)


def ours(sessions: sessionmaker[Session], q: str) -> tuple[float, Results]:
    """(ms, results) of the first page of ``q`` through the search layer."""
    with sessions() as s:
        start = time.perf_counter()
        res = search_versions(s, text_query(parse_query(q)), size=20)
        return (time.perf_counter() - start) * 1000, res


def scan(sessions: sessionmaker[Session], q: str) -> tuple[float, list[int]]:
    """(ms, matching version ids newest first) of the LIKE scan for ``q``."""
    a, b = (f"%{t.key}%" for t in parse_query(q).terms)
    with sessions() as s:
        start = time.perf_counter()
        ids = list(s.execute(like_scan(s.get_bind().dialect.name), {"a": a, "b": b}).scalars())
        return (time.perf_counter() - start) * 1000, ids


def run_all(sessions: sessionmaker[Session], qs: list[str]) -> list[tuple[float, float, int, float]]:
    """Per query (our ms, scan ms, documents found, estimate error %). Our queries run as a warm-up
    pass, then timed, then the scans (a scan reads the whole table through the page cache and
    would evict our index pages between two of ours). Exits when the two disagree."""
    for q in qs:
        ours(sessions, q)
    timed = [ours(sessions, q) for q in qs]
    return [check(q, ms, res, *scan(sessions, q)) for q, (ms, res) in zip(qs, timed, strict=True)]


def check(q: str, ms: float, res: Results, scan_ms: float, ids: list[int]) -> tuple[float, float, int, float]:
    """Beyond the cap, the search reads the newest CANDIDATES matching versions: they must be the
    scan's newest, and the estimated total is compared with the scan's count."""
    if not res.truncated and res.total != len(ids):
        sys.exit(f"{q}: search found {res.total} documents, the scan {len(ids)}")
    if res.truncated and res.total != len(set(ids[:CANDIDATES])):  # one version per document here
        sys.exit(f"{q}: the newest {CANDIDATES} matches hold {res.total} documents, the scan's {len(ids[:CANDIDATES])}")
    error = abs((res.estimated_total or res.total) - len(ids)) / max(len(ids), 1) * 100
    return ms, scan_ms, len(ids), error


def trigram_ms(sessions: sessionmaker[Session], qs: list[str]) -> list[float]:
    """Per query, ms for pg_trgm's index to give the newest window of matching versions."""
    with sessions() as s, s.begin():
        s.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        s.execute(text("CREATE INDEX IF NOT EXISTS ix_bench_trgm ON version USING gin (search_text gin_trgm_ops)"))
    out = []
    for q in qs:
        a, b = (f"%{t.key}%" for t in parse_query(q).terms)
        with sessions() as s:
            start = time.perf_counter()
            s.execute(TRIGRAM, {"a": a, "b": b, "n": CANDIDATES + 1}).all()
            out.append((time.perf_counter() - start) * 1000)
    return out


def fresh_database(server_url: str, name: str = "pw_bench_search") -> str:
    """An empty PostgreSQL database ``name`` on the server of ``server_url``; its URL."""
    engine = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return str(make_engine(server_url).url.set(database=name).render_as_string(hide_password=False))


def pct(xs: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank)."""
    return sorted(xs)[int(q * (len(xs) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 versions")
    parser.add_argument("--slow", action="store_true", help="1,000,000 versions (about an hour)")
    parser.add_argument("--versions", type=int, default=0)
    parser.add_argument("--postgresql", metavar="URL", help="on a new database of this PostgreSQL server (tsvector "
                        "search and pg_trgm measured against the scan) instead of embedded SQLite")  # fmt: skip
    args = parser.parse_args()
    n = args.versions or (10_000 if args.quick else 1_000_000 if args.slow else 100_000)
    qs = queries(random.Random(11), 40)
    trigram: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pw-bench-search-") as tmp:
        url = fresh_database(args.postgresql) if args.postgresql else f"sqlite:///{Path(tmp) / 'archive.db'}"
        start = time.perf_counter()
        build(url, n)
        build_s = time.perf_counter() - start
        sessions = session_factory(make_engine(url))
        runs = run_all(sessions, qs)
        if args.postgresql:
            trigram = trigram_ms(sessions, qs)
    ours_ms, like_ms = [r[0] for r in runs], [r[1] for r in runs]
    hits = sum(r[2] for r in runs)
    p = pct
    error = statistics.mean(r[3] for r in runs)
    print(f"{n} versions built in {build_s:.0f} s; 40 two-term queries, {hits / 40:.0f} documents match per query")
    print(f"the search reads the newest {CANDIDATES} matching versions; its estimate of all is off by {error:.1f} %")
    print(f"{'method':<34}{'p50 ms':>10}{'p95 ms':>10}")
    index = "tsvector" if args.postgresql else "FTS5"
    print(f"{index + ' + check (store.search)':<34}{statistics.median(ours_ms):>10.1f}{p(ours_ms, 0.95):>10.1f}")
    if trigram:
        print(f"{'pg_trgm GIN + LIKE, same window':<34}{statistics.median(trigram):>10.1f}{p(trigram, 0.95):>10.1f}")
    print(f"{'LIKE scan':<34}{statistics.median(like_ms):>10.1f}{p(like_ms, 0.95):>10.1f}")
    ours, scan = statistics.median(ours_ms), statistics.median(like_ms)
    print(
        f"BENCH search{'_pg' if args.postgresql else ''} versions={n} p50_ms={ours:.1f} p95_ms={p(ours_ms, 0.95):.1f} "
        f"like_p50_ms={scan:.1f} estimate_error_pct={error:.1f} ratio={scan / ours:.1f}"
    )


if __name__ == "__main__":
    main()

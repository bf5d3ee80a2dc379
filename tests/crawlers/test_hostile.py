"""Hostile pages, for real: a `policywatch crawl` process against the hostile sim site (sim/hostile.py)
— a 50 MB page, an endless chunked answer, gzip and brotli bombs, 10,000-deep nesting, binary
garbage, NUL bytes, encoded surrogates, mixed GBK/UTF-8, a PDF bomb, a truncated DOCX, a DOCX zip
bomb and a slowloris server. Each gives a recorded result for its capture, the crawl goes on to the
pages after them, and the crawl process's peak memory stays bounded (measured with wait4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from sim.hostile import PATHS, HostileSite, policy
from store.db import make_engine, session_factory
from store.models import Attachment, Capture, Document, Version
from store.schema import upgrade

PEAK_RSS_LIMIT_MB = 512  # a crawl of ordinary pages peaks at about 250 MB here (Scrapy, jieba's dictionary)
TIMEOUT_S = 3


@pytest.fixture(scope="module")
def site():
    hostile = HostileSite(slow_seconds=60).start()
    yield hostile
    hostile.stop()


def _crawl(site: HostileSite, db_url: str, tmp_path) -> tuple[int, int, float]:
    """Crawl every hostile URL once; returns (exit status, peak RSS in MB, seconds)."""
    config = tmp_path / "policywatch.toml"
    urls = ", ".join(f'"{u}"' for u in site.urls())
    config.write_text(
        f'database_url = "{db_url}"\ndata_dir = "{tmp_path / "data"}"\ndownload_delay = 0.0\nprocessing_workers = 0\n'
        f'download_timeout = {TIMEOUT_S}\n[[sources]]\nname = "hostile"\nkind = "urls"\nstart_urls = [{urls}]\n',
        encoding="utf-8",
    )
    upgrade(make_engine(db_url))
    started = time.monotonic()
    crawl = subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), "crawl", "--now", "2025-06-02T00:00:00+00:00"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "crawl.log").open("w"),
    )  # fmt: skip
    _, status, usage = os.wait4(crawl.pid, 0)
    crawl.returncode = os.waitstatus_to_exitcode(status)
    return crawl.returncode, usage.ru_maxrss // 1024, time.monotonic() - started


def test_hostile_pages_are_recorded_and_the_crawl_goes_on_in_bounded_memory(site, db_url, tmp_path):
    site.log.clear()
    status, peak_mb, seconds = _crawl(site, db_url, tmp_path)
    print(f"\nhostile crawl: exit {status}, {seconds:.1f} s, peak RSS {peak_mb} MB (limit {PEAK_RSS_LIMIT_MB} MB)")
    assert status == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    assert peak_mb < PEAK_RSS_LIMIT_MB
    sessions = session_factory(make_engine(db_url))
    with sessions() as s:
        caps = {c.url: c for c in s.scalars(select(Capture).where(Capture.attachment_id.is_(None)))}
        texts = {
            d.url: v.text
            for d, v in s.execute(select(Document, Version).join(Version, Version.id == Document.current_version_id))
        }
        files = {
            a.url.rsplit("/", 1)[1]: c
            for a, c in s.execute(select(Attachment, Capture).join(Capture, Capture.attachment_id == Attachment.id))
        }
    page = {name: caps[site.url(name)] for name in ("huge", "endless", "gzip-bomb", "br-bomb", "slow", "garbage")}

    # refused before or while reading, with the limit named; nothing of them is archived
    for name in ("huge", "endless"):
        assert page[name].status == 0 and page[name].raw_size == 0
        assert page[name].error.startswith("refused: the answer is larger than 20971520 bytes (page_max_mb)")
    for name, encoding in (("gzip-bomb", "gzip"), ("br-bomb", "br")):
        assert page[name].status == 0 and page[name].raw_size == 0
        assert page[name].error.startswith(f"refused: the {encoding} body ("), page[name].error
        assert "unpacks to more than the limit of 20971520 bytes" in (page[name].error or "")
    assert page["slow"].error == f"timed out: no complete answer within {TIMEOUT_S} s (download_timeout); not archived"
    # garbage: archived byte for byte, no version, the reason recorded
    assert page["garbage"].outcome == "unprocessable" and page["garbage"].raw_size == 200 * 1024
    assert page["garbage"].error.startswith("unreadable: ") and site.url("garbage") not in texts

    # readable despite the damage: every paragraph, no NUL, no lone surrogate
    for name in ("ok-first", "deep", "nul", "mixed", "surrogates", "attachments", "ok-last"):
        text = texts[site.url(name)]
        _, paragraphs = policy(name)
        if name == "nul":
            paragraphs = [p.replace("，", "") for p in paragraphs]
            text = text.replace("，", "")
        if name == "surrogates":
            text = text.replace("\ufffd", "")
        missing = [p for p in paragraphs if p not in text]
        assert not missing, f"{name}: {missing[:2]} not in {text[:300]!r}"
        assert "\x00" not in text and text.encode("utf-8")  # strict: a lone surrogate would raise
    assert caps[site.url("mixed")].encoding_reason.endswith("mixed:utf-8+gb18030")
    assert caps[site.url("surrogates")].replacement_chars == 7 * texts[site.url("surrogates")].count("\ufffd" * 7)

    # attachments: each bomb or broken file archived with its error; the good one after them read
    assert files["bomb.pdf"].error.startswith("cannot read pdf: LimitReachedError")
    assert files["truncated.docx"].error == "cannot read docx: BadZipFile: File is not a zip file"
    assert files["zipbomb.docx"].error.startswith("too large when unpacked: 1074")
    assert files["ok.pdf"].error is None and files["ok.pdf"].status == 200
    for name in ("bomb.pdf", "truncated.docx", "zipbomb.docx"):
        assert files[name].status == 200 and files[name].raw_size == len(site.files[f"/files/{name}"][0])

    # the server saw every URL asked once (the slowloris page: its two retries)
    asked = [path for path, _ in site.log if path.startswith("/doc/")]
    assert sorted(set(asked)) == sorted(f"/doc/{name}.html" for name in PATHS)
    assert asked.count("/doc/slow.html") == 3 and len(asked) == len(site.urls()) + 2

    done = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(tmp_path / "policywatch.toml"), "verify", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and json.loads(done.stdout)["ok"], done.stdout

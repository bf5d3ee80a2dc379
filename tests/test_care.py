"""`policywatch verify` and `policywatch backup`, for real: archives made by `policywatch crawl`
subprocesses against the bulk TRS column (pages, a PDF and a DOCX), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zstandard
from sqlalchemy import create_engine, select, text, update

from sim.bulk import BulkSite
from store.db import make_engine, require_schema, session_factory
from store.models import Capture, Version
from store.schema import upgrade
from tests.conftest import PG_URL
from tests.test_e2e_scenario import _cli

T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _archive(tmp_path: Path, db_url: str, site: BulkSite) -> Path:
    config = tmp_path / "policywatch.toml"
    config.write_text(
        f'database_url = "{db_url}"\ndata_dir = "{tmp_path / "data"}"\ndownload_delay = 0.0\n'
        f'processing_workers = 0\n[[sources]]\nname = "bulk"\nkind = "trs"\nstart_urls = ["{site.listing_url}"]\n',
        encoding="utf-8",
    )
    upgrade(make_engine(db_url))
    return config


def _verify(config: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "verify", *extra],
        capture_output=True, text=True, check=False, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture
def crawled(db_url, tmp_path):
    """An archive holding one crawl of six documents, two of them with a PDF and a DOCX."""
    site = BulkSite(6, attachments=2).start()
    try:
        config = _archive(tmp_path, db_url, site)
        _cli(config, "crawl", "bulk", "--now", T.isoformat())
    finally:
        site.stop()
    return config, session_factory(make_engine(db_url)), tmp_path / "data" / "warc"


def test_verify_reads_back_every_capture_and_names_each_damaged_one(crawled):
    config, sessions, warc_dir = crawled
    done = _verify(config, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    with sessions() as s:
        caps = list(s.scalars(select(Capture).order_by(Capture.id)))
        versions = list(s.scalars(select(Version).order_by(Version.id)))
    with_warc = [c for c in caps if c.warc_file]
    assert report["ok"] and report["problems"] == []
    assert (report["captures"], report["warc_records"], report["versions"]) == (len(caps), len(with_warc), 6)
    assert len(caps) == 10 and len(versions) == 6  # 6 pages + 4 attachments (a PDF and a DOCX for two)

    # damage one of each kind of thing verify reads
    page = next(c for c in with_warc if c.document_id)
    pdf = next(c for c in with_warc if c.attachment_id)
    other = next(c for c in reversed(with_warc) if c.id not in (page.id, pdf.id))
    with sessions() as s, s.begin():
        s.execute(update(Capture).where(Capture.id == page.id).values(raw_zstd=zstandard.compress(b"<html>forged")))
        s.execute(update(Version).where(Version.id == versions[0].id).values(text=versions[0].text + "伪造"))
    with (warc_dir / pdf.warc_file).open("r+b") as fh:  # a byte of its gzip member flipped
        fh.seek(pdf.warc_offset + pdf.warc_length // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    done = _verify(config)
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    assert f"capture {page.id}: stored bytes are 12 long, recorded {page.raw_size}" in lines
    assert f"capture {page.id}: stored bytes do not match their SHA-256" in lines
    assert f"version {versions[0].id}: text does not match its SHA-256" in lines
    assert any(line.startswith(f"capture {pdf.id}: WARC record at {pdf.warc_file}:{pdf.warc_offset}") for line in lines)
    assert lines[-1].endswith(f"{len(lines) - 1} problems") and len(lines) == 5, done.stdout
    assert {int(m) for m in re.findall(r"capture (\d+):", done.stdout)} == {page.id, pdf.id}

    # a WARC file cut short, then gone
    victim = warc_dir / other.warc_file
    with victim.open("r+b") as fh:
        fh.truncate(other.warc_offset + 10)
    assert f"capture {other.id}: WARC file {other.warc_file} ends before its record" in _verify(config).stdout
    victim.unlink()
    assert f"capture {other.id}: WARC file {victim} is missing" in _verify(config).stdout


def test_verify_skips_texts_on_request(crawled):
    config, sessions, _ = crawled
    with sessions() as s, s.begin():
        s.execute(update(Version).values(text="伪造"))
    assert _verify(config).returncode == 1
    done = _verify(config, "--no-text", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["versions"] == 0


def test_sqlite_backup_taken_while_a_crawl_writes_is_consistent_and_verifies(tmp_path):
    site = BulkSite(80, attachments=4).start()
    try:
        config = _archive(tmp_path, f"sqlite:///{tmp_path / 'a.db'}", site)
        crawl = subprocess.Popen(
            [sys.executable, "-m", "cli", "--config", str(config), "crawl", "bulk", "--now", T.isoformat()],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        backups: list[tuple[Path, int]] = []
        while crawl.poll() is None:
            dest = tmp_path / f"backup{len(backups)}"
            done = subprocess.run(
                [sys.executable, "-m", "cli", "--config", str(config), "backup", str(dest)],
                capture_output=True, text=True, check=False, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            manifest = json.loads((dest / "MANIFEST.json").read_text(encoding="utf-8"))
            backups.append((dest, manifest["warc_files"]))
            time.sleep(0.3)
        assert crawl.wait() == 0, crawl.stderr.read() if crawl.stderr else ""
    finally:
        site.stop()
    assert len(backups) >= 2, "the crawl ended before a second backup: make the site bigger"
    counts = []
    for dest, _ in backups:
        env = {"POLICYWATCH_DATABASE_URL": f"sqlite:///{dest / 'archive.db'}", "POLICYWATCH_DATA_DIR": str(dest)}
        done = _verify(config, "--json", env=env)
        assert done.returncode == 0, done.stdout + done.stderr  # every reference resolves, every hash matches
        counts.append(json.loads(done.stdout)["captures"])
    assert counts == sorted(counts) and counts[-1] > counts[0]  # taken at different points of the crawl
    final = tmp_path / "final"
    first = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "backup", str(final)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    again = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "backup", str(final)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert re.search(r"(\d+) WARC files \(\1 copied", first.stdout), first.stdout
    assert re.search(r"\d+ WARC files \(0 copied", again.stdout), again.stdout
    require_schema(make_engine(f"sqlite:///{final / 'archive.db'}"))


@pytest.mark.pg
def test_postgresql_backup_is_a_pg_dump_that_restores_and_verifies(tmp_path, pg_url):
    if shutil.which("pg_restore") is None and os.environ.get("CI"):
        pytest.fail("pg_restore is not installed (postgresql-client)")
    site = BulkSite(6, attachments=2).start()
    try:
        config = _archive(tmp_path, pg_url, site)
        _cli(config, "crawl", "bulk", "--now", T.isoformat())
    finally:
        site.stop()
    out = _cli(config, "backup", str(tmp_path / "bk"))
    assert "archive.pgdump" in out
    with session_factory(make_engine(pg_url))() as s:
        captures = s.scalar(select(text("count(*)")).select_from(Capture))
    database = f"pw_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {database}"))
    try:
        restored = PG_URL.rsplit("/", 1)[0] + f"/{database}"
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restored}", str(tmp_path / "bk" / "archive.pgdump")], check=True
        )
        schema = re.search(r"search_path%3D(\w+)", pg_url).group(1)
        env = {
            "POLICYWATCH_DATABASE_URL": f"{restored}?options=-csearch_path%3D{schema}",
            "POLICYWATCH_DATA_DIR": str(tmp_path / "bk"),
        }
        done = _verify(config, "--json", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["captures"] == captures
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {database} WITH (FORCE)"))
        admin.dispose()

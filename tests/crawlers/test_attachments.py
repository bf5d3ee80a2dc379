"""Attachments fetched, stored and versioned like pages, for real: `policywatch crawl`
subprocesses against the bulk TRS column whose two newest documents link a PDF and a DOCX."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from crawlers.attachments import wanted
from processing.attachments import attachment_outcome
from processing.verdict import Outcome
from sim.bulk import PDF, BulkSite
from sim.files import make_pdf
from store.attachments import AttachmentLink
from store.models import Alert, Attachment, AttachmentVersion, Capture, CrawlRun, Event
from store.subscribers import subscribe
from tests.crawlers.one_source import one_source_archive
from tests.test_e2e_scenario import _cli

T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(tmp_path):
    bulk = BulkSite(6, attachments=2).start()
    yield bulk
    bulk.stop()


def _stamp(path: str) -> str:
    """The date and document id in a bulk file name (``P0<YYYYMMDD><id>.pdf``)."""
    return path.rsplit("/", 1)[1][2:].split(".")[0]


def _crawl(site: BulkSite, config: Path, now: datetime) -> list[tuple[str, int]]:
    site.reset_counters()
    _cli(config, "crawl", "bulk", "--now", now.isoformat())
    return [(path, status) for path, status in site.log if path.endswith((".pdf", ".docx"))]


def test_attachments_are_archived_versioned_and_their_changes_reported(site, tmp_path):
    config, sessions = one_source_archive(tmp_path, "bulk", "trs", [site.listing_url], workers=1)
    first = _crawl(site, config, T)
    files = sorted(site.files)
    assert len(files) == 4 and sorted(p for p, _ in first) == files and {s for _, s in first} == {200}
    with sessions() as s:
        rows = {a.url: a for a in s.scalars(select(Attachment))}
        assert sorted(rows) == [site.origin + p for p in files]
        for path, (body, _) in site.files.items():
            att = rows[site.origin + path]
            (ver,) = s.scalars(select(AttachmentVersion).where(AttachmentVersion.attachment_id == att.id))
            cap = s.get(Capture, ver.capture_id)
            assert cap is not None and cap.attachment_id == att.id and cap.document_id is None
            assert cap.raw_sha256 == ver.raw_sha256 == hashlib.sha256(body).hexdigest()
            assert zstandard.ZstdDecompressor().decompress(cap.raw_zstd) == body
            # the text read from the file: the document's number and its paragraphs
            assert "鲁政办字〔2025〕" in ver.text and len(ver.text) > 300, ver.text[:200]
            assert cap.warc_file and cap.warc_offset is not None
            with open(Path(tmp_path / "data" / "warc") / cap.warc_file, "rb") as fh:
                fh.seek(cap.warc_offset)
                record = next(iter(ArchiveIterator(fh)))
                assert record.rec_headers.get_header("WARC-Target-URI") == att.url
                assert hashlib.sha256(record.content_stream().read()).hexdigest() == cap.raw_sha256
        assert not list(s.scalars(select(Event).where(Event.kind.like("attachment%"))))

    # a day later (new documents are re-checked daily): the files answer 304, nothing new
    again = _crawl(site, config, T + timedelta(days=1))
    assert sorted(again) == [(p, 304) for p in files]
    with sessions() as s:
        assert len(list(s.scalars(select(AttachmentVersion)))) == 4
        subscribe(s, "r@example.org", ["营商环境"], T)
        s.commit()

    # the PDF is replaced silently by one with an added sentence; the DOCX of the other is deleted
    pdf = next(p for p in files if p.endswith(".pdf"))
    docx = next(p for p in files if p.endswith(".docx") and _stamp(p) != _stamp(pdf))  # the other document's
    site.files[pdf] = (make_pdf("标题", ("第一条 持续优化营商环境，加强社会信用体系建设。",) * 3, T), PDF)
    del site.files[docx]
    third = _crawl(site, config, T + timedelta(days=2))
    assert (pdf, 200) in third and (docx, 404) in third
    with sessions() as s:
        (changed,) = s.scalars(select(Event).where(Event.kind.like("attachment%")))  # the 404 is not yet a removal
        assert changed.kind == "attachment_changed" and changed.details["attachment_url"] == site.origin + pdf
        stamp = _stamp(pdf)  # reported on the document linking the file
        assert changed.url.endswith(f"/t{stamp[:8]}_{stamp[8:]}.html"), changed.url
        assert changed.details["from_seq"] == 1 and changed.details["to_seq"] == 2
        assert changed.details["class"] == "substantive" and changed.details["inserted_chars"] > 0
        assert "营商环境" in changed.details["diff_text"]
        alerts = list(s.scalars(select(Alert)))
        assert [a.event_id for a in alerts] == [changed.id] and alerts[0].keywords == ["营商环境"]
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None and run.stats["event_attachment_changed"] == 1

    # the deleted file is confirmed gone like a document (3 failed checks over 48 h), reported once
    for day in (3, 4, 5):
        _crawl(site, config, T + timedelta(days=day))
    with sessions() as s:
        (removed,) = s.scalars(select(Event).where(Event.kind == "attachment_removed"))
        assert removed.details["attachment_url"] == site.origin + docx
        assert removed.at.day == (T + timedelta(days=4)).day and removed.details["failures"] == 3
    hist = json.loads(_cli(config, "history", changed.url, "--json"))
    by_url = {a["url"]: a for a in hist["attachments"]}
    assert [v["seq"] for v in by_url[site.origin + pdf]["versions"]] == [1, 2]
    assert [e["kind"] for e in hist["events"]] == ["new", "attachment_changed"]  # the removal was the other's
    text = _cli(config, "history", changed.url)
    assert f"{site.origin + pdf}  state=active" in text and "v2 " in text and " pages, " in text


def test_an_attachment_over_the_size_cap_is_recorded_not_archived(site, tmp_path):
    config, sessions = one_source_archive(
        tmp_path, "bulk", "trs", [site.listing_url], extra="attachment_max_mb = 1\nfetch_attachments = true\n"
    )
    _crawl(site, config, T)
    big = next(p for p in sorted(site.files) if p.endswith(".pdf"))
    site.files[big] = (b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024), PDF)
    _crawl(site, config, T + timedelta(days=1))
    with sessions() as s:
        att = s.scalars(select(Attachment).where(Attachment.url == site.origin + big)).one()
        caps = list(s.scalars(select(Capture).where(Capture.attachment_id == att.id).order_by(Capture.id)))
        assert [c.status for c in caps] == [200, 0]
        assert caps[1].raw_zstd is None and caps[1].error
        assert att.state == "active"  # too big is not gone
        assert len(list(s.scalars(select(AttachmentVersion).where(AttachmentVersion.attachment_id == att.id)))) == 1


def test_unreadable_binary_and_walled_files_are_archived_without_false_alarms(site, tmp_path):
    config, sessions = one_source_archive(tmp_path, "bulk", "trs", [site.listing_url])
    _crawl(site, config, T)
    pdf, docx = (next(p for p in sorted(site.files) if p.endswith(ext)) for ext in (".pdf", ".docx"))
    with sessions() as s:
        subscribe(s, "r@example.org", ["政策"], T)
        s.commit()
    site.files[pdf] = (b"%PDF-1.4\n" + b"\x00garbage" * 100, PDF)  # a broken file: no text can be read
    _crawl(site, config, T + timedelta(days=1))
    with sessions() as s:
        pdf_row = s.scalars(select(Attachment).where(Attachment.url == site.origin + pdf)).one()
        caps = list(s.scalars(select(Capture).where(Capture.attachment_id == pdf_row.id).order_by(Capture.id)))
        assert [c.status for c in caps] == [200, 200] and caps[1].raw_sha256 == hashlib.sha256(
            site.files[pdf][0]
        ).hexdigest()
        assert caps[1].error and caps[1].error.startswith("cannot read pdf: ")  # the reason is kept
        versions = s.scalars(select(AttachmentVersion).where(AttachmentVersion.attachment_id == pdf_row.id))
        assert len(list(versions)) == 1  # the failed read is archived, not a new (empty) version
    site.files[docx] = (b"<html><script>var $_ts=window.$_ts||{};</script></html>", "text/html")  # a WAF wall
    site.reset_counters()
    _cli(config, "crawl", "bulk", "--now", (T + timedelta(days=2)).isoformat())
    after_wall = site.log[[path for path, _ in site.log].index(docx) + 1 :]
    assert after_wall == []  # nothing more is asked of a host once it showed a wall, not even queued requests
    with sessions() as s:
        docx_row = s.scalars(select(Attachment).where(Attachment.url == site.origin + docx)).one()
        wall = s.scalars(
            select(Capture).where(Capture.attachment_id == docx_row.id).order_by(Capture.id.desc())
        ).first()
        assert wall is not None and wall.outcome == "blocked" and docx_row.state == "active"
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.at > T))]
        assert kinds == ["blocked"], kinds  # no attachment_changed / attachment_removed, no alert
        assert not list(s.scalars(select(Alert)))


def test_attachments_can_be_switched_off(site, tmp_path):
    config, _ = one_source_archive(tmp_path, "bulk", "trs", [site.listing_url], extra="fetch_attachments = false\n")
    assert _crawl(site, config, T) == []


def test_html_in_place_of_a_file_is_a_soft_404_and_only_official_links_are_fetched():
    html = "text/html; charset=utf-8"
    assert attachment_outcome(200, "http://a.gov.cn/f.pdf", "http://a.gov.cn/f.pdf", html, "pdf") is Outcome.SOFT_404
    assert attachment_outcome(200, "http://a.gov.cn/f.pdf", "http://a.gov.cn/f.pdf", PDF, "pdf") is Outcome.OK
    assert attachment_outcome(404, "http://a.gov.cn/f.pdf", "http://a.gov.cn/f.pdf", html, "pdf") is Outcome.HTTP_404
    doc = "http://www.sd.gov.cn/art/1.html"
    assert wanted(AttachmentLink("http://www.sd.gov.cn/f/1.pdf", doc, "", "pdf"))
    assert wanted(AttachmentLink("http://files.sd.gov.cn/1.DOCX".lower(), doc, "", "docx"))
    assert not wanted(AttachmentLink("http://pan.example.com/1.pdf", doc, "", "pdf"))  # off the official site
    assert not wanted(AttachmentLink("http://www.sd.gov.cn/f/1.exe", doc, "", "exe"))
    assert not wanted(AttachmentLink("file:///etc/passwd.txt", doc, "", "txt"))  # never a local file
    assert not wanted(AttachmentLink("data:text/plain,x.txt", doc, "", "txt"))
    wall = b"<html><script>var $_ts=window.$_ts||{};</script></html>"
    assert (
        attachment_outcome(200, "http://a.gov.cn/f.pdf", "http://a.gov.cn/f.pdf", html, "pdf", wall) is Outcome.BLOCKED
    )
    assert attachment_outcome(412, "http://a.gov.cn/f.pdf", "http://a.gov.cn/f.pdf", html, "pdf") is Outcome.BLOCKED

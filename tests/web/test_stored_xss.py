"""Stored XSS through every archived field a page shows: all metadata fields, both sides of a diff,
search snippets, event details, attachment names, URLs and texts — always escaped, never markup."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from common.settings import Settings
from processing.types import Metadata
from store.attachments import AttachmentLink, FileText, add_attachment_version, attachment_row
from store.db import transaction
from store.repo import add_capture, add_event, add_version, create_document, ensure_source
from tests.store.test_archive import T0, content, record
from tests.web.conftest import live
from web.app import create_app

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)>'
URL = "http://127.0.0.1:9/xss.htm"
# a tag opened by archived text would start with one of these; escaped text shows &lt; instead
MARKUP = re.compile(r"<script>alert|<img src=x|<svg onload|onerror=alert\(2\)>")


def _hostile_content(text: str, n: int):
    c = content(text, title=f"关于社会信用{XSS}的通知{n}")
    fields = {f: f"{f}{XSS}{n}" for f in ("agency", "doc_number", "index_number", "topic")}
    fields["validity"] = f"validity<script>alert({n})</script>"  # the column holds 40 characters
    meta = replace(c.extracted.metadata, **fields, written_date="2026-03-01", publish_date="2026-03-02")
    assert isinstance(meta, Metadata)
    return replace(c, extracted=replace(c.extracted, metadata=meta), meta_sha256=f"m{n}", text_sha256=f"t{n}")


@pytest.fixture
def client(sessions):
    with transaction(sessions) as s:
        src = ensure_source(s, "sim-govcn", "govcn", {"start_urls": []}, T0)
        texts = [f"社会信用体系建设{XSS}旧文本。", f"社会信用体系建设{XSS}新文本{XSS}。"]
        doc, versions = None, []
        for n, text in enumerate(texts):
            c = _hostile_content(text, n)
            doc = doc or create_document(s, src.id, URL, T0, c)
            cap = add_capture(s, src.id, None, record(URL, text.encode()), document_id=doc.id)
            versions.append(add_version(s, doc, cap, c, T0 + timedelta(days=n)))
            add_event(s, "new" if n == 0 else "revised", URL, T0 + timedelta(days=n), source_id=src.id,
                      document_id=doc.id, version_id=versions[-1].id, details={"note": XSS})  # fmt: skip
        assert doc is not None
        link = AttachmentLink(f"http://127.0.0.1:9/{XSS}.pdf", URL, f"附件{XSS}.pdf", "pdf")
        att = attachment_row(s, link, doc.id, T0)
        acap = add_capture(s, src.id, None, record(link.url, b"%PDF"), attachment_id=att.id)
        aver = add_attachment_version(s, att, acap, FileText(f"附件正文{XSS}", pages=1, text_sha256="a"), T0)
        ids = {"doc": doc.id, "v1": versions[0].id, "v2": versions[1].id, "att": aver.id}
    with live(create_app(Settings(secret_key="k"), sessions)) as c:
        c.ids = ids  # type: ignore[attr-defined]
        yield c


def test_no_archived_field_becomes_markup_on_any_page(client):
    ids = client.ids
    pages = {
        "search": client.get("/", params={"q": "社会信用体系"}),
        "search in metadata": client.get("/", params={"q": "社会信用", "agency": "agency"}),
        "document": client.get(f"/documents/{ids['doc']}"),
        "version": client.get(f"/documents/{ids['doc']}/versions/{ids['v2']}"),
        "diff": client.get(f"/documents/{ids['doc']}/diff", params={"from": ids["v1"], "to": ids["v2"]}),
        "attachment version": client.get(f"/attachments/versions/{ids['att']}"),
        "trends": client.get("/trends", params={"q": "社会信用体系"}),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert not MARKUP.search(page.text), f"{name}: {MARKUP.search(page.text)}"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text or name == "trends", name
    for field in ("agency", "doc_number", "index_number", "topic"):
        assert f"{field}&#34;&gt;&lt;script&gt;" in pages["version"].text, field  # shown, escaped
    assert "validity&lt;script&gt;alert(1)" in pages["version"].text
    assert "附件&#34;&gt;&lt;script&gt;" in pages["document"].text  # the attachment's name
    assert 'href="javascript:' not in "".join(p.text for p in pages.values())

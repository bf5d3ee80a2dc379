"""Search, documents, versions, diffs and raw downloads through the JSON API and the pages, on
SQLite and PostgreSQL, with hostile archived text."""

import re
from datetime import timedelta

import pytest

from common.settings import Settings
from store.db import transaction
from store.repo import add_capture, add_event, add_version, create_document, ensure_source
from tests.store.test_archive import T0, content, record
from tests.web.conftest import live
from web.app import create_app

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
V1 = "第一条　建立守信联合激励机制。\n第二条　加快推进社会信用体系建设。"
V2 = "第一条　建立信用修复机制。\n第二条　加快推进社会信用体系建设。"
OTHER = "做好全国文明城市创建工作，推进网格化管理。"


def _doc(s, src, url, versions, title="关于推进社会信用体系建设的意见"):
    doc = None
    for i, text in enumerate(versions):
        c = content(text, title=title)
        if doc is None:
            doc = create_document(s, src.id, url, T0, c)
        cap = add_capture(s, src.id, None, record(url, f"<html>{text}</html>".encode()), document_id=doc.id)
        ver = add_version(s, doc, cap, c, T0 + timedelta(days=i))
        add_event(s, "new" if i == 0 else "revised", url, T0 + timedelta(days=i), source_id=src.id,
                  document_id=doc.id, version_id=ver.id)  # fmt: skip
    return doc


def build_archive(sessions) -> dict[str, int]:
    """A small archive: a revised document, another, one with hostile markup; their ids."""
    with transaction(sessions) as s:
        src = ensure_source(s, "sim-govcn", "govcn", {"start_urls": []}, T0)
        revised = _doc(s, src, "http://127.0.0.1:9/a.htm", [V1, V2])
        other = _doc(s, src, "http://127.0.0.1:9/b.htm", [OTHER], title="关于文明城市的通知")
        hostile = _doc(s, src, "http://127.0.0.1:9/c.htm", [f"社会信用{XSS}体系"], title=f"标题{XSS}")
        return {"revised": revised.id, "other": other.id, "hostile": hostile.id}


@pytest.fixture
def client(sessions, tmp_path):
    ids = build_archive(sessions)
    app = create_app(Settings(secret_key="k", base_url="https://pw.example", data_dir=str(tmp_path)), sessions)
    with live(app) as c:
        c.ids = ids  # type: ignore[attr-defined]
        c.data_dir = tmp_path  # type: ignore[attr-defined]
        yield c


def test_search_finds_text_in_any_version_current_only_or_removed(client):
    def docs(**params):
        r = client.get("/api/v1/search", params=params)
        assert r.status_code == 200, r.text
        return {h["doc_id"]: h for h in r.json()["hits"]}

    revised = client.ids["revised"]
    assert set(docs(q="守信联合激励")) == {revised}  # only in version 1
    assert docs(q="守信联合激励")[revised]["matching_versions"] == [1]
    assert docs(q="守信联合激励", mode="current") == {}
    assert set(docs(q="守信联合激励", mode="removed")) == {revised}
    assert docs(q="信用修复", mode="removed") == {}  # added, not removed
    assert docs(q="社会信用体系", mode="removed") == {}  # in v1, and still in the current v2
    assert set(docs(q="社会信用体系")) == {revised}  # the hostile text has markup in the middle of it
    assert set(docs(q="社会信用")) == {revised, client.ids["hostile"]}
    assert set(docs(q="文明城市 OR 守信联合激励")) == {revised, client.ids["other"]}
    assert set(docs(q="推进 -网格化管理")) == {revised}
    assert set(docs(q='"全国文明城市创建"')) == {client.ids["other"]}
    hit = docs(q="守信联合激励")[revised]
    assert hit["snippets"][0]["hit"] == "守信联合激励" and "建立" in hit["snippets"][0]["before"]
    assert docs(q="守信联合激励", agency="海关") == {} and set(docs(q="守信联合激励", agency="国务院")) == {revised}
    assert docs(q="守信联合激励", published_from="2026-04-01") == {}
    facets = client.get("/api/v1/search", params={"q": "推进"}).json()["facets"]
    assert facets["agency"] == {"国务院办公厅": 2} and facets["year"] == {"2026": 2}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x", "mode": "all"}, "mode must be one of"),
        ({"q": "x", "published_from": "2026/01/01"}, "not a date"),
        ({"q": "x", "captured_from": "last week"}, "captured_from"),
    ],
)
def test_bad_search_parameters_are_422_with_the_reason(client, params, message):
    r = client.get("/api/v1/search", params=params)
    assert r.status_code == 422 and message in r.json()["detail"]
    page = client.get("/", params=params)
    assert page.status_code == 422 and message in page.text


def test_document_version_and_diff_in_json(client):
    doc = client.get(f"/api/v1/documents/{client.ids['revised']}").json()
    v1, v2 = (v["version_id"] for v in doc["versions"])
    assert [e["kind"] for e in doc["events"]] == ["new", "revised"]
    version = client.get(f"/api/v1/versions/{v1}").json()
    assert version["text"] == V1 and version["metadata"]["doc_number"] == "国办发〔2026〕5号"
    assert "SHA-256 abab" in version["citation"] and "(北京时间 2026-03-02 10:00)" in version["citation"]
    d = client.get("/api/v1/diff", params={"from": v1, "to": v2}).json()
    # word level: jieba keeps 激励机制 whole, so the changed words are 守信/联合/激励机制 → 信用/修复/机制
    assert "".join(t for op, t in d["ops"] if op == -1) == "守信联合激励机制"
    assert "".join(t for op, t in d["ops"] if op == 1) == "信用修复机制"
    assert "".join(t for op, t in d["ops"] if op >= 0) == V2
    assert client.get("/api/v1/documents/999999").status_code == 404
    other_v = client.get(f"/api/v1/documents/{client.ids['other']}").json()["versions"][0]["version_id"]
    assert client.get("/api/v1/diff", params={"from": v1, "to": other_v}).status_code == 422
    assert client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/search"]


def test_pages_escape_archived_text_and_never_render_captures(client):
    hostile = client.ids["hostile"]
    doc = client.get(f"/api/v1/documents/{hostile}").json()
    vid, cid = doc["versions"][0]["version_id"], doc["captures"][0]["capture_id"]
    for path in (f"/documents/{hostile}", f"/documents/{hostile}/versions/{vid}", "/?q=社会信用"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
        assert "&lt;script&gt;" in page.text, path
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    raw = client.get(f"/captures/{cid}/raw")
    assert raw.headers["content-type"] == "application/octet-stream"
    assert raw.headers["content-disposition"].startswith("attachment;") and b"<script>" in raw.content


def test_version_page_is_a_permalink_with_a_citation_and_the_diff_page_marks_changes(client):
    revised = client.ids["revised"]
    doc = client.get(f"/api/v1/documents/{revised}").json()
    v1, v2 = (v["version_id"] for v in doc["versions"])
    page = client.get(f"/documents/{revised}/versions/{v1}").text
    assert f"https://pw.example/documents/{revised}/versions/{v1}" in page
    assert 'id="citation"' in page and doc["versions"][0]["citation"] in page and "守信联合激励" in page
    diff = client.get(f"/documents/{revised}/diff", params={"from": v1, "to": v2}).text
    assert "<del>守信联合激励机制</del>" in diff and "<ins>信用修复机制</ins>" in diff
    assert client.get(f"/documents/{revised}/versions/999999").status_code == 404
    assert client.get(f"/documents/{revised}/diff", params={"from": "x"}).status_code == 422


def test_an_unexpected_failure_is_a_page_without_a_traceback(sessions, monkeypatch):
    import web.pages

    def broken(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web.pages, "history", broken)
    app = create_app(Settings(secret_key="k"), sessions)
    with live(app) as c:
        page = c.get("/documents/1")
    assert page.status_code == 500 and "logged" in page.text
    assert "secret internals" not in page.text and "Traceback" not in page.text


def test_api_export_streams_csv_and_jsonl_for_a_query(client):
    import csv
    import io
    import json

    r = client.get("/api/v1/export", params={"q": "守信联合激励", "format": "jsonl"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert [(x["doc_id"], x["seq"]) for x in rows] == [(client.ids["revised"], 1), (client.ids["revised"], 2)]
    assert rows[0]["text"] == V1 and rows[0]["captured_at_beijing"].endswith("+08:00")
    table = client.get("/api/v1/export", params={"format": "csv", "latest_only": "true"})
    assert table.headers["content-disposition"].startswith("attachment;")
    latest = list(csv.DictReader(io.StringIO(table.text)))
    assert len(latest) == 3 and {x["seq"] for x in latest} == {"1", "2"} and "text" not in latest[0]
    assert client.get("/api/v1/export", params={"format": "xml"}).status_code == 422
    assert client.get("/api/v1/events", params={"since": "yesterday"}).status_code == 422
    assert len(client.get("/api/v1/events").json()) == 4


def test_api_export_streams_the_warc_records_behind_a_query(client, sessions):
    from sqlalchemy import select

    from store.models import Capture

    warc = client.data_dir / "warc"
    warc.mkdir()
    records: dict[int, bytes] = {}
    offset = 0
    with sessions() as s, (warc / "run-1.warc.gz").open("wb") as fh:
        for cap in s.scalars(select(Capture).order_by(Capture.id)):
            records[cap.document_id] = records.get(cap.document_id, b"") + (rec := f"<record {cap.id}>".encode())
            fh.write(rec)
            cap.warc_file, cap.warc_offset, cap.warc_length = "../../run-1.warc.gz", offset, len(rec)
            offset += len(rec)
        s.commit()
    r = client.get("/api/v1/export", params={"q": "守信联合激励", "format": "warc"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/warc"
    assert r.content == records[client.ids["revised"]] and r.content.count(b"<record") == 2
    everything = client.get("/api/v1/export", params={"format": "warc"}).content
    assert everything == b"".join(records[d] for d in sorted(records))


def test_search_page_facets_link_to_the_narrowed_search_and_exports(client):
    import html
    import re

    page = client.get("/", params={"q": "推进", "mode": "any"})
    links = [html.unescape(h) for h in re.findall(r'<a href="(/\?[^"]+)">', page.text)]
    agency = next(h for h in links if "agency=" in h)
    assert "q=%E6%8E%A8%E8%BF%9B" in agency and "mode=any" in agency
    assert "国务院办公厅" in client.get(agency).text
    year = next(h for h in links if "published_from=" in h)
    assert "published_from=2026-01-01&published_to=2026-12-31" in year
    assert client.get(year).status_code == 200
    exports = re.findall(r'href="(/api/v1/export\?[^"]+)"', page.text)
    assert [html.unescape(e).rsplit("format=", 1)[1] for e in exports] == ["csv", "jsonl", "warc"]
    assert client.get(html.unescape(exports[0])).text.count("\n") == 4  # header + the 3 versions of the 2 documents


def test_ids_beyond_the_database_range_and_nul_bytes_are_client_errors(client):
    """Found by schemathesis: these were 500s (integer overflow on both backends, NUL on PostgreSQL)."""
    assert client.get("/api/v1/versions/9223372036854775808").status_code == 422
    assert client.get("/api/v1/documents/2147483648").status_code == 422
    assert client.get("/api/v1/diff", params={"from": 2**31, "to": 1}).status_code == 422
    page = client.get("/documents/2147483648")
    assert page.status_code == 404 and "doc_id" in page.text and "<html" in page.text
    assert client.get("/documents/1/diff", params={"from": 2**40, "to": 1}).status_code == 422
    r = client.get("/api/v1/search", params={"q": "社会\x00信用"})
    assert r.status_code == 400 and "NUL" in r.json()["detail"]
    assert client.get("/api/v1/events", params={"kind": "new\x00"}).status_code == 400


def test_exports_query_ids_in_chunks_and_read_no_more_than_asked(client, monkeypatch):
    """Large result sets go to the database in chunks of ids (SQLite and psycopg cap bound parameters)."""
    import store.exports

    monkeypatch.setattr(store.exports, "IDS_PER_QUERY", 1)
    rows = client.get("/api/v1/export", params={"q": "推进", "format": "csv"}).text.strip().splitlines()
    assert len(rows) == 4 and sorted(r.split(",")[0] for r in rows[1:]) == sorted(
        [str(client.ids["revised"])] * 2 + [str(client.ids["other"])]
    )


def test_document_page_lists_each_attachment_version_with_its_download(client, sessions):
    from store.attachments import AttachmentLink, FileText, add_attachment_version, attachment_row

    doc_id = client.ids["revised"]
    url = "http://127.0.0.1:9/files/方案<b>.pdf"
    with transaction(sessions) as s:
        att = attachment_row(s, AttachmentLink(url, "http://127.0.0.1:9/a.htm", "实施方案<b>.pdf", "pdf"), doc_id, T0)
        caps = [add_capture(s, 1, None, record(url, body), document_id=doc_id) for body in (b"%PDF-1", b"%PDF-2")]
        add_attachment_version(s, att, caps[0], FileText("第一稿", pages=1), T0)
        add_attachment_version(s, att, caps[1], FileText("", pages=2, no_text_layer=True), T0 + timedelta(days=1))
    page = client.get(f"/documents/{doc_id}").text
    section = page[page.index("附件") :]
    assert "实施方案&lt;b&gt;.pdf" in section and "<b>" not in section
    assert section.count('<tr><td><a href="/attachments/versions/') == 2 and "无文字层" in section
    assert all(f'href="/captures/{c.id}/raw"' in section for c in caps)
    first, second = re.findall(r'href="(/attachments/versions/\d+)"', section)
    assert "第一稿" in client.get(first).text and "<del>" not in client.get(first).text  # v1: nothing to compare
    page = client.get(second).text
    page = page[page.index("<main>") :]
    assert "<del>第一稿</del>" in page and "实施方案&lt;b&gt;.pdf" in page and "<b>" not in page
    assert client.get("/attachments/versions/999999").status_code == 404


def test_events_page_with_a_cursor(client, monkeypatch):
    import web.api

    everything = client.get("/api/v1/events").json()
    assert len(everything) == 4
    monkeypatch.setattr(web.api, "EVENTS_PAGE", 3)  # the server runs in this process
    first = client.get("/api/v1/events").json()
    rest = client.get("/api/v1/events", params={"after": first[-1]["id"]}).json()
    assert [e["id"] for e in first + rest] == [e["id"] for e in everything] and len(first) == 3
    assert client.get("/api/v1/events", params={"after": rest[-1]["id"]}).json() == []
    assert client.get("/api/v1/events", params={"after": 999999}).json() == []
    assert client.get("/api/v1/events", params={"after": 0}).status_code == 422

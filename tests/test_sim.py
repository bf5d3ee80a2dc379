"""Tests of the simulated government web (``sim/``), over real HTTP on free ports."""

from __future__ import annotations

import collections
import hashlib
import html
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import docx
import pypdf
import pytest

from sim.content import KEYWORDS, corpus_dir, gbk_safe, parse_corpus_markdown
from sim.model import LAST_DAY, SITES, ExpectedEvent, TruthEvent, default_origins
from sim.scenario import build_scenario, expected_events, pending_verdicts
from sim.server import SimWeb

REPO = Path(__file__).resolve().parents[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, Message, bytes]:
    """One request, redirects not followed: (status, headers, raw body)."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def web():
    sim = SimWeb(base_port=0, seed=42)
    sim.start()
    yield sim
    sim.stop()


def url(web: SimWeb, key: str, day: int | None = None) -> str:
    """Absolute URL of document ``key`` on ``day`` (its current path)."""
    doc = web.scenario.document(key)
    path = doc.state(web.day if day is None else day).path
    return web.site_url(doc.site) + path


def text(body: bytes) -> str:
    return body.decode("utf-8")


# -- robots, home, control -----------------------------------------------------------------

DISALLOWED = {"govcn": "/zhengce/internal/", "trs": "/xxgk/nbgl/", "wenming": "/admin/", "credit": "/api/"}
LISTINGS = {
    "govcn": "/zhengce/zuixin/home_0.htm",
    "trs": "/xxgk/zcwj/index.html",
    "wenming": "/wmcj/index.shtml",
    "credit": "/xyzx/index.html",
}


def test_robots_txt_and_listing_links_to_disallowed_path(web):
    web.set_day(0)
    for site in SITES:
        status, headers, body = fetch(web.site_url(site) + "/robots.txt")
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain")
        lines = body.decode("ascii").splitlines()
        assert "User-agent: *" in lines
        assert f"Disallow: {DISALLOWED[site]}" in lines
        assert "Disallow: /_sim/" in lines
        _, _, listing = fetch(web.site_url(site) + LISTINGS[site])
        decoded = listing.decode("gb18030" if site == "wenming" else "utf-8")
        assert f'href="{DISALLOWED[site]}' in decoded


def test_home_pages_404_and_head(web):
    web.set_day(0)
    for site in SITES:
        status, _, body = fetch(web.site_url(site) + "/")
        assert status == 200 and body
        assert fetch(web.site_url(site) + "/no/such/page.html")[0] == 404
    status, headers, body = fetch(url(web, "g01"), method="HEAD")
    assert status == 200 and body == b"" and headers["ETag"]


def test_control_endpoints_and_request_log(web):
    origin = web.site_url("trs")
    status, _, body = fetch(origin + "/_sim/day/3", method="POST")
    assert status == 200 and json.loads(body) == {"day": 3}
    assert web.day == 3
    truth = json.loads(fetch(web.site_url("govcn") + "/_sim/truth")[2])
    assert len(truth) == len(web.truth())
    assert {"day", "kind", "site", "url", "new_url", "detail"} <= set(truth[0])
    assert all(e["url"].startswith("http://127.0.0.1:") for e in truth)
    web.set_day(0)
    fetch(origin + "/xxgk/zcwj/index.html")
    assert ("trs", "GET", "/xxgk/zcwj/index.html", 200) in web.requests_log
    assert ("trs", "POST", "/_sim/day/3", 200) in web.requests_log


# -- listings --------------------------------------------------------------------------------

LI_GOVCN = re.compile(
    r'<li><a href="(/zhengce/content/\d{6}/content_\d{7}\.htm)"[^>]*>([^<]+)</a>'
    r'<span class="date">(\d{4}-\d{2}-\d{2})</span></li>'
)
LI_TRS = re.compile(
    r'<li><a href="(\./\d{6}/t\d{8}_\d+\.html)" title="([^"]+)"[^>]*>[^<]+</a>'
    r"<span>(\d{4}-\d{2}-\d{2})</span></li>"
)


def test_govcn_listing_pagination(web):
    web.set_day(0)
    origin = web.site_url("govcn")
    page0 = text(fetch(origin + "/zhengce/zuixin/home_0.htm")[2])
    page1 = text(fetch(origin + "/zhengce/zuixin/home_1.htm")[2])
    assert '<ul class="list">' in page0
    items0, items1 = LI_GOVCN.findall(page0), LI_GOVCN.findall(page1)
    assert (len(items0), len(items1)) == (10, 2)
    dates = [d for _, _, d in items0 + items1]
    assert dates == sorted(dates, reverse=True)
    assert fetch(origin + "/zhengce/zuixin/home_2.htm")[0] == 404
    assert 'href="home_1.htm"' in page0
    web.set_day(1)
    both = LI_GOVCN.findall(text(fetch(origin + "/zhengce/zuixin/home_0.htm")[2]))
    both += LI_GOVCN.findall(text(fetch(origin + "/zhengce/zuixin/home_1.htm")[2]))
    assert len(both) == 14


def test_govcn_json_api_shape_and_paging(web):
    web.set_day(0)
    origin = web.site_url("govcn")
    status, headers, body = fetch(origin + "/search-gov/data?t=zhengcelibrary&q=&p=1&n=20&sort=pubtime")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["code"] == 200 and isinstance(data["msg"], str)
    assert data["searchVO"]["totalCount"] == 0
    gongwen = data["searchVO"]["catMap"]["gongwen"]
    assert gongwen["totalCount"] == 12 and len(gongwen["listVO"]) == 12
    item = gongwen["listVO"][0]
    assert set(item) == {
        "title",
        "url",
        "pcode",
        "puborg",
        "pubtimeStr",
        "ptime",
        "childtype",
        "index",
        "summary",
        "id",
    }
    assert item["url"].startswith(origin + "/zhengce/content/")
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", item["pubtimeStr"])
    assert isinstance(item["ptime"], int) and item["ptime"] > 1_700_000_000_000
    assert re.fullmatch(r"国\w*〔\d{4}〕\d+号", item["pcode"])
    assert re.fullmatch(r"000014349/\d{4}-\d{5}", item["index"])
    ptimes = [i["ptime"] for i in gongwen["listVO"]]
    assert ptimes == sorted(ptimes, reverse=True)
    page2 = json.loads(fetch(origin + "/search-gov/data?t=zhengcelibrary&q=&p=2&n=5&sort=pubtime")[2])
    listvo = page2["searchVO"]["catMap"]["gongwen"]["listVO"]
    assert [i["id"] for i in listvo] == [i["id"] for i in gongwen["listVO"][5:10]]
    assert fetch(url(web, "g01"))[0] == 200  # the JSON URL is fetchable
    assert item["url"] in {origin + d.path for d in web.scenario.documents["govcn"]}


def test_trs_listing_create_page_html(web):
    web.set_day(0)
    origin = web.site_url("trs")
    page0 = text(fetch(origin + "/xxgk/zcwj/index.html")[2])
    page1 = text(fetch(origin + "/xxgk/zcwj/index_1.html")[2])
    assert 'createPageHTML(2, 0, "index", "html");' in page0
    assert 'createPageHTML(2, 1, "index", "html");' in page1
    assert '<ul class="xxgk_list">' in page0
    assert (len(LI_TRS.findall(page0)), len(LI_TRS.findall(page1))) == (8, 2)
    assert fetch(origin + "/xxgk/zcwj/index_2.html")[0] == 404
    href = LI_TRS.findall(page0)[0][0]
    assert fetch(origin + "/xxgk/zcwj/" + href[2:])[0] == 200


# -- encodings -------------------------------------------------------------------------------


def test_wenming_gbk_and_three_charset_headers(web):
    web.set_day(0)
    origin = web.site_url("wenming")
    status, headers, body = fetch(origin + "/wmcj/index.shtml")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=gb2312"
    assert "文明创建" in body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    normal = fetch(url(web, "w01"))
    assert normal[1]["Content-Type"] == "text/html; charset=gb2312"
    no_charset = fetch(url(web, "w02"))
    assert no_charset[1]["Content-Type"] == "text/html"
    wrong = fetch(url(web, "w04"))
    assert wrong[1]["Content-Type"] == "text/html; charset=utf-8"
    for _, _, raw in (normal, no_charset, wrong):
        decoded = raw.decode("gb18030")
        assert '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in decoded
        assert "发布时间：" in decoded
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    assert gbk_safe("a\u2022b\U0001f600c").encode("gbk")


# -- conditional GET -------------------------------------------------------------------------


def test_etag_last_modified_and_304(web):
    web.set_day(0)
    target = url(web, "g03")
    status, headers, body = fetch(target)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag == '"' + hashlib.sha1(body).hexdigest() + '"'
    assert fetch(target, {"If-None-Match": etag})[0] == 304
    assert fetch(target, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(target, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    listing = web.site_url("trs") + "/xxgk/zcwj/index.html"
    _, lh, _ = fetch(listing)
    assert fetch(listing, {"If-None-Match": lh["ETag"]})[0] == 304
    web.set_day(1)  # g03 is revised on day 1
    status, headers1, body1 = fetch(target, {"If-None-Match": etag, "If-Modified-Since": last_modified})
    assert status == 200 and headers1["ETag"] != etag and body1 != body
    assert headers1["Last-Modified"] == "Tue, 03 Mar 2026 02:00:00 GMT"
    assert fetch(target, {"If-Modified-Since": headers1["Last-Modified"]})[0] == 304


# -- the bot wall ----------------------------------------------------------------------------


def test_credit_listing_200_and_412_wall(web):
    web.set_day(0)
    origin = web.site_url("credit")
    status, _, body = fetch(origin + "/xyzx/index.html")
    assert status == 200
    links = re.findall(r'<a href="\./(\d{6}/t\d{8}_\d{4}\.html)"', text(body))
    assert len(links) == 3
    for link in links:
        status, headers, body = fetch(origin + "/xyzx/" + link)
        page = text(body)
        assert status == 412
        assert "$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=" in page
        assert re.search(r'<meta id="\w{20,}" content="[\w.]{200,}"', page)
        assert re.search(r"<script [^>]*src=\"/\w+/\w+\.[0-9a-f]+\.js\" r='m'>", page)
        cookies = headers.get_all("Set-Cookie")
        assert cookies and all(c.split("=", 1)[0].endswith("O") for c in cookies)


def test_stop_frees_ports_and_restart_on_fixed_base_port():
    first = SimWeb(base_port=0)
    first.start()
    ports = [int(first.site_url(site).rsplit(":", 1)[1]) for site in SITES]
    assert len(set(ports)) == 4
    assert fetch(first.site_url("govcn") + "/")[0] == 200
    first.stop()
    first.stop()  # idempotent
    assert first.site_url("govcn") == f"http://127.0.0.1:{ports[0]}"  # kept for scoring after stop
    with pytest.raises(OSError):
        fetch(f"http://127.0.0.1:{ports[0]}/", method="GET")
    base = _free_block()
    with SimWeb(base_port=base, day=3) as sim:
        assert [sim.site_url(site) for site in SITES] == [f"http://127.0.0.1:{base + i}" for i in range(4)]
        assert fetch(sim.site_url("credit") + "/_sim/day")[2] == b'{"day": 3, "last_day": 7}'
    with SimWeb(base_port=base) as again:  # the same ports are free again
        assert fetch(again.site_url("trs") + "/robots.txt")[0] == 200


# -- the scripted days -----------------------------------------------------------------------


def listed_paths(web: SimWeb, site: str) -> set[str]:
    return {s.path for _, s in web.scenario.listed(site, web.day)}


def test_deletion_kinds_on_their_days(web):
    web.set_day(1)
    for key in ("g07", "w03", "t05", "g08"):
        assert fetch(url(web, key))[0] == 200
    web.set_day(2)
    assert fetch(url(web, "g07"))[0] == 404
    status, headers, body = fetch(url(web, "w03"))
    soft = body.decode("gb18030")
    assert status == 200 and "您访问的页面不存在或已被删除" in soft and len(body) < len(fetch(url(web, "w01"))[2])
    assert headers["Content-Type"] == "text/html; charset=gb2312"
    web.set_day(3)
    assert fetch(url(web, "t05"))[0] == 410
    status, headers, _ = fetch(url(web, "g08"))
    assert status == 302 and headers["Location"] == web.site_url("govcn") + "/"
    status, _, body = fetch(url(web, "g09"))  # delisted: still resolves, unchanged
    assert status == 200 and web.scenario.document("g09").title in text(body)
    home0 = text(fetch(web.site_url("govcn") + "/zhengce/zuixin/home_0.htm")[2])
    assert web.scenario.document("g09").path not in home0
    assert web.scenario.document("g07").path not in home0
    web.set_day(6)
    restored = fetch(url(web, "g07"))
    web.set_day(1)
    before = fetch(url(web, "g07"))
    assert restored[0] == 200 and restored[2] == before[2]
    web.set_day(6)
    assert web.scenario.document("g07").path in listed_paths(web, "govcn")
    assert fetch(url(web, "t07"))[0] == 404
    web.set_day(5)
    assert fetch(url(web, "t07"))[0] == 200


def test_outage_day(web):
    web.set_day(5)
    origin = web.site_url("wenming")
    for path in ("/", "/robots.txt", "/wmcj/index.shtml", web.scenario.document("w01").path):
        assert fetch(origin + path)[0] == 503
    assert fetch(web.site_url("govcn") + "/robots.txt")[0] == 200
    assert fetch(origin + "/_sim/day")[0] == 200  # control stays reachable
    web.set_day(6)
    assert fetch(origin + "/wmcj/index.shtml")[0] == 200


def test_intermittent_500_on_odd_requests():
    with SimWeb(base_port=0, seed=42) as sim:
        target = sim.site_url("trs") + sim.scenario.document("t03").path
        assert [fetch(target)[0] for _ in range(4)] == [500, 200, 500, 200]


def test_slow_page():
    with SimWeb(base_port=0, seed=42, slow_seconds=0.3) as sim:
        start = time.monotonic()
        assert fetch(sim.site_url("govcn") + sim.scenario.document("g02").path)[0] == 200
        assert time.monotonic() - start >= 0.3
    assert SimWeb().slow_seconds == 1.5


def test_moved_document(web):
    doc = web.scenario.document("t06")
    origin = web.site_url("trs")
    old, new = doc.path, doc.state(LAST_DAY).path
    assert old != new and old.split("/")[3] != new.split("/")[3]
    assert re.fullmatch(r"/xxgk/zcwj/\d{6}/t\d{8}_\d+\.html", new)
    web.set_day(3)
    status, _, before = fetch(origin + old)
    assert status == 200 and fetch(origin + new)[0] == 404
    web.set_day(4)
    assert fetch(origin + old)[0] == 404
    status, _, after = fetch(origin + new)
    assert status == 200

    def zoom(page: bytes) -> str:
        found = re.search(r'<div class="article-content" id="zoom">(.*?)</div>\n</div>', text(page), re.S)
        assert found
        return found.group(1)

    assert zoom(after) == zoom(before)
    for field in (doc.doc_number, doc.index_no, doc.title):
        assert field in text(after)
    assert old not in listed_paths(web, "trs") and new in listed_paths(web, "trs")
    pages = text(fetch(origin + "/xxgk/zcwj/index.html")[2]) + text(fetch(origin + "/xxgk/zcwj/index_1.html")[2])
    assert "./" + new[len("/xxgk/zcwj/") :] in pages and "./" + old[len("/xxgk/zcwj/") :] not in pages
    pdf = doc.attachments[0].name
    assert fetch(origin + new.rsplit("/", 1)[0] + "/" + pdf)[0] == 200
    assert fetch(origin + old.rsplit("/", 1)[0] + "/" + pdf)[0] == 404


def test_revisions_metadata_and_validity(web):
    g03, g05, t02 = (web.scenario.document(k) for k in ("g03", "g05", "t02"))
    web.set_day(0)
    g03_before, g05_before = text(fetch(url(web, "g03"))[2]), text(fetch(url(web, "g05"))[2])
    t02_before, t04_before = text(fetch(url(web, "t02"))[2]), text(fetch(url(web, "t04"))[2])
    assert "社会信用体系" not in g03_before
    assert '<meta name="lastmodifiedtime" content="' + g03.published.strftime("%Y-%m-%d-%H:%M:%S") in g03_before
    web.set_day(1)
    g03_after, t02_after = text(fetch(url(web, "g03"))[2]), text(fetch(url(web, "t02"))[2])
    assert "社会信用体系" in g03_after
    assert '<meta name="lastmodifiedtime" content="2026-03-03-10:00:00">' in g03_after
    assert t02_after != t02_before
    web.set_day(2)
    g05_after, t04_after = text(fetch(url(web, "g05"))[2]), text(fetch(url(web, "t04"))[2])
    assert f'<td colspan="3">{g05.title}（修订）</td>' in g05_after
    assert f"<title>{g05.title}（修订）_国务院文件_中国政府网</title>" in g05_after
    assert "（修订）" not in g05_before
    body = re.search(r'id="UCAP-CONTENT">(.*?)</td>', g05_after, re.S)
    assert body and "（修订）" not in body.group(1)
    assert '<td class="youxiao">&nbsp;有效</td>' in t04_before
    assert '<td class="youxiao">&nbsp;失效</td>' in t04_after
    assert t02.source != t02.agency and f'<meta name="ContentSource" content="{t02.source}">' in t02_after
    assert "<b>索 引 号：</b>" in t04_after and "<b>文　　号：</b>" in t04_after and "<td></td>" in t04_after


def test_attachments_pdf_docx(web):
    web.set_day(0)
    doc = web.scenario.document("t01")
    origin = web.site_url("trs")
    page = text(fetch(origin + doc.path)[2])
    folder = doc.path.rsplit("/", 1)[0]
    names = re.findall(r'href="\./((?:P0\d+\.pdf)|(?:W0\d+\.docx))"', page)
    assert len(names) == 2
    status, headers, pdf = fetch(f"{origin}{folder}/{names[0]}")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert doc.title in "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    status, headers, raw = fetch(f"{origin}{folder}/{names[1]}")
    assert status == 200 and "wordprocessingml" in headers["Content-Type"]
    paragraphs = [p.text for p in docx.Document(io.BytesIO(raw)).paragraphs]
    assert any(doc.title in p for p in paragraphs)
    assert fetch(f"{origin}{folder}/{names[1]}")[2] == raw


def test_a_linked_file_goes_missing_while_its_document_stays(web):
    doc = web.scenario.document("t08")
    origin = web.site_url("trs")
    folder = doc.path.rsplit("/", 1)[0]
    pdf, docx_name = (a.name for a in doc.attachments)
    for day, docx_status in ((4, 200), (5, 404), (7, 404)):
        web.set_day(day)
        page = text(fetch(origin + doc.path)[2])
        assert fetch(origin + doc.path)[0] == 200 and f"./{docx_name}" in page  # still linked
        assert fetch(f"{origin}{folder}/{pdf}")[0] == 200
        assert fetch(f"{origin}{folder}/{docx_name}")[0] == docx_status
    web.set_day(0)


# -- determinism and content modes -----------------------------------------------------------


def _pages(sim: SimWeb) -> list[bytes]:
    out = []
    for site in SITES:
        for doc in sim.scenario.documents[site]:
            out.append(fetch(sim.site_url(site) + doc.path)[2])
        out.append(fetch(sim.site_url(site) + LISTINGS[site])[2])
    t01 = sim.scenario.document("t01")
    folder = t01.path.rsplit("/", 1)[0]
    out += [fetch(sim.site_url("trs") + f"{folder}/{a.name}")[2] for a in t01.attachments]
    data = fetch(sim.site_url("govcn") + "/search-gov/data?q=&p=1&n=20")[2]
    out.append(data.replace(sim.site_url("govcn").encode(), b"ORIGIN"))
    return out


def test_same_seed_gives_identical_bytes():
    with SimWeb(base_port=0, seed=7) as first, SimWeb(base_port=0, seed=7) as second:
        assert first.site_url("govcn") != second.site_url("govcn")
        assert _pages(first) == _pages(second)
    other = build_scenario(8)
    assert [d.path for d in other.documents["govcn"]] != [d.path for d in build_scenario(7).documents["govcn"]]


def _fake_corpus(root: Path) -> Path:
    rows = []
    for i in range(3):
        name = f"single/s{i:03d}-测试条例{i}_2020-01-0{i + 1}.md"
        body = "\n\n".join(
            f"第{n}条 本条例第{n}条规定的事项，由县级以上人民政府负责实施，应当依法公开。" for n in range(1, 8)
        )
        (root / "single").mkdir(parents=True, exist_ok=True)
        head = f"# 测试条例{i}\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n"
        (root / name).write_text(head + body + "\n", encoding="utf-8")
        rows.append(
            {
                "file": name,
                "kind": "single",
                "title": f"测试条例{i}",
                "issuing_body": "国务院",
                "category": "行政法规",
                "bytes": 900,
            }
        )
    (root / "index.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return root


def test_corpus_mode_with_env_override(tmp_path, monkeypatch):
    _fake_corpus(tmp_path / "texts")
    monkeypatch.setenv("POLICYWATCH_CORPUS_DIR", str(tmp_path))
    assert corpus_dir() == tmp_path / "texts"
    scenario = build_scenario(42)
    assert scenario.uses_corpus
    govcn = scenario.documents["govcn"]
    corpus_docs = [d for d in govcn if d.origin.startswith("corpus:")]
    assert len(corpus_docs) == 3  # the rest fall back to the generator
    assert {d.title for d in corpus_docs} == {"测试条例0", "测试条例1", "测试条例2"}
    assert any("第3条 本条例第3条" in p for p in corpus_docs[0].original.paragraphs)
    assert all(d.origin == "generated" for d in scenario.documents["trs"])
    sample = "# 标题\n\n前言\n\n<!-- INFO END -->\n\n## 第一章  总则\n\n第一条 内容。\n"
    title, preamble, paragraphs = parse_corpus_markdown(sample)
    assert (title, preamble, paragraphs) == ("标题", ("前言",), ("第一章 总则", "第一条 内容。"))


def test_no_corpus_mode_generates_policy_text(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYWATCH_CORPUS_DIR", str(tmp_path / "missing"))
    assert corpus_dir() is None
    scenario = build_scenario(42)
    assert not scenario.uses_corpus
    docs = [d for site in SITES for d in scenario.documents[site]]
    assert all(d.origin == "generated" for d in docs)
    assert len({d.title for d in docs}) == len(docs) - 1  # t12 reprints g13 under its title
    assert scenario.document("g01").title.startswith("国务院")
    with SimWeb(base_port=0, scenario=scenario) as sim:
        status, _, body = fetch(sim.site_url("govcn") + scenario.document("g01").path)
        assert status == 200 and 'id="UCAP-CONTENT"' in text(body) and "（此件公开发布）" in text(body)
    assert build_scenario(42, use_corpus=False).document("g01").title == scenario.document("g01").title
    with_corpus = build_scenario(42, corpus_dir=_fake_corpus(tmp_path / "texts"))
    assert with_corpus.uses_corpus and with_corpus.document("g01").title != scenario.document("g01").title
    for key in ("g01", "t01", "t06", "w03"):  # URLs and identifiers do not depend on the text source
        a, b = scenario.document(key), with_corpus.document(key)
        assert (a.path, a.index_no, a.attachments) == (b.path, b.index_no, b.attachments)


@pytest.mark.skipif(corpus_dir() is None, reason="shared corpus not present")
def test_real_corpus_is_used_by_default():
    scenario = build_scenario(42)
    assert scenario.uses_corpus
    assert all(d.origin.startswith("corpus:") for d in scenario.documents["govcn"])
    assert all(d.origin.startswith("corpus:") for d in scenario.documents["trs"])


def test_keywords_present():
    scenario = build_scenario(42)

    def body(key: str, day: int) -> str:
        doc = scenario.document(key)
        return doc.state(day).version.title + "".join(doc.state(day).version.paragraphs)

    carriers = {
        d.key
        for site in SITES
        for d in scenario.documents[site]
        if any(k in body(d.key, LAST_DAY) for k in ("社会信用体系", "全国文明城市"))
    }
    assert {"g01", "g03", "g13", "w01", "w06"} <= carriers
    assert "社会信用体系" not in body("g03", 0) and "社会信用体系" in body("g03", 1)
    found = {k for d in carriers for k in KEYWORDS if k in body(d, LAST_DAY)}
    assert {"社会信用体系", "全国文明城市", "失信被执行人", "信用修复"} <= found


# -- ground truth ----------------------------------------------------------------------------


def test_expected_events_full_scenario():
    scenario = build_scenario(42)
    origins = default_origins()
    truth = scenario.truth(origins)
    kinds = collections.Counter(e.kind for e in truth)
    assert kinds == {
        "new": 36,
        "deleted": 5,
        "revised": 4,
        "metadata_changed": 1,
        "validity_changed": 1,
        "delisted": 1,
        "moved": 1,
        "restored": 1,
        "outage": 1,
        "blocked": 1,
        "cosmetic_edit": 2,
        "reverted": 1,
        "reprint": 1,
        "attachment_removed": 1,
    }
    events = expected_events(truth)
    per_day = collections.Counter(e.day for e in events)
    # day 0: 12 + 10 + 5 new, 1 blocked; day 1: 2 new, 2 revised; day 2: validity, metadata, 2 suspected,
    # revised (t09); day 3: 2 suspected, delisted, new (t12), revised (t09 reverted); day 4: moved, new,
    # 2 removed (g12's width-only edit is no event); day 5: site_unreachable, 2 removed, revised (g11 ，→；);
    # day 6: reappeared, new, suspected; day 7: revised, new. Each text revision of a TRS document
    # (t02 day 1, t09 days 2 and 3) also changes its PDF and DOCX; t08's DOCX goes on day 5, which
    # is confirmed like a document removal (3 failed checks over 48 h) on day 7.
    assert dict(per_day) == {0: 28, 1: 4 + 2, 2: 5 + 2, 3: 5 + 2, 4: 4, 5: 4, 6: 3, 7: 2 + 1}
    assert len(events) == 55 + 7
    assert collections.Counter(e.kind for e in events) == {
        "new": 33,
        "revised": 6,
        "metadata_changed": 1,
        "validity_changed": 1,
        "suspected_removed": 5,
        "removed": 4,
        "delisted": 1,
        "moved": 1,
        "reappeared": 1,
        "site_unreachable": 1,
        "blocked": 1,
        "attachment_changed": 6,
        "attachment_removed": 1,
    }

    def at(key: str, day: int = 0) -> str:
        doc = scenario.document(key)
        return origins[doc.site] + doc.state(day).path

    g07 = [(e.day, e.kind) for e in events if e.url == at("g07")]
    assert g07 == [(0, "new"), (2, "suspected_removed"), (4, "removed"), (6, "reappeared")]
    assert [(e.day, e.kind) for e in events if e.url == at("w03")] == [
        (0, "new"),
        (2, "suspected_removed"),
        (4, "removed"),
    ]
    assert [(e.day, e.kind) for e in events if e.url == at("t06")] == [(0, "new")]
    assert [(e.day, e.kind) for e in events if e.url == at("t06", LAST_DAY)] == [(4, "moved")]
    assert [(e.day, e.kind) for e in events if e.url == at("t07")] == [(0, "new"), (6, "suspected_removed")]
    assert pending_verdicts(truth) == [ExpectedEvent(8, "removed", at("t07"))]
    assert ExpectedEvent(0, "blocked", origins["credit"]) in events
    assert not [e for e in events if e.url.startswith(origins["credit"] + "/")]
    assert ExpectedEvent(5, "site_unreachable", origins["wenming"]) in events
    assert not [e for e in events if e.day == 5 and e.url.startswith(origins["wenming"] + "/")]
    assert ExpectedEvent(7, "new", at("w06", LAST_DAY)) in events
    assert ExpectedEvent(3, "delisted", at("g09")) in events
    # thresholds are parameters: 2 failures over 24 h confirm a day earlier
    quick = expected_events(truth, confirm_failures=2, confirm_hours=24)
    assert ExpectedEvent(3, "removed", at("g07")) in quick
    assert ExpectedEvent(7, "removed", at("t07")) in quick
    assert len(expected_events(truth, last_day=3)) == 28 + 6 + 7 + 7
    # cosmetic edits, flip-flop and reprint
    assert not [e for e in events if e.url == at("g12") and e.day > 0]
    assert [(e.day, e.kind) for e in events if e.url == at("g11")] == [(0, "new"), (5, "revised")]
    assert [(e.day, e.kind) for e in events if e.url == at("t09")] == [
        (0, "new"), (2, "attachment_changed"), (2, "attachment_changed"), (2, "revised"),
        (3, "attachment_changed"), (3, "attachment_changed"), (3, "revised"),
    ]  # fmt: skip
    assert [(e.day, e.kind) for e in events if e.url == at("t08")] == [(0, "new"), (7, "attachment_removed")]
    assert [(e.day, e.kind) for e in events if e.url == at("t12", 3)] == [(3, "new")]
    assert not [e for e in events if e.url == at("g13", 3) and e.day != 1]
    reprint = [e for e in truth if e.kind == "reprint"]
    assert reprint == [TruthEvent(3, "reprint", "trs", at("t12", 3), at("g13", 3), {"of": "g13"})]
    cosmetic = {e.detail["key"]: (e.day, e.detail["visible"]) for e in truth if e.kind == "cosmetic_edit"}
    assert cosmetic == {"g12": (4, False), "g11": (5, True)}
    assert [e.detail["to_version"] for e in truth if e.kind == "reverted" and e.url == at("t09")] == [1]


def test_sim_server_truth_uses_bound_ports(web):
    assert {e.url.split("/")[2] for e in web.truth()} == {o.split("/")[2] for o in web.origins.values()}
    assert len(web.expected()) == 55 + 7  # + the attachment events
    reprint = next(e for e in web.truth() if e.kind == "reprint")
    assert reprint.new_url == web.site_url("govcn") + web.scenario.document("g13").path


# -- cosmetic edits, flip-flop, reprint -------------------------------------------------------

GOVCN_BODY_P = re.compile(r'<p style="text-indent: 2em; text-align: justify;">(.*?)</p>')
TRS_BODY_P = re.compile(r'<p style="text-indent: 2em;">(.*?)</p>')


def _body(web: SimWeb, key: str, day: int) -> list[str]:
    """The body paragraphs of ``key`` as served over HTTP on ``day``."""
    web.set_day(day)
    status, _, raw = fetch(url(web, key))
    assert status == 200
    pattern = GOVCN_BODY_P if web.scenario.document(key).site == "govcn" else TRS_BODY_P
    return [html.unescape(p) for p in pattern.findall(text(raw))]


def _folded(paragraphs: list[str]) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "\n".join(paragraphs)))


def test_width_only_edit_is_folded_away(web):
    before, after = _body(web, "g12", 3), _body(web, "g12", 4)
    assert before != after and "\n".join(before).encode() != "\n".join(after).encode()
    assert _folded(before) == _folded(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 2
    assert any(a == "\u3000" + b for b, a in changed)
    widened = [(b, a) for b, a in changed if a != "\u3000" + b]
    assert len(widened) == 1
    b, a = widened[0]
    if re.search(r"[0-9]", b):  # corpus and generated texts alike: digits when there are any
        assert re.search(r"[０-９]+", a) and len(a) == len(b)
    assert {unicodedata.east_asian_width(c) for x, y in zip(b, a, strict=True) if x != y for c in x + y} <= {"F", "Na"}
    web.set_day(3)
    page3 = text(fetch(url(web, "g12"))[2])
    web.set_day(4)
    page4 = text(fetch(url(web, "g12"))[2])
    assert re.findall(r'<meta name="lastmodifiedtime"[^>]*>', page3) == re.findall(
        r'<meta name="lastmodifiedtime"[^>]*>', page4
    )


def test_punctuation_only_edit(web):
    before, after = _body(web, "g11", 4), _body(web, "g11", 5)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    b, a = changed[0]
    assert len(a) == len(b) and a.count("；") == b.count("；") + 1 and a.count("，") == b.count("，") - 1
    assert b.replace("，", "；", 1) == a
    doc = web.scenario.document("g11")
    assert doc.state(5).version.title == doc.state(4).version.title == doc.title


def test_flip_flop_reverts_to_identical_body(web):
    day1, day2, day3 = _body(web, "t09", 1), _body(web, "t09", 2), _body(web, "t09", 3)
    assert day2 != day1 and len(day2) == len(day1)
    assert sum(a != b for a, b in zip(day1, day2, strict=True)) == 1
    assert day3 == day1
    web.set_day(1)
    page1 = fetch(url(web, "t09"))
    web.set_day(3)
    page3 = fetch(url(web, "t09"))
    assert page3[2] == page1[2]  # same text and metadata
    assert page3[1]["Last-Modified"] != page1[1]["Last-Modified"]  # but edited again on day 3
    doc = web.scenario.document("t09")
    assert doc.state(3).version.paragraphs == doc.original.paragraphs


def test_reprint_across_sites(web):
    t12, g13 = web.scenario.document("t12"), web.scenario.document("g13")
    assert t12.first_day == 3 and t12.site == "trs"
    assert re.fullmatch(r"/xxgk/zcwj/202603/t20260305_\d+\.html", t12.path)
    assert re.fullmatch(r"鲁政办字(\[2026\]|（2026）)\d+号", t12.doc_number)
    assert t12.index_no.startswith(web.scenario.document("t10").index_no.split("/")[0] + "/2026-")
    assert t12.agency == "山东省人民政府办公厅" and t12.title == g13.state(3).version.title
    assert len({d.doc_number for d in web.scenario.documents["trs"]}) == len(web.scenario.documents["trs"])
    web.set_day(2)
    assert fetch(web.site_url("trs") + t12.path)[0] == 404
    assert t12.path not in listed_paths(web, "trs")
    source, reprint = _body(web, "g13", 3), _body(web, "t12", 3)
    assert reprint[0] == f"现将《{g13.title}》转发给你们，请结合实际认真贯彻执行。"
    assert reprint[1:] == source
    page = text(fetch(url(web, "t12"))[2])
    for field in (t12.doc_number, t12.index_no, t12.title, t12.agency):
        assert html.escape(field) in page
    assert t12.path in listed_paths(web, "trs")
    origin = web.site_url("trs")
    pages = [text(fetch(origin + p)[2]) for p in ("/xxgk/zcwj/index.html", "/xxgk/zcwj/index_1.html")]
    items = [LI_TRS.findall(p) for p in pages]
    assert [len(i) for i in items] == [8, 2]  # t01..t10 less t05 (gone on day 3), plus t12
    assert items[0][0][0] == "./" + t12.path[len("/xxgk/zcwj/") :]  # newest first
    web.set_day(4)
    items = [LI_TRS.findall(text(fetch(origin + p)[2])) for p in ("/xxgk/zcwj/index.html", "/xxgk/zcwj/index_1.html")]
    assert [len(i) for i in items] == [8, 3]
    dates = [d for page_items in items for _, _, d in page_items]
    assert dates == sorted(dates, reverse=True)
    assert 'createPageHTML(2, 0, "index", "html");' in text(fetch(origin + "/xxgk/zcwj/index.html")[2])
    assert fetch(origin + "/xxgk/zcwj/index_2.html")[0] == 404
    folder = t12.path.rsplit("/", 1)[0]
    assert fetch(f"{origin}{folder}/{t12.attachments[0].name}")[0] == 200


# -- the CLI entry point ---------------------------------------------------------------------


def _free_block(count: int = 4) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        socks = []
        try:
            for i in range(count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port block")


def test_python_m_sim_serves_and_stops():
    port = _free_block()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "--port", str(port), "--day", "2"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        assert [line.split()[0] for line in lines] == list(SITES)
        assert lines[0].split()[1] == f"http://127.0.0.1:{port}"
        day = json.loads(fetch(f"http://127.0.0.1:{port + 3}/_sim/day")[2])
        assert day["day"] == 2
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)

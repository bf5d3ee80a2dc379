"""Trends over a real archive (SQLite and PostgreSQL): the page with its SVG chart, CSV and JSON."""

import csv
import io
import re

import pytest
from sqlalchemy import delete, update

from common.settings import Settings
from store.db import transaction
from store.models import Document, KeywordHit, Version
from store.repo import add_capture, add_version, create_document, ensure_source, published_at
from tests.store.test_archive import T0, content, record
from tests.web.conftest import live
from web.app import create_app

# (source, url, published, agency, has the term)
DOCS = [
    ("sim-govcn", "http://127.0.0.1:9/a.htm", "2026-01-15", "国务院办公厅", True),
    ("sim-govcn", "http://127.0.0.1:9/b.htm", "2026-01-20", "国务院办公厅", False),
    ("sim-govcn", "http://127.0.0.1:9/c.htm", "2026-03-01", "国务院办公厅", True),  # 2026-02-28T16:00Z
    ("tj-xxgk", "http://www.tj.gov.cn/d.htm", "2026-01-10", "天津市人民政府", True),
    ("tj-xxgk", "http://www.tj.gov.cn/e.htm", "2026-03-10", "天津市南开区人民政府", False),
]


@pytest.fixture
def client(sessions):
    with transaction(sessions) as s:
        for name, url, published, agency, has_term in DOCS:
            src = ensure_source(s, name, "govcn", {"start_urls": []}, T0)
            c = content(
                "各地要加快推进社会信用体系建设。" if has_term else "做好网格化管理工作。", title=f"通知{url[-5]}"
            )
            doc = create_document(s, src.id, url, T0, c)
            ver = add_version(s, doc, add_capture(s, src.id, None, record(url), document_id=doc.id), c, T0)
            day = published_at(published, None)  # midnight Beijing time, as the crawler stores it
            s.execute(update(Document).where(Document.id == doc.id).values(published_at=day))
            s.execute(update(Version).where(Version.id == ver.id).values(agency=agency))
            if not has_term:
                s.execute(delete(KeywordHit).where(KeywordHit.version_id == ver.id))
    with live(create_app(Settings(secret_key="k"), sessions)) as web:
        yield web


def rows_of(client, **params):
    r = client.get("/api/v1/trends", params=params)
    assert r.status_code == 200, r.text
    return {(x["group"], x["month"]): (x["matching"], x["documents"], x["coverage"]) for x in r.json()["rows"]}


def test_shares_per_month_with_coverage(client):
    assert rows_of(client, q="社会信用体系") == {
        ("全部", "2026-01"): (2, 3, "retro"),  # published before the first capture (March)
        ("全部", "2026-02"): (0, 0, "gap"),
        ("全部", "2026-03"): (1, 2, "live"),
    }
    assert rows_of(client, tag="社会信用体系") == rows_of(client, q="社会信用体系")
    assert rows_of(client, q="社会信用体系", axis="captured") == {("全部", "2026-03"): (3, 5, "backfill")}


def test_grouped_by_site_province_and_level(client):
    by_source = rows_of(client, q="社会信用体系", by="source")
    assert by_source[("sim-govcn", "2026-01")][:2] == (1, 2) and by_source[("tj-xxgk", "2026-03")][:2] == (0, 1)
    by_province = rows_of(client, q="社会信用体系", by="province")
    assert {g for g, _ in by_province} == {"天津", "未知"}
    assert by_province[("天津", "2026-01")][:2] == (1, 1)
    by_level = rows_of(client, q="社会信用体系", by="level", **{"from": "2026-03", "to": "2026-03"})
    assert by_level == {("中央", "2026-03"): (1, 1, "live"), ("县级", "2026-03"): (0, 1, "live")}


def test_page_draws_the_chart_with_a_break_at_the_gap_and_offers_csv(client):
    page = client.get("/trends", params={"q": "社会信用体系", "by": "source"})
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    polylines = re.findall(r'<polyline class="series" points="([^"]+)"', svg)
    assert len(polylines) == 4  # two sites, each broken at February
    assert 'class="cov-gap"' in svg and "sim-govcn" in svg and "tj-xxgk" in svg
    table = client.get("/trends.csv", params={"q": "社会信用体系"})
    assert table.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert [(r["month"], r["matching"], r["documents"], r["share"]) for r in rows] == [
        ("2026-01", "2", "3", "0.666667"), ("2026-02", "0", "0", ""), ("2026-03", "1", "2", "0.5"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [({"q": "x", "by": "city"}, "by must be one of"), ({"q": "x", "from": "2026-13"}, "not a month"), ({}, "give q")],
)
def test_bad_trend_parameters_are_422(client, params, message):
    r = client.get("/api/v1/trends", params=params)
    assert r.status_code == 422 and message in r.text


def test_chart_lines_join_months_with_data_and_break_at_gaps():
    from collections import Counter

    from processing.trends import TrendTable
    from web.trends import chart

    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    totals = Counter({("g", "2026-01"): 4, ("g", "2026-02"): 2, ("g", "2026-04"): 5})
    matches = Counter({("g", "2026-01"): 1, ("g", "2026-02"): 2, ("g", "2026-04"): 0})
    table = TrendTable(months, ["g"], matches, totals)
    table.coverage = {("g", m): "gap" if m == "2026-03" else "live" for m in months}
    drawn = chart(table)
    (line,) = drawn["lines"]
    assert [len(p.split()) for p in line["paths"]] == [2, 1]  # Jan–Feb joined, April alone after the gap
    ys = [float(pt.split(",")[1]) for pt in line["paths"][0].split()]
    assert ys[1] < ys[0]  # 100 % is drawn above 25 %
    assert [c["month"] for c in drawn["shade"]] == ["2026-03"] and drawn["shade"][0]["kind"] == "gap"
    assert [t["label"] for t in drawn["yticks"]] == ["0%", "25%", "50%", "75%", "100%"]


def test_trends_on_the_command_line(sessions, tmp_path, client):
    from click.testing import CliRunner

    from cli import main

    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    cfg = tmp_path / "pw.toml"
    cfg.write_text(f'database_url = "{url}"\n', encoding="utf-8")
    out = CliRunner().invoke(main, ["--config", str(cfg), "trends", "社会信用体系"]).output
    lines = out.splitlines()
    assert lines[1].split() == ["全部", "2026-01", "2", "3", "66.7%", "retro"]
    assert lines[2].split() == ["全部", "2026-02", "0", "0", "—", "gap"]
    csv_out = CliRunner().invoke(main, ["--config", str(cfg), "trends", "--tag", "社会信用体系", "--csv"]).output
    assert csv_out.splitlines()[0] == "group,month,matching,documents,share,coverage"
    assert "give a QUERY or --tag" in CliRunner().invoke(main, ["--config", str(cfg), "trends"]).output

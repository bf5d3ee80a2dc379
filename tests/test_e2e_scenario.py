"""End to end: crawl the whole simulated scenario day by day and score events against the sim's truth.

Each day is a real ``policywatch crawl --now`` subprocess against the sim over HTTP,
writing to a real archive (SQLite and PostgreSQL); alerts go to a real SMTP server.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.sink import SmtpSink
from common.settings import load_settings
from demo import DEMO_KEYWORDS, T0, demo_config
from processing.types import EVENT_KINDS
from sim.scenario import LAST_DAY, SPECS, expected_events, pending_verdicts
from sim.server import SimWeb
from store.db import make_engine, session_factory, transaction
from store.schema import upgrade
from store.subscribers import DeliveryPrefs, RuleSpec, add_rule, subscribe, upsert_subscriber
from tests.conftest import pg_schema

pytestmark = pytest.mark.slow


def _cli(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scenario_run(request, tmp_path_factory):
    """Crawl every scenario day once per backend; yields (events, web, sink, config)."""
    tmp_path = tmp_path_factory.mktemp(f"scenario-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            db_url = f"sqlite:///{tmp_path / 'archive.db'}"
        else:
            db_url = stack.enter_context(pg_schema())
        sink = SmtpSink().start()
        stack.callback(sink.stop)
        web = SimWeb(base_port=0, seed=42)
        web.start()
        stack.callback(web.stop)
        text = demo_config(web, sink.port, tmp_path).replace(
            f'database_url = "sqlite:///{tmp_path / "archive.db"}"', f'database_url = "{db_url}"'
        )
        config = tmp_path / "policywatch.toml"
        config.write_text(text, encoding="utf-8")
        settings = load_settings(config, env={})
        engine = make_engine(settings.database_url)
        stack.callback(engine.dispose)
        upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as s:
            subscribe(s, "researcher@example.org", DEMO_KEYWORDS, T0)
            both = upsert_subscriber(s, "both@example.org", T0, DeliveryPrefs(delivery="both"))
            add_rule(s, both, RuleSpec(keywords=tuple(DEMO_KEYWORDS)), T0)
        for day in range(LAST_DAY + 2):
            if day <= LAST_DAY:
                web.set_day(day)
                _cli(config, "crawl", "--now", (T0 + timedelta(days=day)).isoformat())
            _cli(config, "alerts", "digest", "--now", (T0 + timedelta(days=day, hours=1)).isoformat())
        events = json.loads(_cli(config, "events", "--json"))
        yield events, web, sink, config


def _day(at: str) -> int:
    from common.clock import parse_instant

    return (parse_instant(at) - T0).days


def test_scenario_events_match_ground_truth(scenario_run, capsys):
    events, web, _sink, _config = scenario_run
    got = Counter((_day(e["at"]), e["kind"], e["url"]) for e in events)
    want = Counter((e.day, e.kind, e.url) for e in expected_events(web.truth(), LAST_DAY))
    missing, extra = want - got, got - want
    hits = sum((got & want).values())
    with capsys.disabled():
        print(
            f"\n[scenario] {sum(want.values())} expected, {sum(got.values())} reported: "
            f"precision {hits / max(1, sum(got.values())):.3f}, recall {hits / max(1, sum(want.values())):.3f}"
        )
    summary = f"{sum(want.values())} expected, {sum(got.values())} reported"
    assert not missing and not extra, f"{summary}\nmissing: {sorted(missing)}\nextra: {sorted(extra)}"
    kinds = {k for _, k, _ in want}
    assert kinds == set(EVENT_KINDS)
    assert pending_verdicts(web.truth(), LAST_DAY), "the scenario keeps one verdict that needs more days"


def test_scenario_side_effects(scenario_run):
    events, web, sink, config = scenario_run
    log = web.requests_log
    assert not [r for r in log if "/internal/" in r[2] or "/nbgl/" in r[2] or "/admin/" in r[2]], "robots.txt ignored"
    assert any(r[2] == "/robots.txt" for r in log)
    assert any(r[3] == 304 for r in log), "conditional GET never produced a 304"
    credit_details = [r for r in log if r[0] == "credit" and r[2].startswith("/xyzx/2")]
    assert len(credit_details) == 1, "after the bot wall the credit host must not be crawled again"
    assert sink.messages, "no alert e-mail was sent"
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(ids) == len(set(ids))
    hist = json.loads(_cli(config, "history", next(e["url"] for e in events if e["kind"] == "revised"), "--json"))
    assert len(hist["versions"]) >= 2 and all(v["citation"] for v in hist["versions"])


def _mails(sink, to):
    """(Message-ID, subject, text body) of the mails to ``to``."""
    return [(m["Message-ID"], str(m["Subject"]), m.get_body(("plain",)).get_content())
            for m in sink.messages if m["To"] == to]  # fmt: skip


def test_alert_mails_carry_the_right_documents_keywords_and_diffs(scenario_run):
    _events, web, sink, _config = scenario_run
    mails = _mails(sink, "researcher@example.org")
    new_mails = [(subject, text) for _, subject, text in mails if "(new)" in text.splitlines()[0]]
    # ground truth: every document that carries a tracked keyword from its first day gets a `new` mail
    # naming that keyword, with its URL and a citation
    for site, specs in SPECS.items():
        if site == "credit":  # behind the bot wall: never fetched
            continue
        for spec in specs:
            for keyword in set(spec.keywords) & set(DEMO_KEYWORDS):
                url = web.origins[site] + web.scenario.document(spec.key).path
                hits = [s for s, t in new_mails if f"URL: {url}\n" in t and keyword in s and f"  {keyword}: …" in t]
                assert hits, f"no new-document mail for {spec.key} naming {keyword}"
    for _, subject, text in mails:  # every keyword named in a mail occurs in the text it quotes
        for keyword in subject.rsplit("(", 1)[1].rstrip(")").split("、"):
            assert f"  {keyword}: …" in text or "附件" in subject, (subject, keyword)
        assert "引用: " in text and "SHA-256 " in text and "存档: http" in text
    # g03's revision on day 1 adds a 社会信用体系 sentence: the mail shows it as an insertion
    g03 = web.origins["govcn"] + web.scenario.document("g03").path
    revised = [t for _, s, t in mails if f"URL: {g03}\n" in t and "(revised)" in t.splitlines()[0]]
    assert revised and any(line.startswith("+ ") and "社会信用体系" in line for line in revised[0].splitlines())


def test_digest_mails_gather_the_same_events_once_per_day(scenario_run):
    _events, _web, sink, _config = scenario_run
    instant = _mails(sink, "both@example.org")
    digests = [m for m in instant if m[0].startswith("<digest-")]
    instant = [m for m in instant if m[0].startswith("<alert-")]
    assert instant and digests
    assert len({d[1].split()[2] for d in digests}) == len(digests)  # one digest per local day at most

    def urls(text):
        return sorted(line[5:] for line in text.splitlines() if line.startswith("URL: "))

    assert sorted(u for _, _, t in instant for u in urls(t)) == sorted(u for _, _, t in digests for u in urls(t))
    assert all("每日摘要" in d[1] and "引用: " in d[2] for d in digests)


def test_demo_command_reports_every_event_kind(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cli", "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts = dict(re.findall(r"^\s+(event: \w+|emails sent|documents|versions)\s+(\d+)$", done.stdout, re.M))
    for kind in EVENT_KINDS:
        assert int(counts[f"event: {kind}"]) > 0, kind
    assert int(counts["emails sent"]) > 0 and int(counts["versions"]) > int(counts["documents"])
    assert (tmp_path / "demo" / "archive.db").is_file()


def test_scenario_reprints_and_revision_classes(scenario_run):
    events, web, _sink, config = scenario_run
    truth = web.truth()
    (reprint,) = [t for t in truth if t.kind == "reprint"]
    hist = json.loads(_cli(config, "history", reprint.url, "--json"))
    assert [(r["role"], r["url"]) for r in hist["reprints"]] == [("original", reprint.new_url)]
    visible = [t for t in truth if t.kind == "cosmetic_edit" and t.detail.get("visible")]
    classes = {e["url"]: e["details"].get("class") for e in events if e["kind"] == "revised"}
    assert visible and all(classes[t.url] == "cosmetic" for t in visible)
    (revert,) = [t for t in truth if t.kind == "reverted"]
    reverted = [e for e in events if e["url"] == revert.url and e["details"].get("reverted_to_version")]
    assert [e["details"]["reverted_to_version"] for e in reverted] == [1]
    (restored,) = [t for t in truth if t.kind == "restored"]  # same text as before the deletion
    back = [e for e in events if e["url"] == restored.url and e["kind"] == "reappeared"]
    assert [(e["details"]["changed"], e["details"]["last_seen_seq"]) for e in back] == [(False, 1)]
    text = _cli(config, "history", restored.url)
    assert "reappeared" in text and "unchanged since v1" in text


def test_exports_stream_versions_and_the_captures_warc_records(scenario_run, tmp_path):
    import csv
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    events, _web, _sink, config = scenario_run
    jsonl, table, warc = tmp_path / "v.jsonl", tmp_path / "v.csv", tmp_path / "c.warc.gz"
    _cli(config, "export", "--format", "jsonl", "--query", "社会信用体系", "--out", str(jsonl))
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    docs = {r["doc_id"] for r in rows}
    assert docs and all(any("社会信用体系" in r["text"] for r in rows if r["doc_id"] == d) for d in docs)
    revised_docs = {e["doc_id"] for e in events if e["kind"] == "revised"}
    assert any(len([r for r in rows if r["doc_id"] == d]) > 1 for d in docs & revised_docs)  # every version
    _cli(config, "export", "--format", "csv", "--latest-only", "--out", str(table))
    with table.open(encoding="utf-8", newline="") as fh:
        latest = list(csv.DictReader(fh))
    assert len(latest) == len({e["doc_id"] for e in events if e["kind"] == "new"}) and all(
        r["current"] == "True" for r in latest
    )
    _cli(config, "export", "--format", "warc", "--query", "社会信用体系", "--out", str(warc))
    with warc.open("rb") as fh:
        records = [(r.rec_headers.get_header("WARC-Target-URI"), hashlib.sha256(r.content_stream().read()).hexdigest())
                   for r in ArchiveIterator(fh)]  # fmt: skip
    history = [json.loads(_cli(config, "history", str(d), "--json")) for d in docs]
    urls = {h["url"] for h in history} | {e["url"] for h in history for e in h["events"]}
    # one record per capture that got an answer (network failures have none), at the documents' URLs
    assert len(records) == sum(1 for h in history for c in h["captures"] if c["status"] > 0)
    assert {u for u, _ in records} <= urls
    # byte for byte: every exported version's capture is among the records
    assert {r["raw_sha256"] for r in rows} <= {sha for _, sha in records}
    assert not (tmp_path / "c.warc.gz.part").exists()

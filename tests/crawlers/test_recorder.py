"""The archive pipeline without HTTP: fetched pages in, captures/versions/events/WARC out (real SQLite)."""

import io
import random
from datetime import timedelta

import pytest
import zstandard
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from common.clock import parse_instant
from common.settings import Settings, SourceConfig
from crawlers.context import open_context
from crawlers.items import FetchedPage
from crawlers.reconcile import reconcile
from crawlers.recorder import Recorder
from crawlers.warc import WarcSink
from processing.types import Extracted, Metadata, PageKind
from processing.verdict import is_stub_of
from sim.model import default_origins
from sim.scenario import build_scenario
from sim.sites import SiteRenderer
from store.db import make_engine
from store.models import Capture, Document, Event, Version
from store.schema import upgrade

T0 = parse_instant("2026-03-02T02:00:00Z")
SCENARIO = build_scenario(42)
ORIGINS = default_origins()
RENDER = SiteRenderer(SCENARIO, ORIGINS)


def page(key: str, day: int, status: int = 200, body: bytes | None = None, ctype: str | None = None) -> FetchedPage:
    doc = SCENARIO.document(key)
    rendered = RENDER.resolve(doc.site, doc.path, {}, day)
    url = ORIGINS[doc.site] + doc.path
    headers = {"Content-Type": ctype or rendered.content_type, "ETag": '"v1"'}
    return FetchedPage(
        url,
        url,
        status,
        headers,
        rendered.body if body is None else body,
        T0 + timedelta(days=day),
        {"User-Agent": "policywatch-test"},
    )


@pytest.fixture
def recorder(tmp_path):
    src = SourceConfig("sim-govcn", "govcn", (ORIGINS["govcn"] + "/zhengce/zuixin/home_0.htm",))
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", data_dir=str(tmp_path), sources=(src,))
    upgrade(make_engine(settings.database_url))
    ctx = open_context("sim-govcn", settings)
    return Recorder(ctx, WarcSink(tmp_path / "warc", "test"))


def test_new_then_stub_page_is_a_soft_404_not_a_revision(recorder):
    assert recorder.record(page("g01", 0)) == ["new"]
    stub = "<html><head><title>通知</title></head><body><h1>通知</h1><p>本栏目内容调整中。</p></body></html>"
    assert recorder.record(page("g01", 1, body=stub.encode())) == []  # no "revised"
    reconcile(recorder.ctx, recorder.log, T0 + timedelta(days=1), listing_complete=True, has_listing=False)
    with recorder.ctx.sessions() as s:
        kinds = [(e.kind, e.details.get("how")) for e in s.scalars(select(Event).order_by(Event.id))]
        assert kinds == [("new", None), ("suspected_removed", "soft_404")]
        suspected = s.scalars(select(Event).where(Event.kind == "suspected_removed")).one()
        ev = suspected.details["evidence"]
        assert ev["capture"]["outcome"] == "soft_404" and ev["capture"]["at"].startswith("2026-03-03")
        assert ev["last_ok"]["outcome"] == "ok" and ev["last_ok"]["at"].startswith("2026-03-02")
        assert ev["first_gone"] == ev["capture"]
        assert len(list(s.scalars(select(Version)))) == 1


def test_capture_keeps_raw_bytes_hashes_and_a_replayable_warc_record(recorder, tmp_path):
    fetched = page("g01", 0)
    recorder.record(fetched)
    with recorder.ctx.sessions() as s:
        cap = s.scalars(select(Capture)).one()
        assert zstandard.ZstdDecompressor().decompress(cap.raw_zstd) == fetched.body
        assert cap.raw_sha256 and cap.text_sha256 and cap.version_id and cap.encoding == "utf-8"
        with (tmp_path / "warc" / cap.warc_file).open("rb") as fh:
            fh.seek(cap.warc_offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == fetched.url
            assert record.content_stream().read() == fetched.body


def test_gbk_page_with_a_wrong_header_decodes_and_says_why(recorder):
    wrong = page("w04", 0)  # the sim sends charset=utf-8 on GBK bytes for this page
    assert "utf-8" in wrong.headers["Content-Type"]
    recorder.record(wrong)
    with recorder.ctx.sessions() as s:
        cap = s.scalars(select(Capture)).one()
        ver = s.get(Version, cap.version_id)
        assert cap.encoding == "gb18030" and "wrong" in cap.encoding_reason and cap.replacement_chars == 0
        assert ver.title == SCENARIO.document("w04").original.title


def test_not_modified_links_the_capture_to_the_current_version(recorder):
    recorder.record(page("g01", 0))
    assert recorder.record(page("g01", 1, status=304, body=b"")) == []
    with recorder.ctx.sessions() as s:
        caps = list(s.scalars(select(Capture).order_by(Capture.id)))
        assert [c.outcome for c in caps] == ["ok", "not_modified"] and caps[1].version_id == caps[0].version_id


def test_stub_rule():
    long_text = "第一条 " + "各地区各部门要认真贯彻落实。" * 30
    short = Extracted(PageKind.DOCUMENT, Metadata(title="提示"), "内容调整中")
    same_title = Extracted(PageKind.DOCUMENT, Metadata(title="原标题"), "内容调整中")
    assert is_stub_of(short, long_text, "原标题")
    assert not is_stub_of(same_title, long_text, "原标题")  # a shortened document keeps its title
    assert not is_stub_of(short, "短文", "原标题")  # too little history to judge


def test_removal_settled_at_run_end_queues_an_alert(recorder):
    from crawlers.recorder import RunLog
    from store.db import transaction
    from store.models import Alert
    from store.subscribers import subscribe

    with transaction(recorder.ctx.sessions) as s:
        subscribe(s, "r@example.org", ["社会信用体系"], T0)
    recorder.record(page("g01", 0))  # g01 mentions 社会信用体系
    for day in (2, 3, 4):
        recorder.log = RunLog()
        recorder.record(page("g01", day, status=404, body=b"<html>404</html>"))
        reconcile(recorder.ctx, recorder.log, T0 + timedelta(days=day), listing_complete=True, has_listing=False)
    with recorder.ctx.sessions() as s:
        alerted = [s.get(Event, a.event_id).kind for a in s.scalars(select(Alert).order_by(Alert.id))]
    assert alerted == ["new", "removed"]  # suspected_removed is not in the default alert_on
    with recorder.ctx.sessions() as s:
        removed = s.scalars(select(Event).where(Event.kind == "removed")).one()
    ev = removed.details["evidence"]
    assert ev["last_ok"]["at"].startswith("2026-03-02") and ev["first_gone"]["at"].startswith("2026-03-04")
    assert ev["capture"]["at"].startswith("2026-03-06") and ev["first_gone"]["outcome"] == "http_404"


def _variant(key: str, day: int, old: str, new: str) -> FetchedPage:
    fetched = page(key, day)
    body = fetched.body.decode("utf-8")
    assert old in body
    return FetchedPage(
        fetched.url,
        fetched.url,
        200,
        fetched.headers,
        body.replace(old, new, 1).encode("utf-8"),
        fetched.fetched_at,
        fetched.request_headers,
    )


def test_flip_flop_is_a_recapture_of_the_earlier_version(recorder):
    first = page("g06", 0)
    sentence = SCENARIO.document("g06").original.paragraphs[-2][:12]
    recorder.record(first)
    assert recorder.record(_variant("g06", 1, sentence, sentence + "（已修订）")) == ["revised"]
    again = FetchedPage(first.url, first.url, 200, first.headers, first.body, T0 + timedelta(days=2), {})
    assert recorder.record(again) == ["revised"]
    with recorder.ctx.sessions() as s:
        versions = list(s.scalars(select(Version).order_by(Version.seq)))
        caps = list(s.scalars(select(Capture).order_by(Capture.id)))
        last = s.scalars(select(Event).order_by(Event.id.desc())).first()
    assert [v.seq for v in versions] == [1, 2]  # no third version for A→B→A
    assert [c.version_id for c in caps] == [versions[0].id, versions[1].id, versions[0].id]
    assert last.details["reverted_to_version"] == 1 and last.details["class"] == "substantive"


def test_revision_classes_reach_events_and_cosmetic_ones_send_no_alert(recorder):
    from store.db import transaction
    from store.models import Alert
    from store.subscribers import subscribe

    with transaction(recorder.ctx.sessions) as s:
        subscribe(s, "r@example.org", ["社会信用体系"], T0)
    recorder.record(page("g01", 0))
    body = SCENARIO.document("g01").original.paragraphs[-2]
    punct = "。" if "。" in body else "，"
    recorder.record(_variant("g01", 1, punct, "；"))  # punctuation only
    with recorder.ctx.sessions() as s:
        revised = s.scalars(select(Event).where(Event.kind == "revised")).one()
        alerted = [s.get(Event, a.event_id).kind for a in s.scalars(select(Alert))]
    assert revised.details["class"] == "cosmetic" and alerted == ["new"]


def test_a_reprint_on_another_site_is_linked_to_its_original(recorder):
    from store.models import Reprint
    from store.queries import history

    original = page("g13", 1)
    recorder.record(original)
    recorder.record(page("g01", 1))  # unrelated document on the same site
    cover = "<p>现将国务院文件转发给你们，请结合实际认真贯彻执行。</p>"
    html = original.body.decode("utf-8").replace(
        '<div class="trs_editor_view', cover + '<div class="trs_editor_view', 1
    )
    assert cover in html
    copy_url = ORIGINS["trs"] + "/xxgk/zcwj/202603/t20260305_700001.html"
    recorder.record(
        FetchedPage(copy_url, copy_url, 200, original.headers, html.encode("utf-8"), T0 + timedelta(days=3), {})
    )
    with recorder.ctx.sessions() as s:
        (link,) = s.scalars(select(Reprint)).all()
        copy = s.get(Event, 3)
        assert copy.kind == "new" and copy.url == copy_url  # a reprint is a new document of its own site
        hist = history(s, copy_url)
    assert hist is not None
    assert 0.8 <= link.similarity < 1.0  # alike, not identical: the cover note differs
    assert hist["reprints"][0]["role"] == "original" and hist["reprints"][0]["url"] == original.url


def _remove_for_three_checks(recorder, key: str) -> None:
    from crawlers.recorder import RunLog

    for day in (2, 3, 4):
        recorder.log = RunLog()
        recorder.record(page(key, day, status=404, body=b"<html>404</html>"))
        reconcile(recorder.ctx, recorder.log, T0 + timedelta(days=day), listing_complete=True, has_listing=False)


def test_reappeared_unchanged_says_so(recorder):
    first = page("g02", 0)
    recorder.record(first)
    _remove_for_three_checks(recorder, "g02")
    back = FetchedPage(first.url, first.url, 200, first.headers, first.body, T0 + timedelta(days=5), {})
    assert recorder.record(back) == ["reappeared"]
    with recorder.ctx.sessions() as s:
        ev = s.scalars(select(Event).where(Event.kind == "reappeared")).one()
        v1 = s.scalars(select(Version)).one()
    assert ev.details["changed"] is False and ev.details["last_seen_seq"] == 1
    assert ev.details["last_seen_version"] == v1.id and ev.version_id == v1.id


def test_reappeared_with_new_text_carries_the_diff_against_the_last_version_seen(recorder):
    recorder.record(page("g02", 0))
    _remove_for_three_checks(recorder, "g02")
    para = SCENARIO.document("g02").original.paragraphs[-2]
    assert para.endswith("。")
    added = "，并建立失信惩戒对象名单制度"
    assert recorder.record(_variant("g02", 5, para, para[:-1] + added + "。")) == [
        "reappeared",
        "revised",
    ]
    with recorder.ctx.sessions() as s:
        ev = s.scalars(select(Event).where(Event.kind == "reappeared")).one()
        revised = s.scalars(select(Event).where(Event.kind == "revised")).one()
    d = ev.details
    assert d["changed"] is True and d["changes"] == ["revised"] and d["last_seen_seq"] == 1
    assert d["to_version"] == revised.version_id == ev.version_id
    assert d["class"] == "substantive" and d["inserted_chars"] == len(added) and d["deleted_chars"] == 0
    assert "{+" + added + "+}" in d["diff_text"]


def test_a_document_url_serving_a_column_page_is_a_soft_404_not_alive(recorder):
    recorder.record(page("g01", 0))
    column = RENDER.resolve("govcn", "/zhengce/zuixin/home_0.htm", {}, 1).body.decode("utf-8")
    head, rest = column.split('<ul class="list">', 1)
    items, tail = rest.split("</ul>", 1)
    assert items.count("<li>") >= 10  # it really is the column page; made long enough that the stub
    long_column = (head + '<ul class="list">' + items * 12 + "</ul>" + tail).encode()  # rule alone won't fire
    assert recorder.record(page("g01", 1, body=long_column)) == []  # neither "revised" nor a sign of life
    reconcile(recorder.ctx, recorder.log, T0 + timedelta(days=1), listing_complete=True, has_listing=False)
    with recorder.ctx.sessions() as s:
        kinds = [(e.kind, e.details.get("how")) for e in s.scalars(select(Event).order_by(Event.id))]
        assert len(list(s.scalars(select(Version)))) == 1
    assert kinds == [("new", None), ("suspected_removed", "soft_404")]


def test_only_a_successful_check_moves_the_next_check_back(recorder):
    from common.clock import to_utc

    recorder.record(page("g01", 0))  # first seen 2026-03-02, checked by a run started now: monthly
    started = recorder.ctx.started_at
    with recorder.ctx.sessions() as s:
        (doc,) = s.scalars(select(Document))
        assert to_utc(doc.next_check_at) == started + timedelta(days=30)
    recorder.ctx.started_at = started + timedelta(days=40)  # a later run, when the check was due
    for status in (503, 429, 0):  # outage, refusal, network error: the schedule is not moved
        recorder.record(page("g01", 1, status=status, body=b"" if status == 0 else b"<html>busy</html>"))
    with recorder.ctx.sessions() as s:
        (doc,) = s.scalars(select(Document))
        assert to_utc(doc.next_check_at) == started + timedelta(days=30)


def test_fetching_a_moved_documents_old_url_does_not_move_its_schedule(recorder):
    from common.clock import to_utc

    doc = SCENARIO.document("t06")
    old_url, new_url = ORIGINS["trs"] + doc.state(0).path, ORIGINS["trs"] + doc.state(4).path
    at = T0 + timedelta(days=4)

    def fetched(url: str, path: str, day: int) -> FetchedPage:
        body = RENDER.resolve("trs", path, {}, day).body
        return FetchedPage(url, url, 200, {"Content-Type": "text/html; charset=utf-8"}, body, at, {})

    recorder.record(fetched(old_url, doc.state(0).path, 0))
    assert recorder.record(fetched(new_url, doc.state(4).path, 4)) == ["moved"]
    with recorder.ctx.sessions() as s:
        (row,) = s.scalars(select(Document))
        assert row.url == new_url
        scheduled = to_utc(row.next_check_at)
    recorder.ctx.started_at += timedelta(days=40)  # a later run finds the old URL still serving it
    assert recorder.record(fetched(old_url, doc.state(0).path, 0)) == []
    with recorder.ctx.sessions() as s:
        (row,) = s.scalars(select(Document))
        assert to_utc(row.next_check_at) == scheduled


def test_byte_identical_page_is_an_unchanged_check_without_processing(tmp_path):
    src = SourceConfig("sim-govcn", "govcn", (ORIGINS["govcn"] + "/zhengce/zuixin/home_0.htm",))
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", data_dir=str(tmp_path), sources=(src,))
    upgrade(make_engine(settings.database_url))
    first = Recorder(open_context("sim-govcn", settings), None)
    assert first.record(page("g01", 0)) == ["new"]
    again = Recorder(open_context("sim-govcn", settings), None)  # a later run: its plan knows the bytes
    assert again.record(page("g01", 0)) == []
    assert again.log.stats["unchanged_bytes"] == 1
    changed = page("g01", 0, body=page("g01", 0).body.replace("。".encode(), "；".encode(), 1))
    assert again.unchanged(changed) is None  # other bytes are analysed again
    with again.ctx.sessions() as s:
        caps = list(s.scalars(select(Capture).order_by(Capture.id)))
        versions = list(s.scalars(select(Version)))
    assert len(caps) == 2 and len(versions) == 1
    assert caps[1].version_id == versions[0].id and caps[1].outcome == "ok" and caps[1].encoding is None


def test_warc_files_rotate_by_size_and_every_record_replays(tmp_path):
    sink = WarcSink(tmp_path / "warc", "rot", rotate_bytes=3000)
    bodies = [random.Random(i).randbytes(2000) for i in range(5)]  # incompressible: ~2 KB a record
    refs = [sink.write(f"http://x/{i}.html", 200, {"Content-Type": "text/html"}, b, {}) for i, b in enumerate(bodies)]
    files = sorted({name for name, _, _ in refs})
    assert len(files) == 3  # a file takes writes until it has reached 3000 bytes: two pairs each
    assert all((tmp_path / "warc" / f).stat().st_size < 3000 + 2600 for f in files)
    for (name, offset, length), body in zip(refs, bodies, strict=True):
        with (tmp_path / "warc" / name).open("rb") as fh:
            fh.seek(offset)
            chunk = fh.read(length)  # exactly the response record, as an exporter would cut it
        record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
        assert record.rec_type == "response" and record.content_stream().read() == body


def test_unanalysed_page_is_archived_raw_and_keeps_the_document_due(recorder):
    from processing.analyse import Analysis

    assert recorder.record(page("g01", 0)) == ["new"]
    with recorder.ctx.sessions() as s:
        due_before = s.scalars(select(Document)).one().next_check_at
    again = page("g01", 1)
    assert recorder.record(again, Analysis("ab" * 32, error="a processing worker died twice")) == []
    with recorder.ctx.sessions() as s:
        cap = s.scalars(select(Capture).order_by(Capture.id.desc())).first()
        doc = s.scalars(select(Document)).one()
    assert cap.outcome == "unprocessable" and "died" in cap.error and cap.raw_zstd and cap.version_id is None
    assert doc.next_check_at == due_before and doc.state == "active"


def test_watch_rules_filter_by_source_agency_and_event_and_deliver_by_mode(recorder, monkeypatch):
    import crawlers.alerting
    from store.db import transaction
    from store.models import Alert, Subscriber
    from store.subscribers import DeliveryPrefs, RuleSpec, add_rule, subscribe, unsubscribe, upsert_subscriber

    agency = SCENARIO.document("g01").agency
    source = recorder.ctx.source.name
    rules = {
        "both@x.org": (RuleSpec(keywords=("社会信用体系",), events=("new",)), "both"),
        "elsewhere@x.org": (RuleSpec(keywords=("社会信用体系",), sources=("another-column",)), "instant"),
        "agency@x.org": (RuleSpec(keywords=("社会信用体系",), agencies=(agency[2:6],), sources=(source,)), "digest"),
        "other-agency@x.org": (RuleSpec(keywords=("社会信用体系",), agencies=("海关总署",)), "instant"),
        "absent@x.org": (RuleSpec(phrases=("健康码赋码规则",)), "instant"),
        "revisions@x.org": (RuleSpec(keywords=("社会信用体系",), events=("revised",)), "instant"),
    }
    with transaction(recorder.ctx.sessions) as s:
        for email, (spec, mode) in rules.items():
            add_rule(s, upsert_subscriber(s, email, T0, DeliveryPrefs(delivery=mode)), spec, T0)
        subscribe(s, "gone@x.org", ["社会信用体系"], T0)
        unsubscribe(s, "gone@x.org", T0)
    recorder.record(page("g01", 0))  # new; g01 mentions 社会信用体系
    with recorder.ctx.sessions() as s:
        got = sorted(
            (s.get(Subscriber, a.subscriber_id).email, a.channel, tuple(a.keywords)) for a in s.scalars(select(Alert))
        )
    assert got == [
        ("agency@x.org", "digest", ("社会信用体系",)),
        ("both@x.org", "digest", ("社会信用体系",)),
        ("both@x.org", "instant", ("社会信用体系",)),
    ]
    # a subscriber added mid-crawl is matched once the rules are re-read
    monkeypatch.setattr(crawlers.alerting, "REFRESH_EVERY_S", 0.0)
    fragment = SCENARIO.document("g02").original.title[3:9]
    with transaction(recorder.ctx.sessions) as s:
        add_rule(s, upsert_subscriber(s, "late@x.org", T0), RuleSpec(phrases=(fragment,)), T0)
    recorder.record(page("g02", 0))
    with recorder.ctx.sessions() as s:
        late = s.scalars(select(Alert).join(Subscriber).where(Subscriber.email == "late@x.org")).all()
    assert [a.keywords for a in late] == [[fragment]]

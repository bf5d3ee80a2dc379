"""The store on real SQLite and real PostgreSQL: schema, versions, search, events, outbox."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from common.errors import StoreNotInitialised
from processing.analyse import search_text
from processing.query import parse_query
from processing.segment import default_segmenter
from processing.types import Extracted, KeywordHit, Metadata, PageKind
from store.db import make_engine, require_schema, transaction
from store.models import Capture, Version
from store.queries import events, history
from store.repo import (
    Content,
    FetchRecord,
    add_capture,
    add_event,
    add_version,
    create_document,
    document_by_url,
    ensure_source,
    find_moved_from,
    move_document,
)
from store.schema import upgrade
from store.search import search_versions
from web.searching import text_query

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
URL = "http://127.0.0.1:9/zhengce/content/202603/content_7000001.htm"


def content(text: str, title: str = "关于推进社会信用体系建设的意见", number: str = "国办发〔2026〕5号") -> Content:
    meta = Metadata(
        title=title,
        agency="国务院办公厅",
        doc_number=number,
        doc_number_norm=number,
        publish_date="2026-03-01",
        index_number="000014349/2026-00005",
        validity="有效",
    )
    ex = Extracted(PageKind.DOCUMENT, meta, text)
    return Content(
        ex,
        f"t-{hash(text)}",
        f"m-{hash(title)}",
        title,
        default_segmenter().index_text(title + text),
        (KeywordHit("社会信用体系", "social_credit", 1),),
        search_text=search_text(title, text),
    )


def record(url: str = URL, body: bytes = b"<html>raw</html>") -> FetchRecord:
    return FetchRecord(url, url, 200, "ok", T0, {"Content-Type": "text/html"}, body, "ab" * 32)


def add_doc(s, text="各地要加快推进社会信用体系建设。", url=URL):
    src = ensure_source(s, "sim-govcn", "govcn", {"start_urls": []}, T0)
    c = content(text)
    doc = create_document(s, src.id, url, T0, c)
    cap = add_capture(s, src.id, None, record(url), document_id=doc.id)
    ver = add_version(s, doc, cap, c, T0)
    add_event(s, "new", url, T0, source_id=src.id, document_id=doc.id, version_id=ver.id)
    return src, doc, ver


def test_uninitialised_archive_says_what_to_do(tmp_path):
    with pytest.raises(StoreNotInitialised, match="policywatch init"):
        require_schema(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))


def test_capture_keeps_compressed_raw_bytes_and_versions_append(sessions):
    body = "<html>社会信用体系</html>".encode() * 50
    with transaction(sessions) as s:
        src, doc, v1 = add_doc(s)
        cap = add_capture(s, src.id, None, record(body=body), document_id=doc.id)
        v2 = add_version(
            s, doc, cap, content("各地要加快推进社会信用体系建设，依法惩戒失信被执行人。"), T0 + timedelta(days=1)
        )
    with sessions() as s:
        stored = s.get(Capture, cap.id)
        import zstandard

        assert zstandard.ZstdDecompressor().decompress(stored.raw_zstd) == body
        assert stored.raw_size == len(body) and len(stored.raw_zstd) < len(body)
        seqs = [v.seq for v in s.scalars(select(Version).where(Version.document_id == doc.id).order_by(Version.seq))]
        assert seqs == [1, 2] and document_by_url(s, URL).current_version_id == v2.id
        assert v1.id != v2.id


def test_search_finds_every_version_including_removed_text(sessions):
    with transaction(sessions) as s:
        src, doc, _ = add_doc(s, "第一条 依法惩戒失信被执行人。")
        cap = add_capture(s, src.id, None, record(), document_id=doc.id)
        add_version(s, doc, cap, content("第一条 依法实施信用修复。"), T0 + timedelta(days=1))

    def search(q, mode="any"):
        query = parse_query(q)
        with sessions() as s:
            results = search_versions(s, text_query(query), mode=mode)
        return [(h.seq, h.current, h.matching_versions) for h in results.hits]

    assert search("失信被执行人") == [(1, False, [1])]
    assert search("失信被执行人", mode="removed") == [(1, False, [1])]
    assert search("信用修复") == [(2, True, [2])] and search("信用修复", mode="removed") == []
    assert search("关于推进社会信用体系建设的意见") == [(2, True, [2, 1])]  # the title, in both versions
    assert search("关于推进社会信用体系建设的意见", mode="removed") == []  # still in the current version
    assert search("健康码") == []


def test_search_folds_width_and_spacing_and_honours_every_part(sessions):
    texts = ["推进社会信用体系建设，ＣＯＶＩＤ－19 防控", "推进社会 信用体系建设，健康码", "推进社会信用体系建设",
             "社会信用体系、健康码、失信被执行人"]  # fmt: skip
    with transaction(sessions) as s:
        src = ensure_source(s, "sim-govcn", "govcn", {"start_urls": []}, T0)
        for i, body in enumerate(texts):
            c = content(body, title="通知")
            doc = create_document(s, src.id, f"{URL}?{i}", T0, c)
            add_version(s, doc, add_capture(s, src.id, None, record(f"{URL}?{i}"), document_id=doc.id), c, T0)
    query = parse_query("社会信用体系 健康码 OR covid-19 -失信被执行人")
    with sessions() as s:
        found = {h.url for h in search_versions(s, text_query(query)).hits}
    # not the third (its OR group has no term in it), not the fourth (an excluded term)
    assert found == {f"{URL}?0", f"{URL}?1"}
    with sessions() as s:  # the page wrote ＣＯＶＩＤ in full width: the index holds it so, the query is folded
        for q in ("covid", "COVID", "ｃｏｖｉｄ", "Covid 防控"):
            assert [h.url for h in search_versions(s, text_query(parse_query(q))).hits] == [f"{URL}?0"], q


def test_history_and_events_are_json_ready(sessions):
    with transaction(sessions) as s:
        add_doc(s)
    with sessions() as s:
        h = history(s, URL)
        assert h is not None and h["versions"][0]["title"] == "关于推进社会信用体系建设的意见"
        cite = h["versions"][0]["citation"]
        assert "国办发〔2026〕5号" in cite and "(北京时间 2026-03-02 10:00)" in cite and "SHA-256 " in cite
        evs = events(s)
        assert [(e["kind"], e["url"]) for e in evs] == [("new", URL)] and evs[0]["at"] == "2026-03-02T02:00:00Z"
        assert events(s, since=T0 + timedelta(seconds=1)) == []
        assert history(s, "http://nowhere/") is None


def test_move_keeps_history_and_old_url(sessions):
    new_url = URL.replace("7000001", "7000099")
    with transaction(sessions) as s:
        _, doc, _ = add_doc(s)
        found = find_moved_from(s, "127.0.0.1:9", new_url, content("x"))
        assert found is not None and found.id == doc.id
        assert (
            find_moved_from(s, "127.0.0.1:9", new_url, content("x", number="国办发〔2026〕6号", title="另一个文件"))
            is None
        )
        assert move_document(s, doc, new_url, T0) == URL
    with sessions() as s:
        assert document_by_url(s, URL).id == document_by_url(s, new_url).id == doc.id


def test_an_archive_behind_the_code_must_be_upgraded_first(tmp_path):
    from alembic import command

    from store.schema import alembic_config, head_revision

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0011")
    with pytest.raises(StoreNotInitialised, match=f"schema version 0011, this policywatch needs {head_revision()}"):
        require_schema(engine)
    upgrade(engine)
    require_schema(engine)


def test_search_reads_the_newest_matches_up_to_the_cap_and_estimates_the_rest(sessions):
    from processing.query import parse_query
    from web.searching import text_query

    with transaction(sessions) as s:
        for i in range(30):
            add_doc(s, text=f"第{i}条 加快推进社会信用体系建设。", url=f"http://127.0.0.1:9/doc{i}.htm")
    query = text_query(parse_query("社会信用体系 建设"))
    with sessions() as s:
        capped = search_versions(s, query, cap=10, size=50)
        everything = search_versions(s, query, cap=None, size=50)
        newest = s.scalars(select(Version.document_id).order_by(Version.id.desc()).limit(10)).all()
    assert capped.truncated and capped.total == 10 and {h.doc_id for h in capped.hits} == set(newest)
    assert capped.estimated_total == 30  # every candidate matched: the estimate is exact
    assert not everything.truncated and everything.total == 30 and everything.estimated_total is None

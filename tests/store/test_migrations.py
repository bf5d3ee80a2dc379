"""Migrations on archives that hold data (not only on empty ones), SQLite and PostgreSQL."""

from alembic import command
from sqlalchemy import text

from store.db import make_engine, session_factory
from store.schema import alembic_config, upgrade
from store.subscribers import all_subscribers


def test_0010_moves_keyword_lists_into_watch_rules_and_keeps_alerts(db_url):
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0009")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO subscriber (id, email, name, keywords, events, active, created_at) VALUES "
            "(1, 'r@example.org', 'R', :kw, '[]', true, '2026-03-02 02:00:00+00:00')"
        ), {"kw": '["社会信用体系", "健康码"]'})  # fmt: skip
        conn.execute(text(
            "INSERT INTO source (id, name, kind, config, created_at) VALUES (1, 's', 'urls', '{}', '2026-03-02')"
        ))  # fmt: skip
        event = "INSERT INTO event (id, kind, url, at, details) VALUES (1, 'new', 'http://x/', '2026-03-02', '{}')"
        conn.execute(text(event))
        conn.execute(text(
            "INSERT INTO alert (id, subscriber_id, event_id, keywords, status, attempts, created_at, message_id) "
            "VALUES (1, 1, 1, :kw, 'sent', 1, '2026-03-02', '<alert-1@x>')"
        ), {"kw": '["健康码"]'})  # fmt: skip
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as s:
        ((sub, rules),) = all_subscribers(s)
        assert (sub.email, sub.delivery, sub.language, sub.digest_hour, sub.timezone) == (
            "r@example.org", "instant", "zh", 8, "Asia/Shanghai",
        )  # fmt: skip
        assert [r.keywords for r in rules] == [["社会信用体系", "健康码"]]
        row = s.execute(text("SELECT channel, status, message_id, digest_id FROM alert WHERE id = 1")).one()
        assert tuple(row) == ("instant", "sent", "<alert-1@x>", None)
    with engine.begin() as conn:  # new alert ids continue after the copied ones (the PostgreSQL sequence)
        conn.execute(text(
            "INSERT INTO alert (subscriber_id, event_id, channel, keywords, status, attempts, created_at) "
            "VALUES (1, 1, 'digest', '[]', 'pending', 0, '2026-03-03')"
        ))  # fmt: skip
        assert conn.execute(text("SELECT MAX(id) FROM alert")).scalar() == 2
    engine.dispose()


def test_0011_fills_the_folded_search_text_of_existing_versions(db_url):
    from processing.analyse import search_text

    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0010")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO source (id, name, kind, config, created_at) VALUES (1, 's', 'urls', '{}', '2026-03-02')")
        )
        conn.execute(text(
            "INSERT INTO document (id, source_id, host, url, first_seen, state, failures, listed) "
            "VALUES (1, 1, 'h', 'http://h/1', '2026-03-02', 'active', 0, false)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO capture (id, source_id, document_id, url, final_url, status, outcome, fetched_at, "
            "headers, raw_size, replacement_chars) "
            "VALUES (1, 1, 1, 'http://h/1', 'http://h/1', 200, 'ok', '2026-03-02', '{}', 0, 0)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO version (id, document_id, seq, capture_id, created_at, text, text_sha256, meta_sha256, "
            "title, attachments, page_meta, index_text) "
            "VALUES (1, 1, 1, 1, '2026-03-02', :body, 't', 'm', :title, '[]', '{}', '')"
        ), {"body": "加强ＣＯＶＩＤ－19防控", "title": "关于 疫情防控的通知"})  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT search_text FROM version WHERE id = 1")).scalar()
    assert (
        stored == search_text("关于 疫情防控的通知", "加强ＣＯＶＩＤ－19防控") == "关于疫情防控的通知\n加强covid-19防控"
    )
    engine.dispose()


def test_the_migrations_build_exactly_the_models_schema(db_url):
    """Every table, column, index and unique constraint of store.models comes from a migration (the
    full-text index, FTS5 tables or the tsvector index, is the migrations' own, not a model's)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.models import Base

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    fulltext = ("version_fts", "ix_version_tsv")
    assert [d for d in diffs if not (d[0].startswith("remove_") and str(d[1].name).startswith(fulltext))] == []

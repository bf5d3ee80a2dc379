"""Subscriber, alert and status commands on a real SQLite archive and a real SMTP server."""

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from cli import main
from store.db import make_engine, session_factory, transaction
from store.models import Alert
from store.repo import add_event
from store.schema import upgrade
from store.subscribers import subscriber_by_email

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)


@pytest.fixture
def cfg(tmp_path, smtp_sink):
    path = tmp_path / "policywatch.toml"
    path.write_text(
        f'database_url = "sqlite:///{tmp_path / "a.db"}"\nsecret_key = "k"\nsmtp_port = {smtp_sink.port}\n'
        'mail_from = "pw <pw@example.org>"\n\n[[sources]]\nname = "tianjin"\nkind = "trs"\n'
        'start_urls = ["http://www.tj.gov.cn/zwgk/index.html"]\n',
        encoding="utf-8",
    )
    upgrade(make_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    return path


def run(cfg, *args, ok=True):
    res = CliRunner().invoke(main, ["--config", str(cfg), *args])
    assert (res.exit_code == 0) == ok, res.output
    return res.output


def test_subscribe_with_rules_list_and_unsubscribe(cfg):
    out = run(cfg, "subscribe", "r@example.org", "--keywords", "社会信用体系，全国文明城市",
              "--phrases", "文明城市测评", "--source", "tianjin", "--events", "new,revised_substantive",
              "--delivery", "both", "--lang", "en", "--digest-hour", "7")  # fmt: skip
    assert "r@example.org (both, en) — rule 1: keywords 社会信用体系、全国文明城市; phrases 文明城市测评" in out
    run(cfg, "subscribe", "r@example.org", "--keywords", "网格化管理")
    data = json.loads(run(cfg, "subscribers", "--json"))
    assert [r["keywords"] for r in data[0]["rules"]] == [["社会信用体系", "全国文明城市"], ["网格化管理"]]
    assert data[0]["rules"][0]["events"] == ["new", "revised_substantive"] and data[0]["digest_hour"] == 7
    run(cfg, "subscribe", "r@example.org", "--keywords", "健康码", "--replace")
    assert "rule 3: keywords 健康码; default events" in run(cfg, "subscribers")
    assert "r@example.org unsubscribed" in run(cfg, "unsubscribe", "r@example.org")
    assert "[unsubscribed]" in run(cfg, "subscribers")
    assert "is not a subscriber" in run(cfg, "unsubscribe", "x@example.org", ok=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--keywords", "信用", "--source", "nowhere"], "unknown source(s) nowhere"),
        (["--keywords", "信用", "--events", "deleted"], "unknown event kind(s) deleted"),
        (["--phrases", " "], "at least one keyword or phrase"),
        (["--keywords", "信用", "--timezone", "Mars/Base"], "time zone 'Mars/Base' is unknown"),
    ],
)
def test_subscribe_errors_say_what_to_fix(cfg, args, message):
    out = run(cfg, "subscribe", "r@example.org", *args, ok=False)
    assert message in out and "Traceback" not in out


def _owe_one(cfg, channel="instant"):
    from tests.store.test_archive import add_doc

    sessions = session_factory(make_engine(f"sqlite:///{cfg.parent / 'a.db'}"))
    run(cfg, "subscribe", "r@example.org", "--keywords", "社会信用体系", "--delivery", "both" if channel else "instant")
    with transaction(sessions) as s:
        _, doc, ver = add_doc(s)
        sub = subscriber_by_email(s, "r@example.org")
        ev = add_event(s, "new", "http://127.0.0.1:9/x", T0, document_id=doc.id, version_id=ver.id)
        rows = [{"subscriber_id": sub.id, "event_id": ev.id, "channel": c, "keywords": ["社会信用体系"],
                 "status": "pending", "attempts": 0, "created_at": T0} for c in ("instant", "digest")]  # fmt: skip
        s.execute(insert(Alert), rows)


def test_dry_run_sends_nothing_then_dispatch_and_digest_send(cfg, smtp_sink):
    _owe_one(cfg)
    out = run(cfg, "alerts", "dispatch", "--dry-run")
    assert "alert 1 → r@example.org: [policywatch] 新文件: 关于推进社会信用体系建设的意见" in out
    assert "next daily digest" in out and smtp_sink.messages == []
    assert "sent 1, failed 0" in run(cfg, "alerts", "dispatch")
    assert "1 digests built; sent 1, failed 0" in run(cfg, "alerts", "digest", "--now", "2026-03-03T01:00:00+00:00")
    assert "0 digests built; sent 0" in run(cfg, "alerts", "digest", "--now", "2026-03-03T02:00:00+00:00")
    assert [m["Message-ID"] for m in smtp_sink.messages] == ["<alert-1@example.org>", "<digest-1@example.org>"]


def test_alerts_test_sends_a_sample_and_reports_a_down_server(cfg, smtp_sink):
    assert "sent '[policywatch] revised:" in run(cfg, "alerts", "test", "me@example.org", "--lang", "en")
    (msg,) = smtp_sink.messages
    assert msg["To"] == "me@example.org" and "policywatch 测试邮件" in str(msg["Subject"])
    smtp_sink.stop()
    out = run(cfg, "alerts", "test", "me@example.org", ok=False)
    assert "could not send alert mail via SMTP server 127.0.0.1" in out and "Traceback" not in out
    smtp_sink.start()


def test_status_shows_sources_blocked_hosts_and_the_backlog(cfg):
    _owe_one(cfg)
    out = run(cfg, "status")
    assert out.splitlines()[0].split() == ["source", "last", "run", "outcome", "next", "run", "due"]
    assert out.splitlines()[1].split()[0] == "tianjin" and "blocked hosts: none" in out
    assert "outbox: alerts pending 1, digest items pending 1" in out
    data = json.loads(run(cfg, "status", "--json"))
    assert data["sources"][0]["source"] == "tianjin" and data["sources"][0]["last_job"] is None
    assert data["outbox"] == {"alerts pending": 1, "digest items pending": 1} and data["archive"]["documents"] == 1


def test_admin_create_and_list(cfg):
    assert "r@example.org is now an admin; they sign in at http://127.0.0.1:8000/signin" in run(
        cfg, "admin", "create", "r@example.org"
    )
    assert "already an admin" in run(cfg, "admin", "create", "r@example.org")
    assert "is not an e-mail address" in run(cfg, "admin", "create", "nobody", ok=False)
    assert run(cfg, "admin", "list").split() == ["r@example.org"]

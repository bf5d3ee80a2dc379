"""Alert e-mails composed and delivered to a real SMTP server (aiosmtpd)."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from alerts.compose import compose, kwic, message_id
from alerts.dispatch import dispatch
from alerts.sink import free_port
from common.settings import Settings
from store.db import transaction
from store.outbox import AlertItem, enqueue_alert, outbox_counts, upsert_subscriber
from store.repo import add_event

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
OLD = "第一条　为推进社会信用体系建设，制定本办法。\n第二条　依法惩戒失信行为。"
NEW = "第一条　为推进社会信用体系建设，制定本办法。\n第二条　依法依规对失信被执行人实施联合惩戒。"


def item(**kw) -> AlertItem:
    base = AlertItem(
        7,
        "r@example.org",
        "R",
        ("社会信用体系",),
        "revised",
        T0,
        "http://gov.example/t1.html",
        {},
        "关于<script>alert(1)</script>的通知",
        "某省人民政府办公厅",
        "某政办发〔2026〕3号",
        NEW,
        1,
        2,
        previous_text=OLD,
    )
    return replace(base, **kw)


def test_compose_multipart_utf8_with_escaped_untrusted_text():
    msg = compose(item(), sender="pw <pw@example.org>", base_url="https://pw.example", secret="k")
    raw = msg.as_bytes()
    assert b"Subject: [policywatch] =?utf-8?b?" in raw  # RFC 2047 encoded-words, raw bytes stay ASCII
    assert raw.isascii()
    assert msg["Message-ID"] == message_id(7) == "<alert-7@policywatch.local>"
    assert msg["List-Unsubscribe"].startswith("<https://pw.example/unsubscribe?token=")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "社会信用体系" in text and "+ " in text and "联合惩戒" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ins" in html and "<del" in html and "Traceback" not in text + html


def test_attachment_change_mail_names_the_file_and_shows_its_diff():
    details = {"attachment_url": "http://gov.example/P0<b>.pdf", "attachment_name": "办法全文.pdf"}
    msg = compose(
        item(event_kind="attachment_changed", details=details), sender="pw@x", base_url="http://pw", secret="k"
    )
    assert str(msg["Subject"]).startswith("[policywatch] 附件修改: ")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "附件 Attachment: 办法全文.pdf http://gov.example/P0<b>.pdf" in text
    assert "- 惩戒失信行为\n+ 依规对失信被执行人实施联合惩戒" in text, text
    assert "P0&lt;b&gt;.pdf" in html and "<b>.pdf" not in html  # the file URL is escaped
    assert "<ins" in html and "<del" in html


def test_kwic_gives_context_around_each_hit():
    assert kwic("甲乙丙社会信用体系丁戊", "社会信用体系", width=2) == ["乙丙社会信用体系丁戊"]


def _queue(sessions, kinds=("社会信用体系",)):
    from tests.store.test_archive import add_doc

    with transaction(sessions) as s:
        _, _, ver = add_doc(s)
        sub = upsert_subscriber(s, "r@example.org", list(kinds), T0)
        ev = add_event(
            s, "new", ver.title and "http://127.0.0.1:9/x", T0, document_id=ver.document_id, version_id=ver.id
        )
        enqueue_alert(s, sub.id, ev.id, list(kinds), T0)


def test_dispatch_sends_once_and_rerun_sends_nothing(sessions, smtp_sink):
    _queue(sessions)
    settings = Settings(secret_key="k", smtp_host="127.0.0.1", smtp_port=smtp_sink.port)
    first = dispatch(sessions, settings, now=T0)
    again = dispatch(sessions, settings, now=T0)
    assert (first.sent, again.sent) == (1, 0)
    assert len(smtp_sink.messages) == 1
    got = smtp_sink.messages[0]
    assert got["To"] == "r@example.org" and "社会信用体系" in str(got["Subject"])
    with sessions() as s:
        assert outbox_counts(s) == {"sent": 1}


def test_smtp_down_keeps_alert_queued_with_a_readable_error(sessions):
    _queue(sessions)
    settings = Settings(secret_key="k", smtp_host="127.0.0.1", smtp_port=free_port())
    result = dispatch(sessions, settings, now=T0)
    assert (result.sent, result.failed) == (0, 1)
    from sqlalchemy import select

    from store.models import Alert

    with sessions() as s:
        alert = s.scalars(select(Alert)).one()
        assert alert.status == "pending" and alert.attempts == 1
        assert "SMTP server 127.0.0.1" in alert.last_error and "retried" in alert.last_error


@pytest.mark.parametrize("security", ["starttls"])
def test_starttls_against_a_server_without_it_is_an_alert_error(sessions, smtp_sink, security):
    _queue(sessions)
    settings = Settings(secret_key="k", smtp_host="127.0.0.1", smtp_port=smtp_sink.port, smtp_security=security)
    assert dispatch(sessions, settings, now=T0).failed == 1 and smtp_sink.messages == []


def test_dispatch_refuses_to_send_unsigned_unsubscribe_links(sessions, smtp_sink):
    from common.errors import ConfigError

    _queue(sessions)
    with pytest.raises(ConfigError, match="POLICYWATCH_SECRET_KEY"):
        dispatch(sessions, Settings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port), now=T0)
    assert smtp_sink.messages == []


def test_two_dispatchers_at_once_send_each_alert_once(sessions, smtp_sink):
    import threading

    from tests.store.test_archive import add_doc

    with transaction(sessions) as s:
        _, _, ver = add_doc(s)
        for i in range(12):
            sub = upsert_subscriber(s, f"r{i}@example.org", ["社会信用体系"], T0)
            ev = add_event(s, "new", "http://127.0.0.1:9/x", T0, document_id=ver.document_id, version_id=ver.id)
            enqueue_alert(s, sub.id, ev.id, ["社会信用体系"], T0)
    settings = Settings(secret_key="k", smtp_host="127.0.0.1", smtp_port=smtp_sink.port)
    threads = [threading.Thread(target=dispatch, args=(sessions, settings), kwargs={"now": T0}) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == 12 and len(set(ids)) == 12


def test_only_stale_claims_are_sent_again(sessions, smtp_sink):
    from datetime import timedelta

    from store.outbox import claim_pending

    _queue(sessions)
    with transaction(sessions) as s:
        (claimed,) = claim_pending(s, T0)  # a dispatcher claimed it, then died before marking it
    settings = Settings(secret_key="k", smtp_host="127.0.0.1", smtp_port=smtp_sink.port)
    assert dispatch(sessions, settings, now=T0 + timedelta(minutes=1)).sent == 0  # the claim is still fresh
    later = dispatch(sessions, settings, now=T0 + timedelta(hours=1))
    assert (later.released, later.sent) == (1, 1)
    assert smtp_sink.messages[0]["Message-ID"] == f"<alert-{claimed}@policywatch.local>"


def test_removal_mail_carries_the_evidence():
    details = {"how": "http_404", "failures": 3, "first_failure_at": "2026-03-04T02:00:00+00:00"}
    msg = compose(
        item(event_kind="removed", details=details, previous_text=None),
        sender="pw <pw@x.org>",
        base_url="https://pw.example",
        secret="k",
    )
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "http_404, 3 failed checks since 2026-03-04T02:00:00+00:00" in text
    assert "http_404, 3 failed checks" in html and "<ins" not in html

"""Alert and digest e-mails composed and delivered to a real SMTP server (aiosmtpd)."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from alerts.compose import MailContext, compose, compose_digest, message_id
from alerts.dispatch import dispatch
from alerts.render import unsubscribe_token
from alerts.sink import free_port
from common.settings import Settings
from common.tokens import verify
from processing.query import kwic
from store.db import transaction
from store.digests import DigestItem, assign_digests
from store.models import Alert, Digest
from store.outbox import AlertItem, claim, outbox_counts
from store.repo import add_event
from store.subscribers import DeliveryPrefs, RuleSpec, add_rule, subscribe, upsert_subscriber

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
OLD = "第一条　为推进社会信用体系建设，制定本办法。\n第二条　依法惩戒失信行为。"
NEW = "第一条　为推进社会信用体系建设，制定本办法。\n第二条　依法依规对失信被执行人实施联合惩戒。"
CTX = MailContext("pw <pw@example.org>", "https://pw.example", "k", "example.org")


def item(**kw) -> AlertItem:
    base = AlertItem(
        7, "r@example.org", "R", ("社会信用体系",), "revised", T0, "http://gov.example/t1.html", {},
        "关于<script>alert(1)</script>的通知", "某省人民政府办公厅", "某政办发〔2026〕3号", NEW, 1, 2,
        previous_text=OLD, capture_sha256="ab" * 32, captured_at=T0,
    )  # fmt: skip
    return replace(base, **kw)


def parts(msg):
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_compose_multipart_utf8_with_escaped_untrusted_text():
    msg = compose(item(), CTX)
    raw = msg.as_bytes()
    assert b"Subject: [policywatch] =?utf-8?b?" in raw  # RFC 2047 encoded-words, raw bytes stay ASCII
    assert raw.isascii()
    assert msg["Message-ID"] == message_id("alert", 7, "example.org") == "<alert-7@example.org>"
    token = unsubscribe_token("r@example.org", "k")
    assert msg["List-Unsubscribe"] == f"<https://pw.example/unsubscribe?token={token}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert verify("unsubscribe", token, "k") == "r@example.org" and verify("unsubscribe", token, "other") is None
    assert msg.get_content_type() == "multipart/alternative"
    text, html = parts(msg)
    assert "社会信用体系" in text and "+ " in text and "联合惩戒" in text
    assert "存档: https://pw.example/documents/1/versions/2" in text
    assert f"SHA-256 {'ab' * 32}" in text and "Captured 2026-03-02T02:00:00Z (北京时间 2026-03-02 10:00)" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ins" in html and "<del" in html and "Traceback" not in text + html


def test_english_framing_keeps_the_documents_chinese():
    text, html = parts(compose(item(language="en"), CTX))
    assert text.startswith("revised (revised) — 关于<script>alert(1)</script>的通知")
    assert "Agency: 某省人民政府办公厅" in text and "Keywords:" in text and "Unsubscribe:" in text
    assert "发文机关" not in text and "Archived copy" in html


def test_attachment_change_mail_names_the_file_and_shows_its_diff():
    details = {"attachment_url": "http://gov.example/P0<b>.pdf", "attachment_name": "办法全文.pdf"}
    msg = compose(item(event_kind="attachment_changed", details=details), CTX)
    assert str(msg["Subject"]).startswith("[policywatch] 附件修改: ")
    text, html = parts(msg)
    assert "附件: 办法全文.pdf http://gov.example/P0<b>.pdf" in text
    assert "- 惩戒失信行为\n+ 依规对失信被执行人实施联合惩戒" in text, text
    assert "P0&lt;b&gt;.pdf" in html and "<b>.pdf" not in html  # the file URL is escaped
    assert "<ins" in html and "<del" in html


def test_kwic_gives_context_around_each_hit():
    hits = kwic("甲乙丙社会信用体系丁戊，又\n见社会信用体系。", "社会信用体系", width=2)
    assert [(s.before, s.hit, s.after) for s in hits] == [
        ("乙丙", "社会信用体系", "丁戊"),
        ("见", "社会信用体系", "。"),
    ]
    assert [(s.before, s.after) for s in kwic("a COVID b", "covid", width=2)] == [("a ", " b")]
    assert kwic("甲乙丙", "社会") == [] and kwic("甲乙", "") == []
    assert [s.hit for s in kwic("İİİ xyz", "XYZ")] == ["xyz"]  # İ grows when lower-cased: positions from the text


def test_removal_mail_carries_the_evidence():
    details = {"how": "http_404", "failures": 3, "first_failure_at": "2026-03-04T02:00:00+00:00"}
    text, html = parts(compose(item(event_kind="removed", details=details, previous_text=None), CTX))
    assert "证据: http_404, 3 次检查失败，自 2026-03-04T02:00:00+00:00" in text
    assert "http_404, 3 次检查失败" in html and "<ins" not in html


def test_digest_groups_events_by_document():
    a = item(alert_id=1, event_kind="new", previous_text=None)
    b = item(alert_id=2, event_at=T0 + timedelta(hours=1))
    c = item(alert_id=3, document_id=9, version_id=10, title="另一份文件", event_kind="new", previous_text=None)
    msg = compose_digest(DigestItem(5, "r@example.org", "R", "zh", "2026-03-02", (a, c, b)), CTX)
    assert msg["Message-ID"] == "<digest-5@example.org>"
    assert "每日摘要 2026-03-02: 2 份文件" in str(msg["Subject"])
    text, html = parts(msg)
    first, second = text.index("==== 1. 关于<script>"), text.index("==== 2. 另一份文件")
    assert first < text.index("新文件 (new)") < text.index("内容修改 (revised)") < second  # both events of doc 1
    assert html.count("<h2") == 2 and html.count("<h3") == 3 and "&lt;script&gt;" in html and "<script>" not in html


def _queue(sessions, n=1, emails=("r@example.org",)):
    from tests.store.test_archive import add_doc

    with transaction(sessions) as s:
        _, _, ver = add_doc(s)
        for email in emails:
            sub = subscribe(s, email, ["社会信用体系"], T0)
            for _ in range(n):
                ev = add_event(s, "new", "http://127.0.0.1:9/x", T0, document_id=ver.document_id, version_id=ver.id)
                s.execute(insert(Alert), [{"subscriber_id": sub.id, "event_id": ev.id, "channel": "instant",
                                           "keywords": ["社会信用体系"], "status": "pending", "attempts": 0,
                                           "created_at": T0}])  # fmt: skip


def smtp(port, **kw):
    return Settings(secret_key="k", smtp_host="127.0.0.1", smtp_port=port, **kw)


def test_dispatch_sends_once_and_rerun_sends_nothing(sessions, smtp_sink):
    _queue(sessions)
    first = dispatch(sessions, smtp(smtp_sink.port), now=T0)
    again = dispatch(sessions, smtp(smtp_sink.port), now=T0)
    assert (first.sent, again.sent) == (1, 0)
    assert len(smtp_sink.messages) == 1
    got = smtp_sink.messages[0]
    assert got["To"] == "r@example.org" and "社会信用体系" in str(got["Subject"])
    with sessions() as s:
        assert outbox_counts(s) == {"alerts sent": 1}
        assert s.scalar(select(Alert.message_id)) == got["Message-ID"] == "<alert-1@localhost>"


def test_smtp_outage_then_recovery_delivers_everything_exactly_once(sessions, smtp_sink):
    _queue(sessions, n=3)
    smtp_sink.stop()
    down = dispatch(sessions, smtp(smtp_sink.port), now=T0)
    assert (down.sent, down.failed) == (0, 1)  # the first failure stops the pass; the rest wait untouched
    with sessions() as s:
        rows = s.scalars(select(Alert).order_by(Alert.id)).all()
        assert [(a.status, a.attempts) for a in rows] == [("pending", 1), ("pending", 0), ("pending", 0)]
        assert "SMTP server 127.0.0.1" in rows[0].last_error and "retried" in rows[0].last_error
    smtp_sink.start()
    soon = dispatch(sessions, smtp(smtp_sink.port), now=T0 + timedelta(minutes=1))
    assert soon.sent == 2  # the failed one backs off for 2 minutes
    later = dispatch(sessions, smtp(smtp_sink.port), now=T0 + timedelta(minutes=3))
    assert later.sent == 1
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert sorted(ids) == [f"<alert-{i}@localhost>" for i in (1, 2, 3)]


def test_a_mail_refused_after_data_is_not_marked_sent(sessions, smtp_sink):
    _queue(sessions, emails=("gone@example.org", "tmp@example.org"))
    smtp_sink.refuse.update(
        {"gone@example.org": "550 5.1.1 mailbox unavailable", "tmp@example.org": "451 4.3.0 try later"}
    )
    result = dispatch(sessions, smtp(smtp_sink.port), now=T0)
    assert result.sent == 0 and smtp_sink.messages == []
    with sessions() as s:
        rows = {a.id: a for a in s.scalars(select(Alert))}
        assert rows[1].status == "failed" and "550" in rows[1].last_error and rows[1].message_id is None
        # one mail's refusal does not stop the pass: the next one was tried, refused for now, queued again
        assert (rows[2].status, rows[2].attempts) == ("pending", 1) and "451" in rows[2].last_error


@pytest.mark.parametrize("security", ["starttls"])
def test_starttls_against_a_server_without_it_is_an_alert_error(sessions, smtp_sink, security):
    _queue(sessions)
    assert dispatch(sessions, smtp(smtp_sink.port, smtp_security=security), now=T0).failed == 1
    assert smtp_sink.messages == []


def test_dispatch_refuses_to_send_unsigned_unsubscribe_links(sessions, smtp_sink):
    from common.errors import ConfigError

    _queue(sessions)
    with pytest.raises(ConfigError, match="POLICYWATCH_SECRET_KEY"):
        dispatch(sessions, Settings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port), now=T0)
    assert smtp_sink.messages == []


def test_two_dispatchers_at_once_send_each_alert_once(sessions, smtp_sink):
    _queue(sessions, emails=[f"r{i}@example.org" for i in range(12)])
    settings = smtp(smtp_sink.port)
    threads = [threading.Thread(target=dispatch, args=(sessions, settings), kwargs={"now": T0}) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == 12 and len(set(ids)) == 12


def test_a_dead_dispatchers_claim_is_sent_once_its_lease_lapses(sessions, smtp_sink):
    _queue(sessions)
    with transaction(sessions) as s:
        ((claimed, _token),) = claim(s, Alert, T0, timedelta(minutes=5))  # claimed, then the dispatcher died
    settings = smtp(smtp_sink.port, alert_claim_lease_s=300)
    assert dispatch(sessions, settings, now=T0 + timedelta(minutes=1)).sent == 0  # the claim is still fresh
    assert dispatch(sessions, settings, now=T0 + timedelta(minutes=6)).sent == 1
    assert [m["Message-ID"] for m in smtp_sink.messages] == [f"<alert-{claimed}@localhost>"]


def test_a_holder_whose_claim_was_taken_over_sends_nothing(sessions, smtp_sink):
    from alerts.smtp import send
    from store.outbox import commit_sent

    _queue(sessions)
    with transaction(sessions) as s:
        ((alert_id, old),) = claim(s, Alert, T0, timedelta(minutes=5))
        claim(s, Alert, T0 + timedelta(minutes=6), timedelta(minutes=5))  # another dispatcher takes it over

    def hand_over(final_dot):
        return commit_sent(sessions, Alert, alert_id, old, "<x@y>", T0, final_dot)

    msg = compose(item(email="r@example.org"), CTX)
    assert send(msg, smtp(smtp_sink.port), hand_over) == "declined"
    assert smtp_sink.messages == []  # the server never got the final dot, so it kept nothing


def test_digest_subscribers_get_one_mail_per_day(sessions, smtp_sink):
    from tests.store.test_archive import add_doc

    with transaction(sessions) as s:
        _, doc, ver = add_doc(s)
        sub = upsert_subscriber(s, "d@example.org", T0, DeliveryPrefs(delivery="both", language="en"))
        add_rule(s, sub, RuleSpec(keywords=("社会信用体系",)), T0)
        for hours in (-5, -4):
            ev = add_event(s, "new", "http://127.0.0.1:9/x", T0 + timedelta(hours=hours), document_id=doc.id,
                           version_id=ver.id)  # fmt: skip
            rows = [{"subscriber_id": sub.id, "event_id": ev.id, "channel": c, "keywords": ["社会信用体系"],
                     "status": "pending", "attempts": 0, "created_at": T0 + timedelta(hours=hours)}
                    for c in ("instant", "digest")]  # fmt: skip
            s.execute(insert(Alert), rows)
    with transaction(sessions) as s:
        assert len(assign_digests(s, T0)) == 1
    result = dispatch(sessions, smtp(smtp_sink.port), now=T0)
    assert result.sent == 3  # two instant mails and one digest
    digest = [m for m in smtp_sink.messages if m["Message-ID"].startswith("<digest-")]
    assert len(digest) == 1 and "Daily digest 2026-03-02: 1 documents" in str(digest[0]["Subject"])
    with transaction(sessions) as s:
        assert assign_digests(s, T0 + timedelta(hours=3)) == []
        assert s.scalar(select(Digest.status)) == "sent"
    assert dispatch(sessions, smtp(smtp_sink.port), now=T0 + timedelta(hours=3)).sent == 0


def test_smtp_port_without_server_is_a_readable_error(sessions):
    _queue(sessions)
    result = dispatch(sessions, smtp(free_port()), now=T0)
    assert (result.sent, result.failed) == (0, 1)


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 (and its key), which is also its own CA."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(T0 - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_to_a_real_server(sessions, tmp_path, security):
    from alerts.sink import SmtpSink

    cert, key = _self_signed(tmp_path)
    sink = SmtpSink(security=security, cert=cert, key=key, login=("pw", "s3cret")).start()
    try:
        _queue(sessions, n=2)
        ok = smtp(sink.port, smtp_security=security, smtp_ca_file=cert, smtp_user="pw", smtp_password="s3cret")
        assert dispatch(sessions, replace(ok, smtp_password="wrong"), now=T0).failed == 1  # refused login
        unverified = dispatch(sessions, replace(ok, smtp_ca_file=""), now=T0 + timedelta(minutes=3))
        assert unverified.failed == 1 and sink.messages == []  # an unknown CA is never trusted
        assert dispatch(sessions, ok, now=T0 + timedelta(minutes=20)).sent == 2
        assert len(sink.messages) == 2
        with sessions() as s:
            errors = [a.last_error for a in s.scalars(select(Alert).order_by(Alert.id))]
        assert "certificate verify failed" in errors[0] or "CERTIFICATE_VERIFY_FAILED" in errors[0]
    finally:
        sink.stop()


def test_a_server_that_never_confirms_the_final_dot_is_not_sent_to_again(sessions, smtp_sink, monkeypatch):
    import alerts.smtp

    monkeypatch.setattr(alerts.smtp, "FINAL_REPLY_TIMEOUT_S", 0.3)
    smtp_sink.delay_s = 1.0  # the server keeps the message but answers too late
    _queue(sessions)
    assert dispatch(sessions, smtp(smtp_sink.port), now=T0).sent == 1
    smtp_sink.delay_s = 0
    assert dispatch(sessions, smtp(smtp_sink.port), now=T0 + timedelta(hours=1)).sent == 0
    assert len(smtp_sink.messages) == 1
    with sessions() as s:
        assert s.scalar(select(Alert.status)) == "sent"


def test_nothing_is_mailed_after_unsubscribing_even_alerts_made_later(sessions, smtp_sink):
    from store.subscribers import unsubscribe

    _queue(sessions)
    with transaction(sessions) as s:
        claim(s, Alert, T0, timedelta(minutes=5))  # a dispatcher is mid-send…
        unsubscribe(s, "r@example.org", T0)  # …when the researcher unsubscribes
        # a crawl that still had the old rules cached makes one more alert
        ev = add_event(s, "revised", "http://127.0.0.1:9/x", T0, document_id=1, version_id=1)
        s.execute(insert(Alert), [{"subscriber_id": 1, "event_id": ev.id, "channel": "instant", "keywords": ["x"],
                                   "status": "pending", "attempts": 0, "created_at": T0}])  # fmt: skip
    assert dispatch(sessions, smtp(smtp_sink.port), now=T0 + timedelta(hours=1)).sent == 0
    assert smtp_sink.messages == []
    with sessions() as s:
        assert s.scalars(select(Alert.status).order_by(Alert.id)).all() == ["cancelled", "cancelled"]

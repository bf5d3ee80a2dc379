"""Subscribers, watch rules, the outbox's claim tokens and daily digests on real SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from common.errors import StoreError
from store.db import transaction
from store.digests import assign_digests, digest_slot, load_digest
from store.models import Alert, Digest
from store.outbox import claim, commit_sent, load_alert, mark_failed, outbox_counts, release
from store.queries import summary
from store.repo import add_event
from store.subscribers import (
    DeliveryPrefs,
    RuleSpec,
    add_rule,
    all_subscribers,
    rules_fingerprint,
    subscribe,
    unsubscribe,
    upsert_subscriber,
)
from tests.store.test_archive import URL, add_doc

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)  # 10:00 in Beijing
LEASE = timedelta(minutes=5)


def owe(s, sub_id, event_id, channel="instant", at=T0):
    row = {"subscriber_id": sub_id, "event_id": event_id, "channel": channel, "keywords": ["社会信用体系"],
           "status": "pending", "attempts": 0, "created_at": at}  # fmt: skip
    s.execute(insert(Alert), [row])


def _one_alert(sessions, channel="instant"):
    with transaction(sessions) as s:
        _, _, ver = add_doc(s)
        sub = subscribe(s, "r@example.org", ["社会信用体系"], T0)
        ev = add_event(s, "revised", URL, T0, document_id=ver.document_id, version_id=ver.id)
        owe(s, sub.id, ev.id, channel)
    return sub.id


def test_claims_are_handed_out_once_and_retried_with_backoff(sessions):
    _one_alert(sessions)
    with transaction(sessions) as s:
        (first,) = claim(s, Alert, T0, LEASE)
    alert_id, token = first
    with transaction(sessions) as s:
        assert claim(s, Alert, T0, LEASE) == []  # a fresh claim is not handed out again
        item = load_alert(s, alert_id)
        assert item.email == "r@example.org" and item.title == "关于推进社会信用体系建设的意见"
        assert item.capture_sha256 and item.source == "sim-govcn"
        mark_failed(s, Alert, alert_id, token, "connection refused", T0)
    with transaction(sessions) as s:
        assert claim(s, Alert, T0, LEASE) == []  # backing off: 2 minutes after the first failure
        ((again, token2),) = claim(s, Alert, T0 + timedelta(minutes=3), LEASE)
        assert again == alert_id and token2 != token
    dots = []
    assert not commit_sent(sessions, Alert, alert_id, token, "<alert-1@x>", T0, lambda: dots.append(1))  # old token
    assert dots == []  # the final dot is written only by the holder of the claim
    assert commit_sent(sessions, Alert, alert_id, token2, "<alert-1@x>", T0, lambda: dots.append(2))
    assert dots == [2]
    with sessions() as s:
        assert outbox_counts(s) == {"alerts sent": 1}
        assert s.get(Alert, alert_id).attempts == 1
        assert summary(s)["alerts"] == {"sent": 1}


def test_a_stale_claim_is_taken_over_and_voids_the_old_token(sessions):
    _one_alert(sessions)
    with transaction(sessions) as s:
        ((alert_id, old),) = claim(s, Alert, T0, LEASE)
    with transaction(sessions) as s:
        assert claim(s, Alert, T0 + LEASE - timedelta(seconds=1), LEASE) == []
        ((same, new),) = claim(s, Alert, T0 + LEASE + timedelta(seconds=1), LEASE)
        assert same == alert_id and new != old
    with transaction(sessions) as s:
        release(s, Alert, alert_id, old)  # the slow first holder cannot give it back…
        assert s.get(Alert, alert_id).status == "sending"
        release(s, Alert, alert_id, new)
        assert s.get(Alert, alert_id).status == "pending"
    assert not commit_sent(sessions, Alert, alert_id, old, "<a@x>", T0, lambda: None)  # …nor mark it sent


def test_permanent_failures_and_too_many_attempts_give_up(sessions):
    _one_alert(sessions)
    with transaction(sessions) as s:
        ((alert_id, token),) = claim(s, Alert, T0, LEASE)
        mark_failed(s, Alert, alert_id, token, "550 no such user", T0, permanent=True)
    with sessions() as s:
        row = s.get(Alert, alert_id)
        assert (row.status, row.attempts, row.last_error) == ("failed", 1, "550 no such user")


def test_digest_alerts_are_not_claimed_as_instant_mail(sessions):
    _one_alert(sessions, channel="digest")
    with transaction(sessions) as s:
        assert claim(s, Alert, T0 + timedelta(days=1), LEASE) == []


def test_subscriber_validation(sessions):
    with transaction(sessions) as s, pytest.raises(StoreError, match="e-mail"):
        upsert_subscriber(s, "not-an-address", T0)
    with transaction(sessions) as s, pytest.raises(StoreError, match="keyword or phrase"):
        subscribe(s, "a@b.org", [" "], T0)
    with transaction(sessions) as s, pytest.raises(StoreError, match="unknown event kind"):
        add_rule(s, upsert_subscriber(s, "a@b.org", T0), RuleSpec(keywords=("信用",), events=("deleted",)), T0)
    for prefs, match in [
        (DeliveryPrefs(delivery="weekly"), "delivery"),
        (DeliveryPrefs(language="fr"), "language"),
        (DeliveryPrefs(digest_hour=24), "digest hour"),
        (DeliveryPrefs(timezone="Mars/Olympus"), "time zone"),
    ]:
        with transaction(sessions) as s, pytest.raises(StoreError, match=match):
            upsert_subscriber(s, "a@b.org", T0, prefs)


def rules_fingerprint_of_nothing():
    import hashlib

    return hashlib.sha256(b"").hexdigest()


def test_rules_are_added_once_replaced_and_change_the_fingerprint(sessions):
    with transaction(sessions) as s:
        sub = subscribe(s, "r@example.org", ["社会信用体系"], T0)
        fp1 = rules_fingerprint(s)
        add_rule(s, sub, RuleSpec(keywords=("社会信用体系",)), T0)  # identical: not added again
        assert rules_fingerprint(s) == fp1
        add_rule(s, sub, RuleSpec(phrases=("文明城市测评",), sources=("sim-govcn",), events=("new",)), T0)
        fp2 = rules_fingerprint(s)
        add_rule(s, sub, RuleSpec(keywords=("网格化管理",)), T0, replace=True)
        fp3 = rules_fingerprint(s)
        assert len({fp1, fp2, fp3}) == 3
        ((_, rules),) = all_subscribers(s)
        assert [r.keywords for r in rules] == [["网格化管理"]]
        unsubscribe(s, "r@example.org", T0)
        assert rules_fingerprint(s) == rules_fingerprint_of_nothing()  # their rules match nothing


def test_unsubscribing_cancels_mail_not_yet_sent(sessions):
    sub_id = _one_alert(sessions)
    with transaction(sessions) as s:
        assert unsubscribe(s, "r@example.org", T0) and not unsubscribe(s, "nobody@example.org", T0)
    with sessions() as s:
        assert s.scalars(select(Alert.status).where(Alert.subscriber_id == sub_id)).all() == ["cancelled"]


def test_digest_slot_is_the_last_digest_hour_in_the_subscribers_zone():
    assert digest_slot(T0, 8, "Asia/Shanghai") == datetime(2026, 3, 2, 0, tzinfo=UTC)  # 08:00 Beijing, today
    assert digest_slot(T0, 11, "Asia/Shanghai") == datetime(2026, 3, 1, 3, tzinfo=UTC)  # 11:00 yesterday
    assert digest_slot(T0, 8, "Europe/Berlin") == datetime(2026, 3, 1, 7, tzinfo=UTC)  # 02:00 Berlin: yesterday's


def test_digests_gather_alerts_up_to_the_digest_time_once_per_day(sessions):
    with transaction(sessions) as s:
        _, doc, ver = add_doc(s)
        sub = upsert_subscriber(s, "d@example.org", T0 - timedelta(days=2), DeliveryPrefs(delivery="digest"))
        add_rule(s, sub, RuleSpec(keywords=("社会信用体系",)), T0)
        # Beijing times: 03-01 04:00 (before yesterday's 08:00), 03-01 14:00 and 03-02 07:00 (before
        # today's 08:00), 03-02 11:00 (after it)
        for hours in (-30, -20, -3, 1):
            ev = add_event(s, "revised", URL, T0 + timedelta(hours=hours), document_id=doc.id, version_id=ver.id)
            owe(s, sub.id, ev.id, "digest", at=T0 + timedelta(hours=hours))
    with transaction(sessions) as s:
        first = assign_digests(s, T0 - timedelta(hours=12))  # 22:00 Beijing on day -1: yesterday's 08:00 slot
        assert len(first) == 1 and assign_digests(s, T0 - timedelta(hours=11)) == []  # once per day
    with transaction(sessions) as s:
        second = assign_digests(s, T0)  # today's 08:00 slot: the ones at -20 h and -3 h
        assert len(second) == 1
        assert assign_digests(s, T0 + timedelta(hours=2)) == []  # the alert at +1 h waits for tomorrow
    with sessions() as s:
        d1, d2 = load_digest(s, first[0]), load_digest(s, second[0])
        assert (d1.period, len(d1.items)) == ("2026-03-01", 1)
        assert (d2.period, len(d2.items)) == ("2026-03-02", 2)
        assert d2.items[0].event_at < d2.items[1].event_at
        assert s.get(Digest, first[0]).status == "pending"
        assert outbox_counts(s) == {"digest items digested": 3, "digest items pending": 1, "digests pending": 2}


def test_waiting_digest_items_are_not_stranded_when_the_subscriber_switches_to_instant(sessions):
    from store.digests import _new_digest

    sub_id = _one_alert(sessions, channel="digest")
    with transaction(sessions) as s:
        upsert_subscriber(s, "r@example.org", T0, DeliveryPrefs(delivery="instant"))
    with transaction(sessions) as s:
        (made,) = assign_digests(s, T0 + timedelta(days=1))
        assert _new_digest(s, sub_id, "2026-03-03", T0) is None  # a second builder of the same day: no error
        assert len(load_digest(s, made).items) == 1


def test_non_ascii_addresses_are_refused_with_the_way_out(sessions):
    with transaction(sessions) as s, pytest.raises(StoreError, match="xn--"):
        upsert_subscriber(s, "研究员@example.cn", T0)

"""A real ``policywatch alerts dispatch`` process SIGKILLed mid-batch, again and again: every alert
arrives at the SMTP server exactly once (checked by Message-ID), none twice, none lost."""

import os
import random
import signal
import subprocess
import sys
import time

from sqlalchemy import func, insert, select

from store.db import transaction
from store.models import Alert
from store.repo import add_event
from store.subscribers import subscribe
from tests.alerts.test_alerts import T0
from tests.conftest import REPO

ALERTS = 40
LEASE_S = 1


def _config(tmp_path, db_url, port):
    cfg = tmp_path / "policywatch.toml"
    cfg.write_text(
        f'database_url = "{db_url}"\nsecret_key = "k"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
        f"alert_claim_lease_s = {LEASE_S}\n",
        encoding="utf-8",
    )
    return cfg


def _queue(sessions):
    from tests.store.test_archive import add_doc

    with transaction(sessions) as s:
        _, doc, ver = add_doc(s)
        sub = subscribe(s, "r@example.org", ["社会信用体系"], T0)
        for i in range(ALERTS):
            ev = add_event(s, "new", f"http://127.0.0.1:9/x{i}", T0, document_id=doc.id, version_id=ver.id)
            s.execute(insert(Alert), [{"subscriber_id": sub.id, "event_id": ev.id, "channel": "instant",
                                       "keywords": ["社会信用体系"], "status": "pending", "attempts": 0,
                                       "created_at": T0}])  # fmt: skip


def _dispatch(cfg):
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(cfg), "alerts", "dispatch"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "POLICYWATCH_CONFIG": str(cfg)},
    )  # fmt: skip


def _kill_mid_batch(proc, sink, rng) -> bool:
    """Wait until this run has handed over a mail, then SIGKILL it a few milliseconds later."""
    before = len(sink.messages)
    deadline = time.monotonic() + 60
    while len(sink.messages) == before and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(rng.uniform(0, 0.02))
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def test_killing_the_dispatcher_mid_batch_never_duplicates_or_loses_a_mail(sessions, smtp_sink, db_url, tmp_path):
    _queue(sessions)
    cfg = _config(tmp_path, db_url, smtp_sink.port)
    rng = random.Random(6)
    kills = 0
    for _ in range(6):
        kills += _kill_mid_batch(_dispatch(cfg), smtp_sink, rng)
        time.sleep(LEASE_S + 0.2)  # the dead run's claim lapses
    for _ in range(5):  # then run to completion
        if _dispatch(cfg).wait(timeout=120) == 0 and len(smtp_sink.messages) >= ALERTS:
            break
        time.sleep(LEASE_S + 0.2)
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    print(f"kills mid-batch: {kills}, mails received: {len(ids)}, distinct: {len(set(ids))}")
    assert kills >= 4  # the test really interrupted batches
    assert len(ids) == len(set(ids)), "a mail was delivered twice"
    assert sorted(ids) == sorted(f"<alert-{i}@localhost>" for i in range(1, ALERTS + 1))
    with sessions() as s:
        assert s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all() == [("sent", ALERTS)]

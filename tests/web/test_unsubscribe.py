"""The unsubscribe link of every alert mail, against a real uvicorn server."""

import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from sqlalchemy import insert, select

from alerts.render import unsubscribe_url
from alerts.sink import free_port
from common.settings import Settings
from store.db import transaction
from store.models import Alert, Subscriber
from store.repo import add_event
from store.subscribers import subscribe
from web.app import create_app

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)


@pytest.fixture
def server(sessions):
    port = free_port()
    settings = Settings(secret_key="s3cret", base_url=f"http://127.0.0.1:{port}")
    srv = uvicorn.Server(
        uvicorn.Config(create_app(settings, sessions), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield settings
    srv.should_exit = True
    thread.join(10)


def _subscriber_with_a_pending_alert(sessions, email="r@example.org"):
    from tests.store.test_archive import add_doc

    with transaction(sessions) as s:
        _, doc, ver = add_doc(s)
        sub = subscribe(s, email, ["社会信用体系"], T0)
        ev = add_event(s, "new", "http://127.0.0.1:9/x", T0, document_id=doc.id, version_id=ver.id)
        s.execute(insert(Alert), [{"subscriber_id": sub.id, "event_id": ev.id, "channel": "instant",
                                   "keywords": ["社会信用体系"], "status": "pending", "attempts": 0,
                                   "created_at": T0}])  # fmt: skip


def _state(sessions, email="r@example.org"):
    with sessions() as s:
        sub = s.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        return sub.active, s.scalars(select(Alert.status).where(Alert.subscriber_id == sub.id)).all()


def test_the_link_asks_first_and_one_click_post_unsubscribes(sessions, server):
    _subscriber_with_a_pending_alert(sessions)
    url = unsubscribe_url("r@example.org", server.base_url, server.secret_key)
    page = httpx.get(url)
    assert page.status_code == 200 and "r@example.org" in page.text and '<form method="post"' in page.text
    assert _state(sessions) == (True, ["pending"])  # a GET (a link scanner) changes nothing
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    done = httpx.post(url, content="List-Unsubscribe=One-Click",
                      headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert done.status_code == 200 and "已退订" in done.text
    assert _state(sessions) == (False, ["cancelled"])
    assert httpx.post(url).status_code == 200  # idempotent


def test_forged_or_damaged_tokens_change_nothing(sessions, server):
    _subscriber_with_a_pending_alert(sessions)
    forged = unsubscribe_url("r@example.org", server.base_url, "not-the-key")
    for url in (forged, forged[:-3], f"{server.base_url}/unsubscribe", f"{server.base_url}/unsubscribe?token=zz.yy"):
        assert httpx.post(url).status_code == 400
        assert httpx.get(url).status_code == 400
    assert _state(sessions) == (True, ["pending"])


def test_addresses_are_escaped_on_the_page(sessions, server):
    url = unsubscribe_url('x"<script>@example.org', server.base_url, server.secret_key)
    page = httpx.get(url)
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


def test_damaged_non_ascii_tokens_are_a_400_not_a_crash(sessions, server):
    from common.tokens import verify

    assert verify("unsubscribe", "a.é" * 11, "k") is None
    bad = httpx.get(f"{server.base_url}/unsubscribe", params={"token": "6162." + "é" * 32})
    assert bad.status_code == 400 and "链接无效" in bad.text

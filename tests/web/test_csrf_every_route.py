"""CSRF on every state-changing route, found from the app's own route table (a new POST route is
covered without editing this test): signed in as an admin — so only the CSRF check can stop it — a
POST without this browser's token, or with another browser's, changes no row of any table."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from alerts.signin import sign_in_mailer
from common.settings import Settings, SourceConfig
from store.accounts import create_admin
from store.db import transaction
from store.models import Base
from store.subscribers import rules_of, subscribe
from tests.web.conftest import live
from tests.web.test_accounts import T0, csrf_of, sign_in
from web.app import create_app

EXEMPT = {"/unsubscribe"}  # its signed token is the credential (RFC 8058 one-click POSTs carry no cookie)


def _routes(routes) -> list:
    """Every route with methods, also inside included routers (FastAPI wraps those)."""
    found = []
    for route in routes:
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        found.extend(_routes(inner) if inner is not None else [route] if getattr(route, "methods", None) else [])
    return found


def _rows(sessions) -> dict[str, int]:
    with sessions() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(sessions, smtp_sink):
    settings = Settings(secret_key="s3cret", base_url="http://pw.test", smtp_host="127.0.0.1", smtp_port=smtp_sink.port,
                        sources=(SourceConfig("tianjin", "trs", ("http://www.tj.gov.cn/zwgk/",)),))  # fmt: skip
    with transaction(sessions) as s:
        create_admin(s, "boss@example.org", T0)
        other = subscribe(s, "b@example.org", ["网格化管理"], T0)
        (rule,) = rules_of(s, other.id)
    app = create_app(settings, sessions, sign_in_mailer(settings, 20))
    posts = sorted(r.path for r in _routes(app.routes) if "POST" in r.methods and r.path not in EXEMPT)
    assert len(posts) >= 10, posts  # sign-in, link, sign-out, rules, prefs, admin edits, pause/resume …
    values = {"rule_id": str(rule.id), "sub_id": str(other.id), "name": "tianjin", "action": "pause"}
    with live(app) as site:
        sign_in(site, smtp_sink, "boss@example.org")
        stranger = httpx.Client(base_url=str(site.base_url))
        foreign = csrf_of(stranger)  # valid, but for another browser
        form = {"email": "x@example.org", "keywords": "健康码", "token": "t", "delivery": "digest", "digest_hour": "7"}
        before = _rows(sessions)
        refused = {}
        for path in posts:
            url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), path)
            for csrf in (None, foreign):
                r = site.post(url, data=form | ({"csrf": csrf} if csrf else {}))
                refused[(path, csrf is None)] = r.status_code
        assert _rows(sessions) == before  # not one row added, removed … (counts of every table)
        with sessions() as s:
            assert [r.keywords for r in rules_of(s, other.id)] == [["网格化管理"]]
    assert set(refused.values()) == {403}, refused


def test_no_route_lets_a_subscriber_read_or_change_anothers_data(sessions, smtp_sink):
    """IDOR, from the route table too: signed in as A with a valid CSRF token, every route called with
    B's ids — B's rules and settings stay as they were and no page shows them."""
    settings = Settings(secret_key="s3cret", base_url="http://pw.test", smtp_host="127.0.0.1", smtp_port=smtp_sink.port,
                        sources=(SourceConfig("tianjin", "trs", ("http://www.tj.gov.cn/zwgk/",)),))  # fmt: skip
    with transaction(sessions) as s:
        b = subscribe(s, "b@example.org", ["网格化管理"], T0)
        (rule,) = rules_of(s, b.id)
    app = create_app(settings, sessions, sign_in_mailer(settings, 20))
    routes = [r for r in _routes(app.routes) if "{" in r.path]
    values = {"rule_id": str(rule.id), "sub_id": str(b.id), "name": "tianjin", "action": "pause"}
    with live(app) as site:
        sign_in(site, smtp_sink, "a@example.org")
        token = csrf_of(site, "/account")
        form = {"csrf": token, "keywords": "健康码", "delivery": "digest", "digest_hour": "7", "lang": "en"}
        before = _rows(sessions)
        for route in routes:
            url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), route.path)
            if "GET" in route.methods:
                assert "b@example.org" not in site.get(url).text, url
            if "POST" in route.methods:
                assert site.post(url, data=form).status_code in (303, 403), url
        after = _rows(sessions)
    with sessions() as s:
        assert [r.keywords for r in rules_of(s, b.id)] == [["网格化管理"]]
    assert {k: v for k, v in after.items() if after[k] != before[k]} == {}

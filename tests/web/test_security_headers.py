"""Security headers on every kind of answer — pages, API, static files, 400/404/422 and the 500 page —
and the cookie flags, served for real by uvicorn."""

from __future__ import annotations

import pytest

from common.settings import Settings
from store.db import make_engine, session_factory
from store.schema import upgrade
from tests.web.conftest import live
from web.app import create_app

# the policy, written out here rather than imported from the code under test
EXPECTED = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.fixture
def archive(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(engine)
    return session_factory(engine)


def test_every_kind_of_answer_carries_the_security_headers(archive, monkeypatch):
    import web.pages

    def broken(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web.pages, "history", broken)
    with live(create_app(Settings(secret_key="k"), archive)) as c:
        answers = {
            "page": c.get("/"),
            "api": c.get("/api/v1/search", params={"q": "信用"}),
            "static": c.get("/static/style.css"),
            "404 page": c.get("/no/such/page"),
            "422 api": c.get("/api/v1/versions/notanumber"),
            "400 NUL": c.get("/", params={"q": "a\x00b"}),
            "sign-in form": c.get("/signin"),
            "500 page": c.get("/documents/1"),  # last: uvicorn closes the connection after a 500
        }
    assert {name: r.status_code for name, r in answers.items()} == {
        "page": 200, "api": 200, "static": 200, "404 page": 404, "422 api": 422, "400 NUL": 400,
        "500 page": 500, "sign-in form": 200,
    }  # fmt: skip
    for name, r in answers.items():
        got = {k: r.headers.get(k) for k in EXPECTED}
        assert got == EXPECTED, name
    assert "secret internals" not in answers["500 page"].text


@pytest.mark.parametrize("base_url, secure", [("https://pw.example.org", True), ("http://127.0.0.1:8000", False)])
def test_cookies_are_httponly_samesite_and_secure_behind_https(archive, base_url, secure):
    with live(create_app(Settings(secret_key="k", base_url=base_url), archive)) as c:
        cookie = c.get("/").headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert ("secure" in flags) is secure

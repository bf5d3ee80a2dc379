"""Sign-in by mailed link, a subscriber's own rules, admin pages, CSRF and language switching —
against a real uvicorn server and a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from alerts.signin import sign_in_mailer
from common.settings import Settings
from processing.trends import AXES, COVERAGE, GROUPINGS
from store.accounts import LINK_TTL, MAX_LINKS_PER_EMAIL, create_admin, issue_link, redeem_link, session_user
from store.db import transaction
from store.models import SignInToken, WatchRule
from store.subscribers import RuleSpec, add_rule, rules_of, subscribe, subscriber_by_email
from tests.web.conftest import live
from web.app import create_app
from web.i18n import MESSAGES, missing_keys
from web.pages import LABELS

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def site(sessions, smtp_sink):
    settings = Settings(secret_key="s3cret", base_url="http://pw.test", smtp_host="127.0.0.1",
                        smtp_port=smtp_sink.port, mail_from="policywatch <pw@pw.test>")  # fmt: skip
    app = create_app(settings, sessions, sign_in_mailer(settings, 20))
    with live(app) as client:
        yield client


def csrf_of(client: httpx.Client, path: str = "/signin") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def mailed_link(smtp_sink, to: str) -> str:
    mail = [m for m in smtp_sink.messages if m["To"] == to][-1]
    text = mail.get_body(("plain",)).get_content()
    return re.search(r"http://pw\.test(/signin/link\?token=\S+)", text).group(1)


def sign_in(client: httpx.Client, smtp_sink, email: str) -> None:
    r = client.post("/signin", data={"email": email, "csrf": csrf_of(client)})
    assert r.status_code == 200 and email in r.text
    link = mailed_link(smtp_sink, email)
    page = client.get(link)  # a GET only shows the button: mail scanners follow links
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    r = client.post("/signin/link", data={"token": token, "csrf": CSRF.search(page.text).group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/account", r.text


def test_magic_link_sign_in_then_manage_own_rules_then_sign_out(site, smtp_sink, sessions):
    sign_in(site, smtp_sink, "r@example.org")
    mail = smtp_sink.messages[-1]
    assert mail["Subject"] == "policywatch 登录链接" and "20 分钟" in mail.get_body(("plain",)).get_content()
    cookie = next(c for c in site.cookies.jar if c.name == "pw_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite", "").lower() == "lax"

    page = site.get("/account")
    assert page.status_code == 200 and "r@example.org" in page.text
    form = {"keywords": "社会信用体系、健康码", "phrases": "守信联合激励", "events": ["revised", "removed"]}
    r = site.post("/account/rules", data={**form, "csrf": CSRF.search(page.text).group(1)})
    assert r.status_code == 303
    with sessions() as s:
        sub = subscriber_by_email(s, "r@example.org")
        (rule,) = rules_of(s, sub.id)
        assert (rule.keywords, rule.phrases) == (["社会信用体系", "健康码"], ["守信联合激励"])
        assert rule.events == ["revised", "removed"]
    page = site.get("/account")
    assert "社会信用体系、健康码" in page.text
    r = site.post(f"/account/rules/{rule.id}/delete", data={"csrf": CSRF.search(page.text).group(1)})
    assert r.status_code == 303
    with sessions() as s:
        assert rules_of(s, sub.id) == []

    r = site.post("/signout", data={"csrf": csrf_of(site, "/account")})
    assert r.status_code == 303
    assert site.get("/account").headers["location"] == "/signin"


def test_a_rule_without_terms_is_refused_with_the_reason(site, smtp_sink):
    sign_in(site, smtp_sink, "r@example.org")
    r = site.post("/account/rules", data={"keywords": " , ", "csrf": csrf_of(site, "/account")})
    assert r.status_code == 422 and "at least one keyword or phrase" in r.text


def test_a_link_works_once_and_not_after_it_expires(sessions):
    with transaction(sessions) as s:
        once = issue_link(s, "r@example.org", "1.2.3.4", T0)
        late = issue_link(s, "r@example.org", "1.2.3.4", T0)
    with transaction(sessions) as s:
        assert redeem_link(s, once, T0 + timedelta(minutes=1)) == "r@example.org"
        assert redeem_link(s, once, T0 + timedelta(minutes=2)) is None
        assert redeem_link(s, late, T0 + LINK_TTL + timedelta(seconds=1)) is None
        assert redeem_link(s, "forged" + once[6:], T0) is None
        stored = s.scalars(select(SignInToken.token_hash)).all()
    assert once not in stored and late not in stored  # only hashes are kept


def test_a_used_link_is_refused_over_http(site, smtp_sink):
    sign_in(site, smtp_sink, "r@example.org")
    link = mailed_link(smtp_sink, "r@example.org")
    token = link.rsplit("=", 1)[1]
    other = httpx.Client(base_url=str(site.base_url))
    page = other.get(link)
    assert page.status_code == 400 and "无效" in page.text and 'name="token"' not in page.text
    r = other.post("/signin/link", data={"token": token, "csrf": csrf_of(other)})
    assert r.status_code == 400 and "无效" in r.text
    assert "pw_session" not in r.cookies


def test_the_link_page_names_the_address_and_a_new_sign_in_ends_the_old_session(site, smtp_sink, sessions):
    """Against login CSRF: a link someone else sent says whose account it opens; using it signs the
    browser's previous account out (its session token stops working)."""
    sign_in(site, smtp_sink, "victim@example.org")
    old = site.cookies.get("pw_session")
    site.post("/signin", data={"email": "attacker@example.org", "csrf": csrf_of(site, "/account")})
    page = site.get(mailed_link(smtp_sink, "attacker@example.org"))
    assert "attacker@example.org" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    site.post("/signin/link", data={"token": token, "csrf": CSRF.search(page.text).group(1)})
    with sessions() as s:
        assert session_user(s, old, datetime.now(UTC)) is None


def test_addresses_compare_without_case(site, smtp_sink, sessions):
    with transaction(sessions) as s:
        create_admin(s, "Boss@Example.ORG", T0)
    token = csrf_of(site)
    codes = [site.post("/signin", data={"email": e, "csrf": token}).status_code
             for e in ("boss@example.org", "BOSS@example.org", "Boss@EXAMPLE.org", "boss@Example.org")]  # fmt: skip
    assert codes == [200, 200, 200, 429]  # one address, however it is written
    page = site.get(mailed_link(smtp_sink, "boss@example.org"))
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    site.post("/signin/link", data={"token": token, "csrf": CSRF.search(page.text).group(1)})
    assert site.get("/admin").status_code == 200


def test_posts_without_this_browsers_csrf_token_change_nothing(site, smtp_sink, sessions):
    r = site.post("/signin", data={"email": "r@example.org"})
    assert r.status_code == 403 and smtp_sink.messages == []
    sign_in(site, smtp_sink, "r@example.org")
    stranger = httpx.Client(base_url=str(site.base_url))
    foreign = csrf_of(stranger)  # a valid token, but of another browser
    for csrf in (None, foreign, "0" * 64):
        r = site.post("/account/rules", data={"keywords": "健康码"} | ({"csrf": csrf} if csrf else {}))
        assert r.status_code == 403
    with sessions() as s:
        assert s.scalars(select(WatchRule)).all() == []


def test_a_subscriber_can_neither_see_nor_change_anothers_rules(site, smtp_sink, sessions):
    with transaction(sessions) as s:
        other = subscribe(s, "b@example.org", ["网格化管理"], T0)
        (b_rule,) = rules_of(s, other.id)
    sign_in(site, smtp_sink, "a@example.org")
    token = csrf_of(site, "/account")
    assert "网格化管理" not in site.get("/account").text
    r = site.post(f"/account/rules/{b_rule.id}/delete", data={"csrf": token})
    assert r.status_code == 303  # nothing of theirs to delete: nothing happens
    for path in (f"/admin/subscribers/{other.id}", "/admin"):
        assert site.get(path).status_code == 403
    for path in (f"/admin/subscribers/{other.id}/rules/{b_rule.id}/delete", f"/admin/subscribers/{other.id}/rules"):
        assert site.post(path, data={"csrf": token, "keywords": "x"}).status_code == 403
    with sessions() as s:
        assert [r.keywords for r in rules_of(s, other.id)] == [["网格化管理"]]


def test_an_admin_manages_every_subscriber(site, smtp_sink, sessions):
    with transaction(sessions) as s:
        other = subscribe(s, "b@example.org", ["网格化管理"], T0)
        add_rule(s, other, RuleSpec(keywords=("健康码",)), T0)
        create_admin(s, "boss@example.org", T0)
    sign_in(site, smtp_sink, "boss@example.org")
    overview = site.get("/admin")
    assert overview.status_code == 200 and "b@example.org" in overview.text and "2 规则" in overview.text
    page = site.get(f"/admin/subscribers/{other.id}")
    assert "网格化管理" in page.text and "健康码" in page.text
    token = CSRF.search(page.text).group(1)
    with sessions() as s:
        first = rules_of(s, other.id)[0].id
    assert site.post(f"/admin/subscribers/{other.id}/rules/{first}/delete", data={"csrf": token}).status_code == 303
    prefs = {"delivery": "digest", "digest_hour": "7", "language": "en", "timezone": "Europe/Berlin"}
    r = site.post(f"/admin/subscribers/{other.id}/prefs", data={"csrf": token, **prefs})
    assert r.status_code == 303
    with sessions() as s:
        sub = subscriber_by_email(s, "b@example.org")
        assert [r.keywords for r in rules_of(s, sub.id)] == [["健康码"]]
        assert (sub.delivery, sub.digest_hour, sub.language, sub.timezone) == ("digest", 7, "en", "Europe/Berlin")


def test_sign_in_links_are_rate_limited_per_address(site, smtp_sink):
    token = csrf_of(site)
    codes = [site.post("/signin", data={"email": "r@example.org", "csrf": token}).status_code for _ in range(4)]
    assert codes == [200] * MAX_LINKS_PER_EMAIL + [429]
    assert len(smtp_sink.messages) == MAX_LINKS_PER_EMAIL


def test_a_malformed_address_is_shown_again_with_the_reason(site, smtp_sink):
    # comments and groups would be delivered to the address inside them, each with its own rate limit
    for bad in ("not an address", "r\x01@example.org", "r@exam\x1fple.org", "(1)r@example.org", "x:r@example.org"):
        r = site.post("/signin", data={"email": bad, "csrf": csrf_of(site)})
        assert r.status_code == 422 and "is not an e-mail address" in r.text, bad
    assert smtp_sink.messages == []


def test_sign_in_mail_failure_is_a_page_not_a_traceback(sessions):
    settings = Settings(secret_key="s3cret", base_url="http://pw.test", smtp_host="127.0.0.1", smtp_port=9)
    with live(create_app(settings, sessions, sign_in_mailer(settings, 20))) as client:
        r = client.post("/signin", data={"email": "r@example.org", "csrf": csrf_of(client)})
    assert r.status_code == 503 and "稍后再试" in r.text and "Traceback" not in r.text


def test_language_switch_and_no_open_redirect(site):
    r = site.get("/lang/en", params={"next": "/signin"})
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    page = site.get("/signin")
    assert 'lang="en"' in page.text and "Send me a sign-in link" in page.text
    assert site.get("/lang/zh", params={"next": "https://evil.example/"}).headers["location"] == "/"
    assert site.get("/lang/zh", params={"next": "//evil.example/"}).headers["location"] == "/"
    assert "发送登录链接" in site.get("/signin").text
    fresh = httpx.get(f"{site.base_url}/signin", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Send me a sign-in link" in fresh.text


def test_every_ui_key_has_both_languages():
    from pathlib import Path

    sources = {p.name: p.read_text() for p in (Path(__file__).parents[2] / "web" / "templates").glob("*.html")}
    assert missing_keys(sources) == []
    assert missing_keys({"x": 't("no_such_key")'}) == ["no_such_key"]
    composed = [f"mode_{m}" for m in ("any", "current", "removed")]
    composed += [f"delivery_{d}" for d in ("instant", "digest", "both")]
    composed += [f"facet_{f}" for f in ("source", "agency", "topic", "validity", "year")]
    composed += [f"by_{b}" for b in GROUPINGS] + [f"axis_{a}" for a in AXES] + [f"cov_{c}" for c in COVERAGE]
    composed += ["cov_partial"] + [f"meta_{k}" for k, _ in LABELS]
    assert set(composed) <= MESSAGES.keys()  # keys the templates build from a prefix
    assert all(zh and en for zh, en in MESSAGES.values())


def test_an_admin_pauses_and_resumes_a_source_others_cannot(sessions, smtp_sink):
    from common.settings import SourceConfig
    from store.jobs import paused_sources

    settings = Settings(secret_key="s3cret", base_url="http://pw.test", smtp_host="127.0.0.1", smtp_port=smtp_sink.port,
                        sources=(SourceConfig("tianjin", "trs", ("http://www.tj.gov.cn/zwgk/",)),))  # fmt: skip
    with transaction(sessions) as s:
        create_admin(s, "boss@example.org", T0)
    with live(create_app(settings, sessions, sign_in_mailer(settings, 20))) as site:
        sign_in(site, smtp_sink, "r@example.org")
        assert site.post("/admin/sources/tianjin/pause", data={"csrf": csrf_of(site, "/account")}).status_code == 403
        site.post("/signout", data={"csrf": csrf_of(site, "/account")})
        sign_in(site, smtp_sink, "boss@example.org")
        token = csrf_of(site, "/admin")
        assert site.post("/admin/sources/tianjin/pause", data={}).status_code == 403  # no CSRF token
        assert site.post("/admin/sources/tianjin/pause", data={"csrf": token}).status_code == 303
        assert "恢复抓取" in site.get("/admin").text
        with sessions() as s:
            assert paused_sources(s)["tianjin"]["paused_by"] == "boss@example.org"
        assert site.post("/admin/sources/nowhere/pause", data={"csrf": token}).status_code == 404
        assert site.post("/admin/sources/tianjin/resume", data={"csrf": token}).status_code == 303
        with sessions() as s:
            assert paused_sources(s) == {}


def test_an_admin_edit_keeps_an_unsubscribed_address_unsubscribed_and_bad_hours_are_refused(site, smtp_sink, sessions):
    from store.subscribers import unsubscribe

    with transaction(sessions) as s:
        other = subscribe(s, "b@example.org", ["网格化管理"], T0)
        unsubscribe(s, "b@example.org", T0)
        create_admin(s, "boss@example.org", T0)
    sign_in(site, smtp_sink, "boss@example.org")
    token = csrf_of(site, "/admin")
    path = f"/admin/subscribers/{other.id}/prefs"
    assert site.post(path, data={"csrf": token, "delivery": "digest"}).status_code == 303
    for hour in ("²", "24", "-1", "8am"):
        r = site.post(path, data={"csrf": token, "digest_hour": hour})
        assert r.status_code == 422 and "digest hour" in r.text, hour
    with sessions() as s:
        sub = subscriber_by_email(s, "b@example.org")
        assert (sub.active, sub.delivery, sub.digest_hour) == (False, "digest", 8)

"""The web UI in a real browser: search, open a document, diff, copy a citation, sign in by the
mailed link, add a watch rule, switch language — and archived script never runs."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from alerts.signin import sign_in_mailer
from alerts.sink import free_port
from common.settings import Settings, SourceConfig
from store.db import make_engine, session_factory, transaction
from store.repo import ensure_source
from store.schema import upgrade
from store.subscribers import rules_of, subscriber_by_email
from tests.web.conftest import live
from tests.web.test_archive_web import OTHER, V1, V2, _doc
from web.app import create_app

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
# a page that tries every way to run script: each would set window.__pwned, open a dialog or log
HOSTILE = (
    '<script>window.__pwned=1;alert("x");console.log("pwned")</script>'
    '<img src=x onerror="window.__pwned=2;alert(2)"><svg onload=alert(3)>'
    '<a href="javascript:alert(4)">x</a>'
)


@pytest.fixture
def site(tmp_path, smtp_sink):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        src = ensure_source(s, "sim-govcn", "govcn", {"start_urls": []}, T0)
        revised = _doc(s, src, "http://127.0.0.1:9/a.htm", [V1, V2])
        _doc(s, src, "http://127.0.0.1:9/b.htm", [OTHER], title="关于文明城市的通知")
        hostile = _doc(
            s, src, "javascript:alert(5)", [f"社会信用{HOSTILE}体系", f"健康码{HOSTILE}"], title=f"标题{HOSTILE}"
        )
    port = free_port()
    settings = Settings(secret_key="k", base_url=f"http://127.0.0.1:{port}", smtp_host="127.0.0.1",
                        smtp_port=smtp_sink.port, mail_from="pw <pw@pw.test>", data_dir=str(tmp_path),
                        sources=(SourceConfig("sim-govcn", "govcn", ("http://127.0.0.1:9/",)),))  # fmt: skip
    app = create_app(settings, sessions, sign_in_mailer(settings, 20))
    with live(app, port) as client:
        yield {"url": str(client.base_url), "sessions": sessions, "revised": revised.id, "hostile": hostile.id}
    engine.dispose()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(
        base_url=site["url"], locale="zh-CN", permissions=["clipboard-read", "clipboard-write"]
    )
    pg = context.new_page()
    pg.seen = {"dialogs": [], "console": [], "errors": []}
    pg.on("dialog", lambda d: (pg.seen["dialogs"].append(d.message), d.dismiss()))
    pg.on("console", lambda m: pg.seen["console"].append(m.text))
    pg.on("pageerror", lambda e: pg.seen["errors"].append(str(e)))
    yield pg
    context.close()


def test_search_open_diff_and_copy_citation(page, site):
    page.goto("/")
    page.fill("input[name=q]", "守信联合激励")
    page.click("form.search button[type=submit]")
    hit = page.locator(".hit").first
    assert hit.locator("mark").inner_text() == "守信联合激励"
    hit.locator("h2 a").click()
    assert re.search(rf"/documents/{site['revised']}/versions/\d+$", page.url)
    assert "建立守信联合激励机制" in page.locator(".text").inner_text()

    page.click("button[data-copy=citation]")
    expect(page.locator("button[data-copy=citation]")).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert (
        copied == page.locator("#citation").input_value()
        and "SHA-256 abab" in copied
        and "Captured 2026-03-02T02:00:00Z (北京时间 2026-03-02 10:00)" in copied
    )

    page.click("text=历史")
    page.locator("a", has_text="差异 v1→v2").click()
    inline = page.locator(".text").last
    deleted, inserted = inline.locator("del").first.inner_text(), inline.locator("ins").first.inner_text()
    assert deleted.startswith("守信联合激励") and inserted.startswith("信用修复")  # 建立 before them is unchanged
    assert page.seen["errors"] == []


def test_archived_script_never_runs(page, site):
    doc = site["hostile"]
    paths = ["/?q=社会信用", "/?q=健康码&mode=current", f"/documents/{doc}"]
    page.goto(f"/documents/{doc}")
    version_links = page.locator("table.kv a[href*='/versions/']")
    paths += [version_links.nth(i).get_attribute("href") for i in range(version_links.count())]
    paths.append(page.locator("a[href*='/diff?']").first.get_attribute("href"))
    for path in paths:
        page.goto(path)
        assert HOSTILE in page.locator("main").inner_text(), path  # the payload is on the page, as text
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("a[href^='javascript:']").count() == 0, path  # the document's URL is javascript:
    assert page.seen["dialogs"] == [] and page.seen["console"] == [] and page.seen["errors"] == []
    page.goto(f"/documents/{doc}")
    assert HOSTILE in page.locator("h1").inner_text()  # shown as text, exactly


def sign_in(page, smtp_sink, email: str) -> None:
    page.goto("/")
    page.click("nav >> text=登录")
    page.fill("input[name=email]", email)
    page.click("text=发送登录链接")
    assert email in page.locator("p.ok").inner_text()
    body = smtp_sink.messages[-1].get_body(("plain",)).get_content()
    page.goto(re.search(r"http://\S+/signin/link\?token=\S+", body).group(0))
    assert email in page.locator("main").inner_text()  # the button says whose account it opens
    page.click("main button[type=submit]")
    assert page.url.endswith("/account")


def test_sign_in_by_mailed_link_and_add_a_rule(page, site, smtp_sink):
    sign_in(page, smtp_sink, "r@example.org")
    page.fill("input[name=keywords]", "社会信用体系，全国文明城市")
    page.check("input[name=events][value=removed]")
    page.click("text=添加规则 >> nth=-1")
    assert "社会信用体系、全国文明城市" in page.locator("tr.rule").inner_text()
    with site["sessions"]() as s:
        (rule,) = rules_of(s, subscriber_by_email(s, "r@example.org").id)
        assert (rule.keywords, rule.events) == (["社会信用体系", "全国文明城市"], ["removed"])
    page.click("nav button:has-text('退出')")
    page.goto("/account")
    assert page.url.endswith("/signin")


def test_language_switch(page, site):
    page.goto("/?q=社会信用体系")
    page.click("text=English")
    assert page.locator("nav a").first.inner_text() == "Search"
    assert page.url.endswith("/?q=%E7%A4%BE%E4%BC%9A%E4%BF%A1%E7%94%A8%E4%BD%93%E7%B3%BB")
    assert "documents" in page.locator("p.meta").first.inner_text()


def test_trends_chart_and_csv(page, site):
    page.goto("/trends")
    page.fill("input[name=q]", "社会信用")
    page.check("input[name=by][value=source]")
    page.click("main button[type=submit]")
    chart = page.locator("svg.chart")
    assert chart.locator("circle").count() >= 1 and "sim-govcn" in chart.locator("text.legend").all_text_contents()
    assert page.locator("table.trend tr").count() >= 2
    with page.expect_download() as download:
        page.click("text=下载 CSV")
    assert download.value.suggested_filename == "policywatch-trend.csv"


def test_an_admin_pauses_a_source_with_the_button(page, site, smtp_sink):
    from store.accounts import create_admin
    from store.jobs import paused_sources

    with transaction(site["sessions"]) as s:
        create_admin(s, "boss@example.org", T0)
    sign_in(page, smtp_sink, "boss@example.org")
    page.click("nav >> text=管理")
    page.locator("tr.source", has_text="sim-govcn").locator("button", has_text="暂停抓取").click()
    assert "已暂停" in page.locator("tr.source", has_text="sim-govcn").inner_text()
    with site["sessions"]() as s:
        assert paused_sources(s)["sim-govcn"]["paused_by"] == "boss@example.org"
    page.locator("tr.source", has_text="sim-govcn").locator("button", has_text="恢复抓取").click()
    with site["sessions"]() as s:
        assert paused_sources(s) == {}

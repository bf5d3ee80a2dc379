"""Regenerate the README's screenshots: run the demo into a temporary archive, serve the web app
over it, and photograph the main pages with Debian's Chromium (Playwright drives it).

    .venv/bin/python docs/screenshots/make.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from sqlalchemy import func, select

from alerts.sink import free_port
from common import clock
from common.settings import load_settings
from store.accounts import create_admin, start_session
from store.db import make_engine, session_factory, transaction
from store.models import Version
from web.app import create_app

HERE = Path(__file__).parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
EMAIL = "researcher@example.org"


def pages(sessions) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(file name, path) of each page to photograph, picked from the demo archive."""
    with sessions() as s:
        doc_id = s.execute(
            select(Version.document_id).group_by(Version.document_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        ids = list(s.scalars(select(Version.id).where(Version.document_id == doc_id).order_by(Version.seq)))
    return [
        ("search", "/?q=社会信用体系"),
        ("document", f"/documents/{doc_id}"),
        ("version", f"/documents/{doc_id}/versions/{ids[-1]}"),
        ("diff", f"/documents/{doc_id}/diff?from={ids[0]}&to={ids[-1]}"),
        ("trends", "/trends?q=社会信用体系&by=source"),
        ("account", "/account"),
        ("admin", "/admin"),
    ]


def main() -> None:
    """Run the demo, serve it, photograph it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="policywatch-shots-"))
    subprocess.run([sys.executable, "-m", "cli", "demo", "--dir", str(root)], check=True)
    settings = load_settings(root / "policywatch.toml")
    sessions = session_factory(make_engine(settings.database_url))
    with transaction(sessions) as s:
        create_admin(s, EMAIL, clock.now())
        token = start_session(s, EMAIL, clock.now())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, sessions), host="127.0.0.1", port=port))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
        context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 860})
        context.add_cookies([{"name": "pw_session", "value": token, "url": base}])
        page = context.new_page()
        for name, path in pages(sessions):
            page.goto(path)
            if name == "diff":  # show the first change, not the unchanged opening
                page.locator(".sidebyside del, .sidebyside ins").first.scroll_into_view_if_needed()
            page.screenshot(path=str(HERE / f"{name}.png"))
            print(f"docs/screenshots/{name}.png  {path}")
        browser.close()
    server.should_exit = True
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

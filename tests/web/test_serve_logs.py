"""`policywatch serve` for real: its access log never holds a live sign-in or unsubscribe token."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

from alerts.sink import free_port
from store.db import make_engine
from store.schema import upgrade

SECRET = "LiveTokenValue123"


def test_the_access_log_redacts_tokens(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    upgrade(make_engine(db))
    config = tmp_path / "policywatch.toml"
    config.write_text(f'database_url = "{db}"\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        for path in (f"/signin/link?token={SECRET}", f"/unsubscribe?token={SECRET}&x=1", "/signin"):
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
                    break
                except urllib.error.HTTPError:
                    break  # answered (an unknown token is a 4xx page): logged all the same
                except OSError:
                    time.sleep(0.1)  # not listening yet
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "GET /signin/link?token=[redacted] HTTP/1.1" in output, output[-2000:]
    assert "GET /unsubscribe?token=[redacted]&x=1 HTTP/1.1" in output
    assert SECRET not in output

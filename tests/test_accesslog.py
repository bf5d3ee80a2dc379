"""The suite-wide politeness check (sim/accesslog.py) finds each kind of breach, and a real sim
server's middleware records what the checker needs."""

from __future__ import annotations

import json
import os
import urllib.request

from sim.accesslog import ENV, check
from sim.bulk import BulkSite

UA = "policywatch/0.1 (+https://example.org; mailto:ops@example.org)"


def _line(path: str, start: float, **extra) -> dict:
    return {"server": "s1", "method": "GET", "path": path, "status": 200, "ua": UA, "start": start,
            "end": start + 0.1, "concurrent": 0, "wall": False, **extra}  # fmt: skip


def _check(tmp_path, lines) -> list[str]:
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return check(log).breaches


def test_a_clean_log_has_no_breach_and_each_rule_is_enforced(tmp_path):
    robots = _line("/robots.txt", 0, robots="User-agent: *\nDisallow: /private/\n")
    clean = [robots, _line("/a.html", 1), _line("/b.html", 2)]
    assert _check(tmp_path, clean) == []
    assert _check(tmp_path, [_line("/a.html", -1), *clean])[0].startswith("before robots.txt was asked")
    assert _check(tmp_path, [*clean, _line("/private/x.html", 3)])[0].startswith("robots.txt disallows")
    assert _check(tmp_path, [*clean, _line("/c.html", 3, concurrent=1)])[0].startswith("1 other request(s) in flight")
    walled = [*clean, _line("/c.html", 3, status=412, wall=True), _line("/d.html", 4)]
    assert _check(tmp_path, walled)[0].startswith("request after a bot wall")
    other_server = [{**line, "server": "s2"} for line in (robots, _line("/d.html", 4))]
    assert _check(tmp_path, [*walled[:-1], *other_server]) == []  # a wall holds for its own server only
    browser = [*clean, _line("/private/x.html", 3, ua="Mozilla/5.0")]
    assert _check(tmp_path, browser) == []  # only the crawler is held to the rules


def test_the_sim_servers_log_the_crawler_requests_with_robots_and_concurrency(tmp_path, monkeypatch):
    log = tmp_path / "access.jsonl"
    monkeypatch.setitem(os.environ, ENV, str(log))
    site = BulkSite(2).start()
    try:
        for path in ("/robots.txt", site.listing_url[len(site.origin) :]):
            req = urllib.request.Request(site.origin + path, headers={"User-Agent": UA})
            with urllib.request.urlopen(req) as resp:
                resp.read()
    finally:
        site.stop()
    lines = [json.loads(raw) for raw in log.read_text(encoding="utf-8").splitlines()]
    assert [(line["path"], line["status"], line["concurrent"]) for line in lines] == [
        ("/robots.txt", 200, 0), (site.listing_url[len(site.origin) :], 200, 0)
    ]  # fmt: skip
    assert "Disallow:" in lines[0]["robots"] and all(line["ua"] == UA for line in lines)
    report = check(log)
    assert (report.requests, report.servers, report.breaches) == (2, 1, [])

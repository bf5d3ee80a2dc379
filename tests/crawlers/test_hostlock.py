"""One crawl per host at a time: sources sharing a host never hit it concurrently, in one
process or in two (checked on the sim's own request timings)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import pytest

from common.errors import CrawlError
from common.settings import SourceConfig
from crawlers.hostlock import host_locks
from crawlers.run import host_groups, hosts_of
from demo import T0, demo_config
from sim.server import SimWeb

A = SourceConfig("a", "trs", ("http://gov.example/a/index.html",))
B = SourceConfig("b", "trs", ("http://gov.example/b/index.html",))
C = SourceConfig("c", "urls", ("http://other.example/x.html", "http://third.example/y.html"))
D = SourceConfig("d", "govcn", ("http://third.example/z.htm",), search_api="http://api.example/s?q=1")


def test_sources_sharing_a_host_are_grouped():
    assert hosts_of(D) == {"third.example", "api.example"}
    groups = [[s.name for s in g] for g in host_groups([A, C, B, D])]
    assert sorted(groups) == [["a", "b"], ["c", "d"]]


def test_a_second_holder_waits_then_says_what_to_do(tmp_path):
    with host_locks(tmp_path, ["gov.example:80"], timeout=1):
        start = time.monotonic()
        with (
            pytest.raises(CrawlError, match=r"gov\.example:80 is still being crawled .* try again"),
            host_locks(tmp_path, ["other.example", "gov.example:80"], timeout=0.5),
        ):
            pass
        assert time.monotonic() - start >= 0.5
    with host_locks(tmp_path, ["gov.example:80"], timeout=0.1):  # released on exit
        pass


def _overlaps(timings: list[tuple[str, str, float, float]], site: str) -> list[tuple[str, str]]:
    spans = sorted((start, end, path) for s, path, start, end in timings if s == site)
    return [(p0, p1) for (_s0, e0, p0), (s1, _e1, p1) in itertools.pairwise(spans) if s1 < e0]


@pytest.fixture
def two_sources_one_host(tmp_path):
    web = SimWeb(base_port=0, seed=42)
    web.start()
    gov = web.site_url("govcn")
    extra = f"""
[[sources]]
name = "sim-govcn-watch"
kind = "urls"
start_urls = [{", ".join(f'"{gov}{web.scenario.document(k).path}"' for k in ("g02", "g03", "g04"))}]
"""
    # the second source watches pages of the same host; g02 is the sim's slow page (1.5 s), so two
    # crawls allowed to run side by side would overlap on it
    config = tmp_path / "policywatch.toml"
    config.write_text(demo_config(web, 2525, tmp_path) + extra, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "cli", "--config", str(config), "init"], check=True, capture_output=True)
    yield web, config
    web.stop()


def _crawl(config, *sources: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "cli", "--config", str(config), "crawl", *sources, "--now", T0.isoformat()]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_two_sources_on_one_host_never_overlap_in_one_process_or_two(two_sources_one_host):
    web, config = two_sources_one_host
    one = _crawl(config, "sim-govcn", "sim-govcn-watch")
    assert one.wait(timeout=300) == 0, one.stderr.read().decode()[-2000:] if one.stderr else ""
    first = len(web.timings)
    assert sum(1 for s, *_ in web.timings if s == "govcn") > 20
    assert _overlaps(web.timings, "govcn") == []
    procs = [_crawl(config, "sim-govcn"), _crawl(config, "sim-govcn-watch")]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode()[-2000:] if p.stderr else ""
    assert len(web.timings) > first
    assert _overlaps(web.timings[first:], "govcn") == []

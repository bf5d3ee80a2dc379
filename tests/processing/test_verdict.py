from datetime import UTC, datetime, timedelta

import pytest

from processing.types import PageKind
from processing.verdict import DocState, Outcome, Tracking, classify, is_column_index, step

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "url", "final", "kind", "expected"),
    [
        (200, "http://a/x/t1.html", "http://a/x/t1.html", PageKind.DOCUMENT, Outcome.OK),
        (304, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.NOT_MODIFIED),
        (404, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.HTTP_404),
        (410, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.HTTP_410),
        (200, "http://a/x/t1.html", "http://a/", PageKind.UNKNOWN, Outcome.REDIRECT_HOME),
        (200, "http://a/x/t1.html", "http://a/xxgk/index.html", PageKind.LISTING, Outcome.REDIRECT_HOME),
        (200, "http://a/x/t1.html", "http://a/x/t1.html", PageKind.SOFT_404, Outcome.SOFT_404),
        (412, "http://a/x/t1.html", "http://a/x/t1.html", PageKind.BLOCKED, Outcome.BLOCKED),
        (521, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.BLOCKED),
        (403, "http://a/x/t1.html", "http://a/x/t1.html", PageKind.BLOCKED, Outcome.BLOCKED),
        (403, "http://a/x/t1.html", "http://a/x/t1.html", PageKind.UNKNOWN, Outcome.REFUSED),
        (429, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.REFUSED),
        (401, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.REFUSED),
        (304, "http://a/x/t1.html", "http://a/", None, Outcome.REDIRECT_HOME),
        (200, "http://a/x/t1.html", "http://a/x/list.htm", PageKind.LISTING, Outcome.REDIRECT_HOME),
        (200, "http://a/x/t1.html", "http://a/x/t1.html", PageKind.LISTING, Outcome.OK),
        (503, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.SERVER_ERROR),
        (0, "http://a/x/t1.html", "http://a/x/t1.html", None, Outcome.NETWORK_ERROR),
        (200, "http://a/x/t1.html", "http://evil.example/", PageKind.DOCUMENT, Outcome.OFFSITE_REDIRECT),
    ],
)
def test_classify(status, url, final, kind, expected):
    assert classify(status, url, final, kind) is expected


def test_column_index():
    assert is_column_index("http://a/")
    assert is_column_index("http://a/zhengce/zuixin/home_3.htm")
    assert not is_column_index("http://a/zhengce/content/202101/content_1234567.htm")


def test_removed_only_after_three_failures_over_48_hours():
    t, kinds = step(Tracking(), Outcome.HTTP_404, T0)
    assert kinds == ["suspected_removed"] and t.state is DocState.SUSPECTED
    t, kinds = step(t, Outcome.HTTP_404, T0 + timedelta(hours=1))
    t, kinds2 = step(t, Outcome.HTTP_404, T0 + timedelta(hours=2))
    assert kinds == kinds2 == [] and t.failures == 3  # three failures but only 2 hours: not yet
    t, kinds = step(t, Outcome.SOFT_404, T0 + timedelta(hours=48))
    assert kinds == ["removed"] and t.state is DocState.REMOVED and t.last_failure == "soft_404"
    t, kinds = step(t, Outcome.HTTP_404, T0 + timedelta(hours=72))
    assert kinds == []


def test_outages_and_walls_are_never_deletions():
    t = Tracking()
    for outcome in (Outcome.SERVER_ERROR, Outcome.NETWORK_ERROR, Outcome.BLOCKED, Outcome.REFUSED):
        t, kinds = step(t, outcome, T0)
        assert kinds == [] and t == Tracking()


def test_reappeared_resets_tracking():
    t, _ = step(Tracking(), Outcome.HTTP_410, T0)
    t, kinds = step(t, Outcome.OK, T0 + timedelta(days=1))
    assert kinds == ["reappeared"] and t == Tracking()
    t, kinds = step(t, Outcome.NOT_MODIFIED, T0 + timedelta(days=2))
    assert kinds == []

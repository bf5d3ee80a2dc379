"""The per-host probe gate: one request meets a bot wall; nothing is held forever."""

from crawlers.gate import HostGate

A = "http://a.gov.cn:80"
B = "http://b.gov.cn:80"


def gate(blocked=None):
    return HostGate(blocked if blocked is not None else set(), lambda url, probe: (url, probe))


def test_first_request_per_host_probes_and_the_rest_wait():
    g = gate()
    out = g.admit([f"{A}/1.html", f"{A}/2.html", f"{B}/1.html", f"{A}/3.html", f"{A}/2.html"])
    assert out == [(f"{A}/1.html", True), (f"{B}/1.html", True)]
    assert g.held_count() == 2
    assert g.answered(f"{A}/1.html") == [(f"{A}/2.html", False), (f"{A}/3.html", False)]
    assert g.admit([f"{A}/4.html"]) == [(f"{A}/4.html", False)]  # host open now


def test_a_wall_on_the_probe_drops_the_held_requests():
    blocked: set[str] = set()
    g = gate(blocked)
    g.admit([f"{A}/1.html", f"{A}/2.html"])
    blocked.add("a.gov.cn:80")  # the middleware saw a 412
    assert g.answered(f"{A}/1.html") == [] and g.held_count() == 0
    assert g.admit([f"{A}/5.html"]) == []


def test_a_failed_probe_hands_over_to_the_next_held_request():
    g = gate()
    g.admit([f"{A}/1.html", f"{A}/2.html", f"{A}/3.html"])
    assert g.failed(f"{A}/1.html") == [(f"{A}/2.html", True)]
    assert g.failed(f"{A}/2.html") == [(f"{A}/3.html", True)]
    assert g.failed(f"{A}/3.html") == [] and g.held_count() == 0

"""Province and issuer level from agency names and hosts; trend tables with coverage."""

import pytest

from processing.regions import UNKNOWN, agency_level, province_of
from processing.trends import DocRow, build, month_range


@pytest.mark.parametrize(
    ("agency", "level", "province"),
    [
        ("国务院办公厅", "中央", UNKNOWN),
        ("国家发展改革委、中国人民银行", "中央", UNKNOWN),
        ("公安部", "中央", UNKNOWN),
        ("市场监管总局", "中央", UNKNOWN),  # 市场 is not a city
        ("中央文明办", "中央", UNKNOWN),
        ("北京市人民政府", "省级", "北京"),  # a municipality is province-level
        ("天津市发展和改革委员会", "省级", "天津"),
        ("北京市朝阳区人民政府", "县级", "北京"),
        ("浙江省人民政府办公厅", "省级", "浙江"),
        ("浙江省杭州市人民政府", "地市级", "浙江"),
        ("杭州市西湖区人民政府", "县级", "浙江"),
        ("杭州市发展和改革委员会", "地市级", "浙江"),
        ("广西壮族自治区人民政府", "省级", "广西"),  # 自治区 is not a district
        ("内蒙古自治区锡林郭勒盟行政公署", "地市级", "内蒙古"),
        ("某某县人民政府", "县级", UNKNOWN),
        ("", UNKNOWN, UNKNOWN),
        (None, UNKNOWN, UNKNOWN),
    ],
)
def test_level_and_province_of_agencies(agency, level, province):
    assert agency_level(agency) == level
    assert province_of(agency) == province


def test_province_from_the_host_when_the_agency_does_not_say():
    assert province_of("示例局", "www.tj.gov.cn") == "天津"
    assert province_of("", "credit.zj.gov.cn") == "浙江"
    assert province_of("", "www.gov.cn") == UNKNOWN
    assert province_of("", "tj.example.com") == UNKNOWN  # only gov.cn hosts say where they are


def test_month_range_spans_years_and_refuses_reversed_bounds():
    assert month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_range("2026-02", "2026-01") == [] and month_range("", "2026-01") == []


def row(doc_id, month, source="a", first="2026-03", agency="国务院办公厅", host="www.gov.cn"):
    return DocRow(doc_id, month, first, source, host, agency)


def test_shares_not_counts_and_gaps_are_not_zero():
    rows = [row(1, "2026-01"), row(2, "2026-01"), row(3, "2026-01"), row(4, "2026-01"), row(5, "2026-03")]
    table = build(rows, matching={1, 5}, grouping="all", axis="published")
    assert table.months == ["2026-01", "2026-02", "2026-03"]
    assert table.share("全部", "2026-01") == 0.25 and table.share("全部", "2026-03") == 1.0
    assert table.share("全部", "2026-02") is None
    assert [table.coverage[("全部", m)] for m in table.months] == ["retro", "gap", "live"]


def test_groups_ranked_by_matches_with_unknown_last_and_bounded_months():
    rows = [
        row(1, "2026-01", agency="某局"), row(2, "2026-01", agency="天津市人民政府"),
        row(3, "2026-02", agency="天津市人民政府"), row(4, "2026-02", agency="浙江省人民政府"),
        row(5, "2025-12", agency="浙江省人民政府"),
    ]  # fmt: skip
    table = build(rows, matching={1, 2, 3}, grouping="province", axis="published", first="2026-01", last="2026-02")
    assert table.groups == ["天津", "浙江", UNKNOWN]
    assert table.months == ["2026-01", "2026-02"]
    assert (table.matches[("天津", "2026-02")], table.totals[("浙江", "2026-02")]) == (1, 1)
    assert sum(table.totals.values()) == 4  # the December document is outside the range


def test_captured_axis_flags_the_first_crawls_backlog():
    rows = [row(1, "2026-03"), row(2, "2026-03"), row(3, "2026-04")]
    table = build(rows, matching={3}, grouping="all", axis="captured")
    assert [table.coverage[("全部", m)] for m in table.months] == ["backfill", "live"]
    assert table.rows()[1] == {"group": "全部", "month": "2026-04", "matching": 1, "documents": 1, "share": 1.0,
                               "coverage": "live"}  # fmt: skip


def test_a_long_range_keeps_its_newest_months():
    months = month_range("1970-01", "2026-03", most=24)
    assert months[0] == "2024-04" and months[-1] == "2026-03" and len(months) == 24


def test_coverage_follows_each_site_not_the_group():
    """A site first crawled in April brings its backlog into April: in the all-sites group that
    month is backfill, though the first site was live long before."""
    rows = [row(1, "2026-03", source="a", first="2026-03"), row(2, "2026-04", source="a", first="2026-03"),
            row(3, "2026-04", source="b", first="2026-04"), row(4, "2026-05", source="a", first="2026-03")]  # fmt: skip
    captured = build(rows, matching=set(), grouping="all", axis="captured")
    assert [captured.coverage[("全部", m)] for m in captured.months] == ["backfill", "backfill", "live"]
    published = build([row(5, "2026-03", source="a", first="2026-01"), row(6, "2026-03", source="b", first="2026-05")],
                      matching=set(), grouping="all", axis="published")  # fmt: skip
    assert published.coverage[("全部", "2026-03")] == "retro"  # site b was not crawled yet in March

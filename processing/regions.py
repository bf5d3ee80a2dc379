"""Where a document comes from: its province and its issuer's administrative level.

Both are read from the 发文机关 (agency) first — ``天津市人民政府`` is Tianjin, provincial level;
``杭州市西湖区人民政府`` is Zhejiang, county level — and, for the province, from the site's host
name (``www.tj.gov.cn``) when the agency does not say. Heuristics with an explicit ``未知`` when
they cannot tell: a trend by province must show what it could not place, not guess.
"""

from __future__ import annotations

import re

UNKNOWN = "未知"
LEVELS = ("中央", "省级", "地市级", "县级", UNKNOWN)

# province-level divisions: full names as they start an agency name, and the host labels of their portals
PROVINCES: dict[str, tuple[str, ...]] = {
    "北京": ("beijing", "bj"), "天津": ("tianjin", "tj"), "河北": ("hebei", "heb"), "山西": ("shanxi", "sx"),
    "内蒙古": ("nmg", "neimenggu"), "辽宁": ("ln", "liaoning"), "吉林": ("jl", "jilin"),
    "黑龙江": ("hlj", "heilongjiang"), "上海": ("shanghai", "sh"), "江苏": ("jiangsu", "js"),
    "浙江": ("zj", "zhejiang"), "安徽": ("ah", "anhui"), "福建": ("fujian", "fj"), "江西": ("jiangxi", "jx"),
    "山东": ("shandong", "sd"), "河南": ("henan", "ha"), "湖北": ("hubei", "hb"), "湖南": ("hunan", "hn"),
    "广东": ("gd", "guangdong"), "广西": ("gxzf", "guangxi", "gx"), "海南": ("hainan",), "重庆": ("cq", "chongqing"),
    "四川": ("sc", "sichuan"), "贵州": ("guizhou", "gz"), "云南": ("yn", "yunnan"), "西藏": ("xizang",),
    "陕西": ("shaanxi", "sn"), "甘肃": ("gansu", "gs"), "青海": ("qinghai", "qh"), "宁夏": ("nx", "ningxia"),
    "新疆": ("xinjiang", "xj"),
}  # fmt: skip
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
# prefecture-level cities often named without their province (provincial capitals, sub-provincial cities)
CITIES: dict[str, str] = {
    "石家庄": "河北", "太原": "山西", "呼和浩特": "内蒙古", "沈阳": "辽宁", "大连": "辽宁", "长春": "吉林",
    "哈尔滨": "黑龙江", "南京": "江苏", "苏州": "江苏", "无锡": "江苏", "杭州": "浙江", "宁波": "浙江",
    "温州": "浙江", "合肥": "安徽", "福州": "福建", "厦门": "福建", "南昌": "江西", "济南": "山东", "青岛": "山东",
    "郑州": "河南", "武汉": "湖北", "长沙": "湖南", "广州": "广东", "深圳": "广东", "东莞": "广东", "佛山": "广东",
    "南宁": "广西", "海口": "海南", "成都": "四川", "贵阳": "贵州", "昆明": "云南", "拉萨": "西藏", "西安": "陕西",
    "兰州": "甘肃", "西宁": "青海", "银川": "宁夏", "乌鲁木齐": "新疆", "荣成": "山东", "威海": "山东",
    "邯郸": "河北", "保定": "河北", "唐山": "河北",
}  # fmt: skip
_HOST_LABELS = {label: name for name, labels in PROVINCES.items() for label in labels}
_CENTRAL = re.compile(r"^(国务院|中共中央|中央|全国|国家|最高人民|中国人民银行|海关总署)")
_MINISTRY = re.compile(r"^.{1,8}(部|总局|署)(办公厅)?$")
_COUNTY = re.compile(r"[县旗]|(?<!自治)区(?!域)")
_PREFECTURE = re.compile(r"市|地区|盟|自治州|州")


def province_of(agency: str | None, host: str = "") -> str:
    """The province-level division an agency (or, failing that, a site host) belongs to, or 未知."""
    name = (agency or "").strip()
    for province in PROVINCES:
        if name.startswith(province):
            return province
    for city, province in CITIES.items():
        if name.startswith(city):
            return province
    labels = host.lower().split(".")
    if len(labels) >= 3 and labels[-2:] == ["gov", "cn"]:
        for label in labels[:-2]:
            if label in _HOST_LABELS:
                return _HOST_LABELS[label]
    return UNKNOWN


def agency_level(agency: str | None) -> str:
    """中央, 省级, 地市级, 县级 or 未知 for a 发文机关 name (the first of several joint issuers)."""
    name = re.split(r"[、,，\s]+", (agency or "").strip())[0]
    if not name:
        return UNKNOWN
    if _CENTRAL.search(name):
        return "中央"
    for province in PROVINCES:
        if name.startswith(province):
            rest = re.sub(r"^(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)", "", name[len(province) :])
            geo = _geo_part(rest)
            if _COUNTY.search(geo):
                return "县级"
            return "地市级" if _PREFECTURE.search(geo) and province not in MUNICIPALITIES else "省级"
    geo = _geo_part(name)
    if _COUNTY.search(geo):
        return "县级"
    if _PREFECTURE.search(geo):
        return "地市级"
    return "中央" if _MINISTRY.search(name) else UNKNOWN


def _geo_part(name: str) -> str:
    """The place-name part of an agency name: what comes before the body (人民政府, 办公室, 委员会…),
    without words that only look like place suffixes (市场, 区域)."""
    match = re.search(r"(人民政府|人民代表大会|政府|办公厅|办公室|委员会|党委|总局|局|厅|委|院|办)", name)
    geo = name[: match.start()] if match else name
    return geo.replace("市场", "").replace("区域", "")

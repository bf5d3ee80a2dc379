"""Dates as printed on Chinese government pages -> ISO ``YYYY-MM-DD``.

Handles ``2019年01月27日``, ``2019年1月7日``, ``2019-01-27``, ``2019.01.27``, ``2019/1/27``, gov.cn's
``2019-01-27-10:22:33``, full-width digits, stray spaces, and signature dates written in Chinese
numerals (``二〇一九年一月二十七日``). Anything that is not a real calendar date gives ``None``.
"""

from __future__ import annotations

import re
from datetime import date

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SEP = r"\s*[年\-./／－]\s*"
_NUMERIC_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})" + _SEP + r"(\d{1,2})" + _SEP.replace("年", "月") + r"(\d{1,2})(?!\d)"
)
_NUMERIC_FULL_RE = re.compile(r"\s*" + _NUMERIC_RE.pattern + r"\s*日?\s*")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CN_CHARS = "".join(_CN_DIGITS) + "十"
_CHINESE_RE = re.compile(rf"([{_CN_CHARS}]{{4}})\s*年\s*([{_CN_CHARS}]{{1,3}})\s*月\s*([{_CN_CHARS}]{{1,3}})\s*日")


def _iso(year: int, month: int, day: int) -> str | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _cn_number(text: str) -> int | None:
    """Chinese numeral 1..31 (一, 十, 十二, 二十七, 三十一)."""
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    head, _, tail = text.partition("十")
    tens = _CN_DIGITS.get(head, -1) if head else 1
    ones = _CN_DIGITS.get(tail, -1) if tail else 0
    if tens < 0 or ones < 0:
        return None
    return tens * 10 + ones


def _cn_year(text: str) -> int | None:
    digits = [_CN_DIGITS.get(char) for char in text]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def parse_date(text: str | None) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``, or ``None`` when there is none."""
    if not text:
        return None
    value = text.translate(_FULLWIDTH_DIGITS)
    match = _NUMERIC_RE.search(value)
    if match:
        return _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    cn = _CHINESE_RE.search(value)
    if cn:
        year, month, day = _cn_year(cn.group(1)), _cn_number(cn.group(2)), _cn_number(cn.group(3))
        if year is not None and month is not None and day is not None:
            return _iso(year, month, day)
    return None


def is_date_line(text: str) -> bool:
    """True when ``text`` is nothing but one date (e.g. a signature date line)."""
    value = text.translate(_FULLWIDTH_DIGITS).strip()
    if _NUMERIC_FULL_RE.fullmatch(value):
        return parse_date(value) is not None
    cn = _CHINESE_RE.fullmatch(value)
    return cn is not None and parse_date(value) is not None

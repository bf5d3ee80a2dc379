"""Helpers shared by the HTML templates."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime


def esc(text: str) -> str:
    """HTML-escape text for element content and attribute values."""
    return html.escape(text, quote=True)


def cn_date(value: date) -> str:
    """``2025年03月07日`` (zero-padded, as in gov.cn metadata tables)."""
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def iso_date(value: date) -> str:
    """``2025-03-07``."""
    return value.strftime("%Y-%m-%d")


def minute(value: datetime) -> str:
    """``2025-03-07 10:19`` (the PubDate meta format)."""
    return value.strftime("%Y-%m-%d %H:%M")


def paragraphs_html(paragraphs: Iterable[str], style: str = "text-indent: 2em;") -> str:
    """Body paragraphs as ``<p>`` elements."""
    return "\n".join(f'<p style="{style}">{esc(p)}</p>' for p in paragraphs)


def folder_of(path: str) -> str:
    """The directory part of a URL path, with a trailing slash."""
    return path.rsplit("/", 1)[0] + "/"

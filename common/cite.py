"""The citation string of an archived version — one format for the web UI, the API, the CLI and
alert mails, so a researcher can quote any of them."""

from __future__ import annotations

from datetime import datetime

from common.clock import beijing, to_utc


def citation(
    title: str | None, agency: str | None, doc_number: str | None, url: str, captured_at: datetime,
    sha256: str | None, text_sha256: str | None = None,
) -> str:  # fmt: skip
    """``Title. Agency. 文号. URL. Captured 2026-03-02T02:00:00Z (北京时间 2026-03-02 10:00). SHA-256 …``

    The hash is the captured bytes' (what a WARC record holds); without a capture, the text's
    (``text SHA-256 …``). Missing fields are left out, an untitled version says so."""
    at = to_utc(captured_at)
    parts = [title or "(untitled)", agency or "", doc_number or "", url]
    stamp = f"Captured {at:%Y-%m-%dT%H:%M:%SZ} (北京时间 {beijing(at):%Y-%m-%d %H:%M})"
    digest = f"SHA-256 {sha256}" if sha256 else f"text SHA-256 {text_sha256}" if text_sha256 else ""
    return ". ".join(p for p in [*parts, stamp, digest] if p)

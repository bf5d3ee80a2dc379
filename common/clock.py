"""The one clock of policywatch, with an override for replays and tests.

``policywatch crawl --now 2026-01-05T08:00:00Z`` (or ``POLICYWATCH_NOW``) makes a whole
run behave as if it were that moment: capture times, verdict windows and events all use
:func:`now`. Times are timezone-aware UTC.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

from common.errors import ConfigError

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_override: datetime | None = None


def parse_instant(value: str) -> datetime:
    """Parse an ISO-8601 instant; a naive value is taken as UTC."""
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"cannot read the time {value!r}: use ISO-8601, e.g. 2026-01-05T08:00:00Z") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def set_now(value: datetime | str | None) -> None:
    """Fix the clock at ``value`` (``None`` returns to real time)."""
    global _override
    _override = parse_instant(value) if isinstance(value, str) else value


def now() -> datetime:
    """The current instant: the override if set, else ``POLICYWATCH_NOW``, else real UTC time."""
    if _override is not None:
        return _override
    env = os.environ.get("POLICYWATCH_NOW")
    if env:
        return parse_instant(env)
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC (naive values from SQLite are UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def beijing(value: datetime) -> datetime:
    """The same instant in Beijing time (UTC+8), for citations."""
    return to_utc(value).astimezone(BEIJING)

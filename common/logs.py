"""Logging set-up for the daemon: one line per record on stderr, as text or as JSON.

JSON lines (``log_format = "json"``) carry ``ts`` (UTC, ISO 8601), ``level``, ``logger``,
``message`` and, for the lines of a crawl subprocess the daemon relays, ``source``; journald,
logrotate (``copytruncate``) and log shippers take either form as it is.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's fields (and its exception, if any) as JSON."""
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if source := getattr(record, "source", None):
            data["source"] = source
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    """Send every record to stderr in ``fmt`` (``text`` or ``json``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


_TOKEN_RE = re.compile(r"(\btoken=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    """Hide the values of ``token=`` query parameters (sign-in links, unsubscribe links) in log
    records, e.g. uvicorn's access log lines: a log file must not hold live credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and arguments in place; never drops a record."""
        if isinstance(record.msg, str):
            record.msg = _TOKEN_RE.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_RE.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True

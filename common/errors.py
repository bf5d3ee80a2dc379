"""The policywatch exception hierarchy.

::

    PolicywatchError
    ├── ConfigError            bad or missing setting / source definition (raised by common.settings)
    ├── ExtractionError        a page could not be turned into text (raised by processing)
    ├── StoreError             the archive database refused an operation (raised by store)
    │   └── StoreNotInitialised  the schema is missing: run `policywatch init`
    ├── CrawlError             a crawl run failed as a whole (raised by crawlers and the scheduler)
    └── AlertDeliveryError     an email could not be handed to the SMTP server (raised by alerts)

Every error carries a message meant for the user: what failed, for which site or URL,
and what to do next. Tracebacks are for logs only; the CLI prints ``str(error)``.
"""

from __future__ import annotations


class PolicywatchError(Exception):
    """Base class of every error policywatch raises on purpose."""


class ConfigError(PolicywatchError):
    """A setting or a source definition is invalid. Raised while loading configuration."""


class ExtractionError(PolicywatchError):
    """A page or attachment could not be decoded or parsed. Raised by ``processing``."""


class StoreError(PolicywatchError):
    """The archive database refused an operation. Raised by ``store``."""


class StoreNotInitialised(StoreError):
    """The archive has no schema yet. Raised by ``store`` when a table is missing."""


class CrawlError(PolicywatchError):
    """A crawl run failed as a whole (not a single page). Raised by crawlers and the scheduler."""


class AlertDeliveryError(PolicywatchError):
    """An email could not be delivered to the SMTP server. Raised by ``alerts``; ``permanent``
    when the server refused it for good (5xx), so it is not retried; ``server_down`` when the
    server, not this mail, is the problem (the rest of a batch waits)."""

    def __init__(self, message: str, permanent: bool = False, server_down: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.server_down = server_down

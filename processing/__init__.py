"""Pure processing core: bytes and text in, frozen dataclasses out.

Nothing here does I/O or imports Scrapy, SQLAlchemy, smtplib or APScheduler
(enforced by import-linter). Modules:

- ``decode``: raw bytes + HTTP headers -> text, with the encoding used and why.
- ``extract``: HTML -> :class:`~processing.types.Extracted` (metadata, body, attachments, page kind).
- ``normalize``: comparison form of text and the hashes that decide "changed".
- ``segment``: jieba segmentation with the shipped dictionary of tracked terms.
- ``tag``: tracked-keyword hits per text.
- ``diff``: word-level diffs (diff-match-patch over jieba tokens).
- ``verdict``: the per-document deletion state machine.
"""

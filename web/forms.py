"""Reading posted HTML forms into the store's value types."""

from __future__ import annotations

import re
from collections.abc import Mapping

from store.subscribers import RuleSpec

_SEPARATORS = re.compile(r"[,，、;；\s]+")


def split_list(value: str) -> tuple[str, ...]:
    """Items of a list typed into one field, separated by commas (also 、，；) or white space."""
    return tuple(item for item in _SEPARATORS.split(value) if item)


def split_lines(value: str) -> tuple[str, ...]:
    """Items of a field with one item per line or comma (phrases may contain spaces)."""
    return tuple(item.strip() for item in re.split(r"[\n,，]+", value) if item.strip())


def rule_spec(form: Mapping[str, str]) -> RuleSpec:
    """The watch rule a rule form describes (not yet checked: :meth:`RuleSpec.checked` says what is wrong)."""
    return RuleSpec(
        keywords=split_list(form.get("keywords", "")),
        phrases=split_lines(form.get("phrases", "")),
        sources=split_list(form.get("sources", "")),
        agencies=split_list(form.get("agencies", "")),
        topics=split_list(form.get("topics", "")),
        events=split_list(form.get("events", "")),
    )

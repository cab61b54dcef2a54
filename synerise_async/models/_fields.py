"""Field kinds the models share beyond plain attrs fields."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import attrs

__all__ = ["EXTRA_KEYS", "collect_extra_keys", "extra_keys_field"]

#: Field metadata marking the attribute that collects the keys no other attribute names.
EXTRA_KEYS = "synerise_async.extra_keys"


def extra_keys_field() -> Any:
    """An attribute that receives every key of the JSON object no other attribute names
    (counters the API adds, say), as a dict."""
    return attrs.field(factory=dict, metadata={EXTRA_KEYS: True})


def collect_extra_keys(data: Mapping[str, Any], known: Collection[str]) -> dict[str, Any]:
    """What an :func:`extra_keys_field` receives: the keys of ``data`` not in ``known``."""
    return {key: value for key, value in data.items() if key not in known}

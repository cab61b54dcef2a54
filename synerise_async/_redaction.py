"""Keeping secrets out of reprs: ``Redacted`` strings, ``RedactedBytes`` bodies, and the
attrs converters that make a model's secret fields ``Redacted``."""

from __future__ import annotations

from typing import Any

from ._types import Unset

__all__ = [
    "Redacted",
    "RedactedBytes",
    "redact",
    "redact_optional",
    "redact_unset",
]


class Redacted(str):
    """A secret string (API key, password, token, header) whose repr hides it.

    It is a ``str`` in every other way, so it can be sent as is; it only keeps secrets
    out of reprs: of models, of debuggers' and error trackers' views of local
    variables, of tracebacks with locals.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


def _redact(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Redacted):
        return Redacted(value)
    return value  # not a string: left for the owner's validation to reject


def redact(value: str) -> str:
    """``value`` as :class:`Redacted` (an attrs converter for secret fields)."""
    return _redact(value)  # type: ignore[no-any-return]


def redact_optional(value: str | None) -> str | None:
    """:func:`redact` for a secret that may be None."""
    return _redact(value)  # type: ignore[no-any-return]


def redact_unset(value: str | Unset) -> str | Unset:
    """:func:`redact` for a secret that may be left out."""
    return _redact(value)  # type: ignore[no-any-return]


class RedactedBytes(bytes):
    """A request body that may hold a secret (a login's password); its repr hides it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<redacted body, {len(self)} bytes>"

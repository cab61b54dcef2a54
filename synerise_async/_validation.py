"""Argument checks that run before any request, each raising ``InvalidArgumentError``
with the argument's name and, for enums, every allowed value."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Iterable
from typing import TypeVar

from ._exceptions import InvalidArgumentError
from ._redaction import Redacted
from ._types import OpenEnum, _casefolded_members

__all__ = [
    "check_credential",
    "check_enum",
    "check_int",
    "check_str",
    "check_str_list",
    "check_uuid",
    "has_control_character",
]

E = TypeVar("E", bound=enum.Enum)


def check_enum(name: str, value: object, enum_type: type[E]) -> E:
    """Accept a member of ``enum_type`` or its string value; reject everything else.

    For an :class:`~synerise_async.OpenEnum` the string matches ignoring case, as in
    decoding (``"active"`` is ``ACTIVE``, sent as ``"Active"``). Unlike decoding a
    response (which keeps unknown values), a request argument must be one of the known
    members: sending an unknown value would only fail on the server.
    """
    known = _known_values(enum_type)
    if isinstance(value, enum_type):
        if known.get(value.value) is value:
            return value
    elif isinstance(value, str):
        member = known.get(value)
        if member is None and issubclass(enum_type, OpenEnum):
            member = _casefolded_members(enum_type).get(value.casefold())  # type: ignore[assignment]
        if member is not None:
            return member
    allowed = ", ".join(repr(m.value) for m in enum_type)
    raise InvalidArgumentError(name, f"must be one of {allowed}; got {value!r}")


_KNOWN: dict[type[enum.Enum], dict[object, enum.Enum]] = {}


def _known_values(enum_type: type[E]) -> dict[object, E]:
    # Only the declared members: pseudo-members made for unknown response values
    # (OpenEnum) are not valid arguments.
    known = _KNOWN.get(enum_type)
    if known is None:
        known = _KNOWN[enum_type] = {member.value: member for member in enum_type}
    return known  # type: ignore[return-value]


#: A UUID string already in canonical form: returned as it is, without parsing it.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_uuid(name: str, value: object) -> str:
    """Accept a UUID or its string form; return the canonical lower-case string."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        if type(value) is str and _CANONICAL_UUID.fullmatch(value):
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise InvalidArgumentError(name, f"must be a UUID (like '3f2b…-…'); got {value!r}")


def check_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Accept an ``int`` (not a ``bool``) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(name, f"must be an integer; got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(name, f"must be >= {minimum}; got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidArgumentError(name, f"must be <= {maximum}; got {value!r}")
    return value


def has_control_character(value: str) -> bool:
    """Whether ``value`` holds a C0 control character or DEL (never valid in a header)."""
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


def check_credential(name: str, value: object, *, forbidden: str = "") -> str:
    """Accept an API key, token or GUID: surrounding whitespace (a trailing newline from a
    file) is stripped; what is left must be non-empty, without control characters or
    any of ``forbidden``. Returned as :class:`~synerise_async.Redacted`; never shown."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            problem = "must be a non-empty string"
        elif has_control_character(stripped):
            problem = "must not contain control characters"
        elif not is_unicode(stripped):
            problem = "must be valid Unicode (it holds a lone surrogate)"
        elif any(c in stripped for c in forbidden):
            problem = f"must not contain {' or '.join(map(repr, forbidden))}"
        else:
            return Redacted(stripped)
    else:
        problem = f"must be a string; got {type(value).__name__}"
    raise InvalidArgumentError(name, f"{problem} (the value is not shown)")


def is_unicode(value: str) -> bool:
    """Whether ``value`` can be sent: no lone surrogate (``"\\ud800"``), which UTF-8 cannot encode."""
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_str(name: str, value: object, *, secret: bool = False) -> str:
    """Accept a non-empty string that UTF-8 can encode. A ``secret`` value is never shown
    in the message, and is returned as :class:`~synerise_async.Redacted` so no repr
    shows it later."""
    if isinstance(value, str) and value and is_unicode(value):
        return Redacted(value) if secret else value
    shown = "<hidden>" if secret else repr(value)
    raise InvalidArgumentError(name, f"must be a non-empty string of valid Unicode; got {shown}")


def check_str_list(name: str, value: object) -> tuple[str, ...]:
    """Accept one string or an iterable of non-empty strings without commas."""
    items: Iterable[object] = (value,) if isinstance(value, str) else value  # type: ignore[assignment]
    try:
        result = tuple(items)
    except TypeError:
        raise InvalidArgumentError(
            name, f"must be a string or a list of strings; got {value!r}"
        ) from None
    for item in result:
        if not isinstance(item, str) or not item or "," in item or not is_unicode(item):
            raise InvalidArgumentError(
                name,
                f"items must be non-empty strings of valid Unicode without commas; got {item!r}",
            )
    return result  # type: ignore[return-value]  # every item checked above

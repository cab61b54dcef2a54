"""Shared types: the ``UNSET`` sentinel, ``OpenEnum``, ``RequestInfo``, ``RawResponse`` and ``Response[T]``."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from typing import Final, Generic, Literal, TypeVar

import attrs

__all__ = [
    "UNSET",
    "OpenEnum",
    "RawResponse",
    "RequestInfo",
    "Response",
    "Unset",
    "member_of",
]

T = TypeVar("T")


class Unset(enum.Enum):
    """The type of :data:`UNSET`: "argument not given", distinct from ``None``."""

    UNSET = enum.auto()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


#: An argument left out: the SDK sends nothing for it (``None`` may mean JSON ``null``).
UNSET: Final = Unset.UNSET


class OpenEnum(enum.StrEnum):
    """A string enum that matches values case-insensitively and keeps values it does not know.

    Policy:

    - A value equal to a member's, ignoring case (``"pending"``, ``"PENDING"``), is that
      member, which keeps its own (documented) spelling as its value.
    - Any other string becomes a pseudo-member (``WorkflowStatus("Archived")``) that keeps
      the value as received and compares equal to it, instead of breaking the call: the
      API adds new statuses from time to time. Known members are listed by iteration;
      pseudo-members are not.
    - This is the one lookup rule: both decoding paths, and anything else, call the class.

    Pseudo-members are not added to the enum: the most recently seen few hundred are
    cached (so a value seen again is usually the same object), the rest are made anew,
    and memory stays bounded however many distinct values the API sends.
    """

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if not isinstance(value, str):
            return None
        member = _casefolded_members(cls).get(value.casefold())
        if member is not None:
            return member
        return _pseudo_member(cls, str(value))

    @property
    def is_known(self) -> bool:
        """Whether this value is one the SDK was written for."""
        # By value: a pseudo-member may carry a member's name ("NO_SCHEDULE" for "NoSchedule").
        return type(self)._value2member_map_.get(self._value_) is self


@functools.cache
def _casefolded_members(cls: type[OpenEnum]) -> Mapping[str, OpenEnum]:
    # Built once per enum, on its first value of another casing.
    members: dict[str, OpenEnum] = {}
    for member in cls:
        folded = member.value.casefold()
        if folded in members:
            raise TypeError(
                f"{cls.__name__}: {member.value!r} and {members[folded].value!r} "
                "differ only in case"
            )
        members[folded] = member
    return members


@functools.lru_cache(maxsize=256)
def _pseudo_member(cls: type[OpenEnum], value: str) -> OpenEnum:
    # Bounded: the enum's own member map would keep every unknown value for good.
    member = str.__new__(cls, value)
    member._name_ = value
    member._value_ = value
    return member


@attrs.frozen
class RequestInfo:
    """What was asked: the method and the full URL (which never carries credentials)."""

    method: str
    url: str

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


@attrs.frozen(kw_only=True)
class Response(Generic[T]):
    """A parsed response together with what came on the wire.

    Attributes:
        status_code: the HTTP status.
        headers: the response headers (case-insensitive).
        content: the raw body.
        parsed: the body as the operation's model.
        request: method and URL of the request.
        attempts: how many attempts the pipeline made.
    """

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    parsed: T
    request: RequestInfo
    attempts: int = 1


@attrs.frozen(kw_only=True)
class RawResponse:
    """A 2xx response as the pipeline hands it to an operation: fully read and released."""

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    request: RequestInfo
    attempts: int = 1

    def to_response(self, parsed: T) -> Response[T]:
        """Wrap ``parsed`` with what came on the wire."""
        return Response(
            status_code=self.status_code,
            headers=self.headers,
            content=self.content,
            parsed=parsed,
            request=self.request,
            attempts=self.attempts,
        )


_E = TypeVar("_E", bound=enum.Enum)


@functools.cache
def member_of(cls: type[_E]) -> Callable[[object], _E]:
    """How decoding finds the member of ``cls`` a value stands for: ``cls(value)``.

    So the enum decides (its ``_missing_`` included: an :class:`OpenEnum` keeps a value
    it does not know). The enum's own value table is read first for a string, as
    ``cls(value)`` itself does first, only without the call's overhead.
    """
    table = cls._value2member_map_

    def member(value: object) -> _E:
        if value.__class__ is str:
            found = table.get(value)
            if found is not None:
                return found  # type: ignore[return-value]
        return cls(value)

    return member

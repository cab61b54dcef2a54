"""Fault injection: the ``FakeSynerise.faults`` controller.

Policy:

- Queued faults (every method but :meth:`Faults.random`) are consumed first-in,
  first-out: each request takes the oldest queued fault whose path and method filters
  match it, and that fault's count goes down by one.
- When no queued fault matches, the :meth:`Faults.random` policy (if any) draws from
  its own seeded generator, so the same requests in the same order fail the same way.
- A path filter is an exact path, or a prefix when it ends with ``*``; a method filter
  is compared case-insensitively; ``None`` matches everything.
"""

from __future__ import annotations

import random as _random
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias

import attrs

from ._paths import path_matches

FaultKind: TypeAlias = Literal["rate_limit", "error", "drop", "delay", "non_json", "truncated"]

FAULT_KINDS: Final[frozenset[str]] = frozenset(
    {"rate_limit", "error", "drop", "delay", "non_json", "truncated"}
)
_ERROR_STATUSES: Final = range(400, 600)


@attrs.frozen
class FaultAction:
    """One fault to apply to one request.

    Attributes:
        kind: What to do (see :data:`FaultKind`).
        status: The status to answer with (``rate_limit``, ``error``, ``non_json``).
        retry_after: Seconds for a ``Retry-After`` header, or ``None`` for no header.
        http_date: Send ``Retry-After`` as an HTTP-date instead of seconds.
        seconds: How long to sleep (``delay``).
    """

    kind: str
    status: int = 200
    retry_after: float | None = None
    http_date: bool = False
    seconds: float = 0.0


@attrs.define
class _Queued:
    action: FaultAction
    remaining: int
    path: str | None
    method: str | None


@attrs.define
class _RandomPolicy:
    fraction: float
    kinds: tuple[str, ...]
    rng: _random.Random
    path: str | None
    method: str | None
    retry_after: float


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")


def _check_seconds(name: str, value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


class Faults:
    """Queue faults for the fake server to inject into its next matching requests.

    Every method takes ``path`` (exact, or a prefix ending in ``*``) and ``method``
    filters, and returns ``self`` so calls can be chained.
    """

    def __init__(self) -> None:
        self._queue: list[_Queued] = []
        self._random: _RandomPolicy | None = None

    @property
    def pending(self) -> int:
        """How many queued fault applications are left (the random policy excluded)."""
        return sum(item.remaining for item in self._queue)

    def _add(self, action: FaultAction, count: int, path: str | None, method: str | None) -> Faults:
        _check_count(count)
        self._queue.append(_Queued(action, count, path, method.upper() if method else None))
        return self

    def rate_limit(
        self,
        count: int = 1,
        retry_after: float = 1.0,
        *,
        path: str | None = None,
        method: str | None = None,
        http_date: bool = False,
    ) -> Faults:
        """Answer 429 with a ``Retry-After`` header and a JSON error body.

        Args:
            count: How many matching requests get it.
            retry_after: Seconds to send in ``Retry-After`` (fractions are sent as is,
                e.g. ``"0.2"``).
            path: Path filter.
            method: Method filter.
            http_date: Send ``Retry-After`` as an HTTP-date (server clock plus
                ``retry_after``, rounded up to a whole second) instead of seconds.

        Returns:
            This controller.
        """
        _check_seconds("retry_after", retry_after)
        action = FaultAction("rate_limit", 429, retry_after, http_date)
        return self._add(action, count, path, method)

    def error(
        self,
        status: int = 503,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | None = None,
    ) -> Faults:
        """Answer ``status`` (e.g. 500, 502, 503, 504, 408) with a JSON error body.

        Args:
            status: An HTTP error status, 400-599.
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            retry_after: Seconds to send in ``Retry-After``; no header when ``None``.

        Returns:
            This controller.

        Raises:
            ValueError: ``status`` is not an error status.
        """
        if status not in _ERROR_STATUSES:
            raise ValueError(f"status must be 400-599, got {status}")
        _check_seconds("retry_after", retry_after)
        return self._add(FaultAction("error", status, retry_after), count, path, method)

    def drop(self, count: int = 1, *, path: str | None = None, method: str | None = None) -> Faults:
        """Close the connection without sending any response.

        The client sees a server disconnect. Note that aiohttp's client resends an
        idempotent request (GET, PUT, DELETE...) once after a disconnect, so use
        ``count=2`` to make such a request fail.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.

        Returns:
            This controller.
        """
        return self._add(FaultAction("drop", 0), count, path, method)

    def delay(
        self,
        seconds: float,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
    ) -> Faults:
        """Sleep ``seconds`` before handling the request normally.

        Args:
            seconds: How long to sleep.
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.

        Returns:
            This controller.
        """
        _check_seconds("seconds", seconds)
        return self._add(FaultAction("delay", seconds=seconds), count, path, method)

    def non_json(
        self,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        status: int = 200,
    ) -> Faults:
        """Answer with a ``text/html`` gateway page instead of JSON.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            status: The status to send with the page.

        Returns:
            This controller.
        """
        return self._add(FaultAction("non_json", status), count, path, method)

    def truncated(
        self, count: int = 1, *, path: str | None = None, method: str | None = None
    ) -> Faults:
        """Answer 200 with a ``Content-Length`` larger than the body, then close.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.

        Returns:
            This controller.
        """
        return self._add(FaultAction("truncated", 200), count, path, method)

    def random(
        self,
        fraction: float,
        *,
        kinds: Iterable[str] = ("rate_limit", "error"),
        seed: int = 0,
        path: str | None = None,
        method: str | None = None,
        retry_after: float = 0.05,
    ) -> Faults:
        """Fail a seeded random ``fraction`` of the matching requests, until cleared.

        Each failing request gets one of ``kinds``, drawn from the same generator:
        ``rate_limit`` (429), ``error`` (503), both with ``Retry-After: retry_after``;
        ``drop``; ``delay`` (sleeps ``retry_after``, then answers normally);
        ``non_json`` (a 502 HTML page); ``truncated``. A new call replaces the policy.

        Args:
            fraction: Share of requests to fail, 0.0-1.0.
            kinds: The fault kinds to draw from.
            seed: Seed of the policy's own random generator.
            path: Path filter.
            method: Method filter.
            retry_after: Seconds for ``Retry-After`` (and for ``delay``).

        Returns:
            This controller.

        Raises:
            ValueError: ``fraction`` is outside 0-1 or a kind is unknown.
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
        kinds_tuple = tuple(kinds)
        unknown = sorted(set(kinds_tuple) - FAULT_KINDS)
        if unknown or not kinds_tuple:
            raise ValueError(f"kinds must be a non-empty subset of {sorted(FAULT_KINDS)}")
        _check_seconds("retry_after", retry_after)
        self._random = _RandomPolicy(
            fraction,
            kinds_tuple,
            _random.Random(seed),
            path,
            method.upper() if method else None,
            retry_after,
        )
        return self

    def clear(self) -> None:
        """Forget every queued fault and the random policy."""
        self._queue.clear()
        self._random = None

    def _take(self, method: str, path: str) -> FaultAction | None:
        """Consume and return the fault for this request, if any (the server's hook)."""
        for index, item in enumerate(self._queue):
            if path_matches(item.path, path) and item.method in (None, method):
                item.remaining -= 1
                if item.remaining <= 0:
                    del self._queue[index]
                return item.action
        policy = self._random
        if policy is None or not path_matches(policy.path, path):
            return None
        if policy.method not in (None, method):
            return None
        if policy.rng.random() >= policy.fraction:
            return None
        kind = policy.rng.choice(policy.kinds)
        wait = policy.retry_after
        match kind:
            case "rate_limit":
                return FaultAction("rate_limit", 429, wait)
            case "error":
                return FaultAction("error", 503, wait)
            case "delay":
                return FaultAction("delay", seconds=wait)
            case "non_json":
                return FaultAction("non_json", 502)
            case _:
                return FaultAction(kind, 200)

    def __repr__(self) -> str:
        return f"<Faults pending={self.pending} random={self._random is not None}>"

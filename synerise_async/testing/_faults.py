"""Fault injection: the ``FakeSynerise.faults`` controller.

Policy:

- Queued faults (every method but :meth:`Faults.random`) are consumed first-in,
  first-out: each request takes the oldest queued fault whose path and method filters
  match it, and that fault's count goes down by one.
- When no queued fault matches, the :meth:`Faults.random` policy (if any) draws from
  its own seeded generator, so the same requests in the same order fail the same way.
- A path filter is an exact path, or a prefix when it ends with ``*``; a method filter
  is compared case-insensitively; a query filter matches when every given pair is in the
  request's query (first value of each name); a Workspace filter matches requests whose
  credential belongs to that Workspace; ``None`` matches everything.
"""

from __future__ import annotations

import json
import random as _random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from ._paths import path_matches

FaultKind: TypeAlias = Literal[
    "rate_limit", "error", "drop", "delay", "non_json", "truncated", "wrong_shape", "empty", "body"
]

#: The kinds :meth:`Faults.random` can draw (``body`` needs a payload, so it cannot).
RANDOM_KINDS: Final[frozenset[str]] = frozenset(
    {"rate_limit", "error", "drop", "delay", "non_json", "truncated", "wrong_shape", "empty"}
)
FAULT_KINDS: Final[frozenset[str]] = RANDOM_KINDS | {"body"}
_ERROR_STATUSES: Final = range(400, 600)
_ANY_STATUSES: Final = range(100, 600)
#: The payloads of a ``wrong_shape`` fault: valid JSON, but no operation's shape.
WRONG_SHAPES: Final[tuple[bytes, ...]] = (b'{"unexpected":true}', b"[]")
_JSON_CONTENT_TYPE: Final = "application/json"


@attrs.frozen
class FaultAction:
    """One fault to apply to one request.

    Attributes:
        kind: What to do (see :data:`FaultKind`).
        status_code: The HTTP status to answer with (``rate_limit``, ``error``, ``non_json``).
        retry_after: Seconds for a ``Retry-After`` header, or ``None`` for no header.
        http_date: Send ``Retry-After`` as an HTTP-date instead of seconds.
        seconds: How long to sleep (``delay``).
        payload: The body to send (``wrong_shape``, ``empty``, ``body``).
        content_type: The ``Content-Type`` of ``payload``.
    """

    kind: str
    status_code: int = 200
    retry_after: float | None = None
    http_date: bool = False
    seconds: float = 0.0
    payload: bytes = attrs.field(default=b"", repr=False)
    content_type: str = _JSON_CONTENT_TYPE


@attrs.frozen
class _Filter:
    """Which requests a fault applies to; ``None`` (or empty) matches everything."""

    path: str | None
    method: str | None
    query: tuple[tuple[str, str], ...]
    workspace: str | None

    def matches(
        self, method: str, path: str, query: Mapping[str, str], workspace: str | None
    ) -> bool:
        return (
            path_matches(self.path, path)
            and self.method in (None, method)
            and all(query.get(name) == value for name, value in self.query)
            and self.workspace in (None, workspace)
        )


@attrs.define
class _Queued:
    action: FaultAction
    remaining: int
    filter: _Filter


@attrs.define
class _RandomPolicy:
    fraction: float
    kinds: tuple[str, ...]
    rng: _random.Random
    filter: _Filter
    retry_after: float
    error_status_codes: tuple[int, ...]
    non_json_status_codes: tuple[int, ...]


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")


def _check_seconds(name: str, value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def _statuses(name: str, statuses: Iterable[int], allowed: range) -> tuple[int, ...]:
    result = tuple(statuses)
    if not result or any(status_code not in allowed for status_code in result):
        raise ValueError(f"{name} must be a non-empty list of {allowed.start}-{allowed.stop - 1}")
    return result


def _draw(rng: _random.Random, options: tuple[Any, ...]) -> Any:
    # A single option draws nothing, so adding a choice never shifts an older seed's sequence.
    return options[0] if len(options) == 1 else rng.choice(options)


class Faults:
    """Queue faults for the fake server to inject into its next matching requests.

    Every method takes ``path`` (exact, or a prefix ending in ``*``), ``method``,
    ``query`` (e.g. ``{"page": "3"}``: every pair must match) and ``workspace`` (a
    Workspace UUID or numeric id: requests whose token, Basic credential, API key
    or selected Workspace belongs to it) filters, and returns ``self`` so calls can be
    chained.

    Args:
        resolve_workspace: Turns a ``workspace`` filter into the Workspace's UUID,
            raising ``KeyError`` for an unknown one; the server passes its own. Without
            it a ``workspace`` filter is taken as a UUID.
    """

    def __init__(self, resolve_workspace: Callable[[str], str] | None = None) -> None:
        self._queue: list[_Queued] = []
        self._random: _RandomPolicy | None = None
        self._resolve_workspace = resolve_workspace

    @property
    def pending(self) -> int:
        """How many queued fault applications are left (the random policy excluded)."""
        return sum(item.remaining for item in self._queue)

    def _filter(
        self,
        path: str | None,
        method: str | None,
        query: Mapping[str, str] | None,
        workspace: str | int | None,
    ) -> _Filter:
        workspace_id = None
        if workspace is not None:
            workspace_id = str(workspace)
            if self._resolve_workspace is not None:
                workspace_id = self._resolve_workspace(workspace_id)
        pairs = tuple(sorted((str(name), str(value)) for name, value in (query or {}).items()))
        return _Filter(path, method.upper() if method else None, pairs, workspace_id)

    def _add(
        self,
        action: FaultAction,
        count: int,
        path: str | None,
        method: str | None,
        query: Mapping[str, str] | None,
        workspace: str | int | None,
    ) -> Faults:
        _check_count(count)
        self._queue.append(_Queued(action, count, self._filter(path, method, query, workspace)))
        return self

    def rate_limit(
        self,
        count: int = 1,
        retry_after: float = 1.0,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        http_date: bool = False,
    ) -> Faults:
        """Answer 429 with a ``Retry-After`` header and a JSON error body.

        Args:
            count: How many matching requests get it.
            retry_after: Seconds to send in ``Retry-After`` (fractions are sent as is,
                e.g. ``"0.2"``).
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            http_date: Send ``Retry-After`` as an HTTP-date (server clock plus
                ``retry_after``, rounded up to a whole second) instead of seconds.

        Returns:
            This controller.

        Raises:
            KeyError: No such Workspace.
        """
        _check_seconds("retry_after", retry_after)
        action = FaultAction("rate_limit", 429, retry_after, http_date)
        return self._add(action, count, path, method, query, workspace)

    def error(
        self,
        status_code: int = 503,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        retry_after: float | None = None,
    ) -> Faults:
        """Answer ``status_code`` (e.g. 500, 502, 503, 504, 408) with a JSON error body.

        Args:
            status_code: An HTTP error status, 400-599.
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            retry_after: Seconds to send in ``Retry-After``; no header when ``None``.

        Returns:
            This controller.

        Raises:
            ValueError: ``status_code`` is not an error status.
            KeyError: No such Workspace.
        """
        if status_code not in _ERROR_STATUSES:
            raise ValueError(f"status_code must be 400-599, got {status_code}")
        _check_seconds("retry_after", retry_after)
        action = FaultAction("error", status_code, retry_after)
        return self._add(action, count, path, method, query, workspace)

    def drop(
        self,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
    ) -> Faults:
        """Close the connection without sending any response (the route does not run).

        The client sees a server disconnect. Note that aiohttp's client resends an
        idempotent request (GET, PUT, DELETE...) once after a disconnect, so use
        ``count=2`` to make such a request fail.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.

        Returns:
            This controller.

        Raises:
            KeyError: No such Workspace.
        """
        return self._add(FaultAction("drop", 0), count, path, method, query, workspace)

    def delay(
        self,
        seconds: float,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
    ) -> Faults:
        """Sleep ``seconds`` before handling the request normally.

        Args:
            seconds: How long to sleep.
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.

        Returns:
            This controller.

        Raises:
            KeyError: No such Workspace.
        """
        _check_seconds("seconds", seconds)
        action = FaultAction("delay", seconds=seconds)
        return self._add(action, count, path, method, query, workspace)

    def non_json(
        self,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        status_code: int = 200,
    ) -> Faults:
        """Answer with a ``text/html`` gateway page instead of JSON.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            status_code: The HTTP status to send with the page.

        Returns:
            This controller.

        Raises:
            KeyError: No such Workspace.
        """
        return self._add(
            FaultAction("non_json", status_code), count, path, method, query, workspace
        )

    def truncated(
        self,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
    ) -> Faults:
        """Answer 200 with a ``Content-Length`` larger than the body, then close.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.

        Returns:
            This controller.

        Raises:
            KeyError: No such Workspace.
        """
        return self._add(FaultAction("truncated", 200), count, path, method, query, workspace)

    def wrong_shape(
        self,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        array: bool = False,
    ) -> Faults:
        """Answer 200 with valid JSON of the wrong shape: ``{"unexpected":true}`` or ``[]``.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            array: Send ``[]`` instead of ``{"unexpected":true}``.

        Returns:
            This controller.

        Raises:
            KeyError: No such Workspace.
        """
        action = FaultAction("wrong_shape", payload=WRONG_SHAPES[1 if array else 0])
        return self._add(action, count, path, method, query, workspace)

    def empty(
        self,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        status_code: int = 200,
    ) -> Faults:
        """Answer ``status_code`` with an empty body labelled ``application/json``.

        Args:
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            status_code: The HTTP status to send, 200-599.

        Returns:
            This controller.

        Raises:
            ValueError: ``status_code`` is out of range.
            KeyError: No such Workspace.
        """
        status_code = _statuses("status_code", (status_code,), range(200, 600))[0]
        return self._add(FaultAction("empty", status_code), count, path, method, query, workspace)

    def body(
        self,
        payload: Any,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        status_code: int = 200,
        content_type: str = _JSON_CONTENT_TYPE,
    ) -> Faults:
        """Answer ``status_code`` with a body of your choice, e.g. for body-fuzz tests.

        Args:
            payload: ``bytes`` or ``str`` are sent as they are; anything else is sent as
                its compact JSON.
            count: How many matching requests get it.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            status_code: The HTTP status to send, 200-599.
            content_type: The ``Content-Type`` to send (true or not).

        Returns:
            This controller.

        Raises:
            ValueError: ``status_code`` is out of range.
            TypeError: ``payload`` is not bytes, str or JSON-serializable.
            KeyError: No such Workspace.
        """
        status_code = _statuses("status_code", (status_code,), range(200, 600))[0]
        if isinstance(payload, bytes):
            raw = payload
        elif isinstance(payload, str):
            raw = payload.encode()
        else:
            raw = json.dumps(payload, separators=(",", ":")).encode()
        action = FaultAction("body", status_code, payload=raw, content_type=content_type)
        return self._add(action, count, path, method, query, workspace)

    def random(
        self,
        fraction: float,
        *,
        kinds: Iterable[str] = ("rate_limit", "error"),
        seed: int = 0,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        workspace: str | int | None = None,
        retry_after: float = 0.05,
        error_status_codes: Iterable[int] = (503,),
        non_json_status_codes: Iterable[int] = (502,),
    ) -> Faults:
        """Fail a seeded random ``fraction`` of the matching requests, until cleared.

        Each failing request gets one of ``kinds``, drawn from the same generator:
        ``rate_limit`` (429), ``error`` (one of ``error_status_codes``), both with
        ``Retry-After: retry_after``; ``drop``; ``delay`` (sleeps ``retry_after``, then
        answers normally); ``non_json`` (an HTML page with one of
        ``non_json_status_codes``); ``truncated``; ``wrong_shape`` (200, ``{"unexpected":true}``
        or ``[]``); ``empty`` (200, no body). Every route matches unless filtered, login
        routes included. A new call replaces the policy.

        Args:
            fraction: Share of requests to fail, 0.0-1.0.
            kinds: The fault kinds to draw from (see :data:`RANDOM_KINDS`).
            seed: Seed of the policy's own random generator.
            path: Path filter.
            method: Method filter.
            query: Query filter.
            workspace: Workspace filter.
            retry_after: Seconds for ``Retry-After`` (and for ``delay``).
            error_status_codes: The statuses an ``error`` draws from, 400-599.
            non_json_status_codes: The statuses a ``non_json`` page draws from, e.g.
                ``(200, 502)`` for a lying 200 too.

        Returns:
            This controller.

        Raises:
            ValueError: ``fraction`` is outside 0-1, a kind is unknown or a status code is
                out of range.
            KeyError: No such Workspace.
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
        kinds_tuple = tuple(kinds)
        unknown = sorted(set(kinds_tuple) - RANDOM_KINDS)
        if unknown or not kinds_tuple:
            raise ValueError(f"kinds must be a non-empty subset of {sorted(RANDOM_KINDS)}")
        _check_seconds("retry_after", retry_after)
        self._random = _RandomPolicy(
            fraction,
            kinds_tuple,
            _random.Random(seed),
            self._filter(path, method, query, workspace),
            retry_after,
            _statuses("error_status_codes", error_status_codes, _ERROR_STATUSES),
            _statuses("non_json_status_codes", non_json_status_codes, _ANY_STATUSES),
        )
        return self

    def clear(self) -> None:
        """Forget every queued fault and the random policy."""
        self._queue.clear()
        self._random = None

    def _take(
        self, method: str, path: str, query: Mapping[str, str], workspace: str | None
    ) -> FaultAction | None:
        """Consume and return the fault for this request, if any (the server's hook).

        Args:
            method: The request method, upper case.
            path: The request path.
            query: The request query (first value of each name).
            workspace: The UUID of the Workspace the request's credential belongs to.
        """
        for index, item in enumerate(self._queue):
            if item.filter.matches(method, path, query, workspace):
                item.remaining -= 1
                if item.remaining <= 0:
                    del self._queue[index]
                return item.action
        policy = self._random
        if policy is None or not policy.filter.matches(method, path, query, workspace):
            return None
        if policy.rng.random() >= policy.fraction:
            return None
        kind = policy.rng.choice(policy.kinds)
        wait = policy.retry_after
        match kind:
            case "rate_limit":
                return FaultAction("rate_limit", 429, wait)
            case "error":
                return FaultAction("error", _draw(policy.rng, policy.error_status_codes), wait)
            case "delay":
                return FaultAction("delay", seconds=wait)
            case "non_json":
                return FaultAction("non_json", _draw(policy.rng, policy.non_json_status_codes))
            case "wrong_shape":
                return FaultAction("wrong_shape", payload=policy.rng.choice(WRONG_SHAPES))
            case "empty":
                return FaultAction("empty", 200)
            case _:
                return FaultAction(kind, 200)

    def __repr__(self) -> str:
        return f"<Faults pending={self.pending} random={self._random is not None}>"

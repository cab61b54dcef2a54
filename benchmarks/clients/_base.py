"""The protocol every benchmarked client implements, and what the baselines share.

A client module exposes one function, ``connect(base_url, api_key, *,
max_concurrency)``, returning an async context manager that yields a
:class:`BenchClient`. The harness does all timing, counting, concurrency and error
accounting, so a client only says how it lists, walks, fetches and decodes.

The three baselines differ only in transport and models; :class:`BaselineClient`
holds what they have in common: the token cache, the 401 retry and the ordered page
pipeline.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import collections
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, aclosing
from typing import Any, Generic, Protocol, TypeVar

import orjson

from ..control import LOGIN_PATH

__all__ = [
    "LIST_PATH",
    "LOGIN_PATH",
    "BaselineClient",
    "BenchClient",
    "BenchHTTPError",
    "Connect",
    "NotAvailable",
    "TokenCache",
    "jwt_expiry",
    "ordered_pages",
    "statistics_path",
]

LIST_PATH = "/automation-brain/v2/diagrams"

P = TypeVar("P")


def statistics_path(diagram_id: str, time_period: str) -> str:
    """Path and query of the workflow statistics operation."""
    return f"/automation-brain/diagrams/{diagram_id}/statistics?timePeriod={time_period}"


class NotAvailable(Exception):
    """A client cannot run (a scenario, or at all); the message says why."""


class BenchHTTPError(Exception):
    """A baseline got a status other than 200 (after its one 401 retry)."""

    def __init__(self, status_code: int, body: bytes) -> None:
        super().__init__(f"HTTP {status_code}: {body[:200]!r}")
        self.status_code = status_code


class BenchClient(Protocol):
    """What the harness asks of a client. Every method may raise :class:`NotAvailable`."""

    async def list_pages(self, *, limit: int, prefetch: int) -> int:
        """Walk every page of the workflow listing, ``prefetch`` pages in flight
        (0: one at a time), structuring each page; return the workflows seen."""
        ...

    def iter_items(self, *, limit: int) -> AsyncIterator[object]:
        """Every workflow of the listing, one at a time, fetched page by page."""
        ...

    async def get_statistics(self, diagram_id: str, time_period: str) -> object:
        """One workflow statistics call, structured."""
        ...

    def decode_page(self, body: bytes) -> Sequence[object]:
        """Structure one listing page's body (no network); return its workflows."""
        ...


class Connect(Protocol):
    """The signature of a client module's ``connect``."""

    def __call__(
        self, base_url: str, api_key: str, *, max_concurrency: int
    ) -> AbstractAsyncContextManager[BenchClient]:
        """Open a client with at most ``max_concurrency`` requests in flight."""
        ...


def jwt_expiry(token: str) -> float:
    """The ``exp`` claim of a JWT, read without verifying it (inf when unreadable)."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return float("inf")


class TokenCache:
    """A simple shared token, as a careful hand-written client keeps one.

    - the token is used until its ``exp`` (read from the JWT) has passed;
    - an expired or missing token is replaced by one login under a lock, and callers
      re-check after taking the lock, so concurrent callers share that login;
    - :meth:`invalidate` (after a 401) drops the token only if it is still the current
      one, so a burst of 401s for one token causes one login.
    """

    def __init__(
        self,
        login: Callable[[], Coroutine[Any, Any, str]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._login = login
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def _current(self) -> str | None:
        if self._token is not None and self._expires > self._clock():
            return self._token
        return None

    async def get(self) -> str:
        """A token believed valid, logging in first when there is none."""
        token = self._current()
        if token is not None:
            return token
        async with self._lock:
            token = self._current()
            if token is None:
                token = await self._login()
                self._token, self._expires = token, jwt_expiry(token)
            return token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is still the current one (it got a 401)."""
        if self._token == token:
            self._token = None


async def ordered_pages(
    fetch: Callable[[int], Coroutine[Any, Any, P]],
    page_count: Callable[[P], int],
    prefetch: int,
) -> AsyncGenerator[P, None]:
    """Pages 1..N in order, with up to ``prefetch`` requests outstanding.

    Page 1 is fetched alone (it tells how many pages there are). After that a
    bounded pipeline keeps ``prefetch`` page requests in flight, topping it up as
    soon as the oldest completes; ``prefetch <= 0`` fetches one page at a time.
    Requests still in flight when the consumer stops are cancelled and awaited.
    """
    first = await fetch(1)
    pages = page_count(first)
    yield first
    if prefetch <= 0:
        for number in range(2, pages + 1):
            yield await fetch(number)
        return
    pending: collections.deque[asyncio.Task[P]] = collections.deque()
    next_number = 2
    try:
        while True:
            while next_number <= pages and len(pending) < prefetch:
                pending.append(asyncio.create_task(fetch(next_number)))
                next_number += 1
            if not pending:
                return
            page = await pending[0]
            pending.popleft()
            # Top the pipeline up before handing the page over, not after.
            while next_number <= pages and len(pending) < prefetch:
                pending.append(asyncio.create_task(fetch(next_number)))
                next_number += 1
            yield page
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


class BaselineClient(abc.ABC, Generic[P]):
    """A hand-written client: a transport and models are all a subclass provides.

    Subclasses implement the transport (:meth:`_get`, :meth:`_post`) and the
    structuring (:meth:`_decode_page`, :meth:`_page_items`, :meth:`_page_count`,
    :meth:`_decode_statistics`); the token cache, the single 401 retry and the page
    pipeline are shared so that the baselines differ only where their libraries do.
    """

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key
        self._tokens = TokenCache(self._login)

    @abc.abstractmethod
    async def _get(self, path: str, token: str) -> tuple[int, bytes]:
        """GET ``path`` (with query) with a Bearer token; return status and body."""

    @abc.abstractmethod
    async def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST a JSON body without authentication; return status and body."""

    @abc.abstractmethod
    def _decode_page(self, body: bytes) -> P:
        """A listing page body as this client's page object."""

    @abc.abstractmethod
    def _page_items(self, page: P) -> Sequence[object]:
        """The workflows of a page."""

    @abc.abstractmethod
    def _page_count(self, page: P) -> int:
        """``meta.pages`` of a page."""

    @abc.abstractmethod
    def _decode_statistics(self, body: bytes) -> object:
        """A statistics body as this client's statistics object."""

    async def _login(self) -> str:
        status, body = await self._post(LOGIN_PATH, orjson.dumps({"apiKey": self._api_key}))
        if status != 200:
            raise BenchHTTPError(status, body)
        token: str = orjson.loads(body)["token"]
        return token

    async def _fetch(self, path: str) -> bytes:
        token = await self._tokens.get()
        status, body = await self._get(path, token)
        if status == 401:
            self._tokens.invalidate(token)
            status, body = await self._get(path, await self._tokens.get())
        if status != 200:
            raise BenchHTTPError(status, body)
        return body

    async def _fetch_page(self, number: int, limit: int) -> P:
        return self._decode_page(await self._fetch(f"{LIST_PATH}?page={number}&limit={limit}"))

    def _pages(self, limit: int, prefetch: int) -> AsyncGenerator[P, None]:
        return ordered_pages(lambda n: self._fetch_page(n, limit), self._page_count, prefetch)

    async def list_pages(self, *, limit: int, prefetch: int) -> int:
        """See :meth:`BenchClient.list_pages`."""
        seen = 0
        async with aclosing(self._pages(limit, prefetch)) as pages:
            async for page in pages:
                seen += len(self._page_items(page))
        return seen

    async def iter_items(self, *, limit: int) -> AsyncIterator[object]:
        """See :meth:`BenchClient.iter_items` (one page in flight)."""
        pages = self._pages(limit, 0)
        try:
            async for page in pages:
                for item in self._page_items(page):
                    yield item
        finally:
            await pages.aclose()

    async def get_statistics(self, diagram_id: str, time_period: str) -> object:
        """See :meth:`BenchClient.get_statistics`."""
        return self._decode_statistics(await self._fetch(statistics_path(diagram_id, time_period)))

    def decode_page(self, body: bytes) -> Sequence[object]:
        """See :meth:`BenchClient.decode_page`."""
        return self._page_items(self._decode_page(body))

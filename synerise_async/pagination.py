"""``Page[T]`` and the one ``AsyncPaginator[T]`` every list operation uses.

The page knows what comes next; the paginator drives:

- ``paginate(...)`` sends nothing; iterating sends one request per page pulled
  (``prefetch=0``), or keeps up to ``prefetch`` next pages in flight, in order, while the
  caller works on the current one (each through the client's concurrency limit).
- Each page says what follows it (:attr:`Page.next_page`, and :meth:`Page.following`
  for the pages known to exist, which are the only ones prefetched): the walk asks
  the page it just received, keeps no count of its own, and stops when the page says
  nothing follows: at the last page (``page >= pages``), on an empty page, or on a page
  shorter than the page size when ``meta`` is missing. It also stops on a page
  identical to the one before (a server repeating itself; a NaN counts as equal to a
  NaN here), or when ``max_pages`` / ``max_items`` is reached.
- ``limit`` is the page size, not a total: use ``max_items`` to cap the items.
- Offset pages can skip or repeat items when the collection changes during the walk;
  the paginator neither drops nor invents items to hide that (a changing total is
  tolerated, and the latest page count is used).
- An SDK error raised mid-walk comes out as an error of the same class that is also a
  :class:`~synerise_async.PageError` (``except RateLimitError`` catches it as it would
  around a single call), ``from`` the original, with ``resume_page``: pass it as
  ``start_page`` to go on where the walk stopped, and every item comes out exactly
  once across the two walks.
- Breaking out of the loop, or cancelling it, cancels what is in flight; nothing is left
  running or unread. ``await paginator.aclose()`` (or ``async with``) does it at once.
- With event hooks, each page fetched is a :class:`~synerise_async.events.PageFetched`
  (emitted in the fetch's task, when the page arrived; ``prefetched`` when it was fetched
  ahead of being asked for).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from ._exceptions import SyneriseError, page_error
from ._validation import check_int
from .events import PageFetched, _Dispatcher

__all__ = ["AsyncPaginator", "Page"]

T = TypeVar("T")
logger = logging.getLogger("synerise_async.pagination")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: the page's items, in server order.
        page: this page's number (1-based).
        limit: the page size asked for.
        pages: the number of pages the server reported, when it did.
        total: the number of items the server reported, when it did.
    """

    items: tuple[T, ...]
    page: int
    limit: int
    pages: int | None = None
    total: int | None = None

    @property
    def is_last(self) -> bool:
        """Whether no page follows this one, judging from this page alone."""
        if not self.items:
            return True
        if self.pages is not None:
            return self.page >= self.pages
        return len(self.items) < self.limit

    @property
    def next_page(self) -> int | None:
        """The number of the page that follows, or None after the last one.

        This is also the ``start_page`` that resumes a walk after this page.
        """
        return None if self.is_last else self.page + 1

    def following(self, count: int) -> range:
        """The numbers of up to ``count`` pages after this one that the server said
        exist (``pages``): empty after the last page, or when it gave no page count."""
        if self.pages is None or self.is_last:
            return range(0)
        return range(self.page + 1, min(self.pages, self.page + count) + 1)

    def __len__(self) -> int:
        return len(self.items)


FetchPage = Callable[[int], Awaitable[Page[T]]]


class AsyncPaginator(Generic[T]):
    """Walks the pages of a listing lazily; see the module docstring for the policy.

    ``async for page in paginator`` yields :class:`Page` objects; ``paginator.items()``
    yields the items. Each ``async for`` starts a new walk.

    Args:
        fetch: fetches one page by number.
        start_page: the first page to fetch (resume a walk with an error's ``resume_page``).
        prefetch: how many next pages to keep in flight (0: one request per page pulled).
        max_pages: stop after this many pages.
        max_items: stop after this many items (the last page is cut to fit).
        operation: the list operation's name, for ``PageFetched``.
        events: returns the client's event dispatcher when a walk starts (None: no
            hooks, no events).

    Raises:
        InvalidArgumentError: a negative ``prefetch``, ``start_page < 1``, or a limit < 1.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        start_page: int = 1,
        prefetch: int = 0,
        max_pages: int | None = None,
        max_items: int | None = None,
        operation: str = "paginate",
        events: Callable[[], _Dispatcher | None] | None = None,
    ) -> None:
        self._fetch = fetch
        self.operation = operation
        self._events = events
        self.start_page = check_int("start_page", start_page, minimum=1)
        self.prefetch = check_int("prefetch", prefetch, minimum=0)
        self.max_pages = None if max_pages is None else check_int("max_pages", max_pages, minimum=1)
        self.max_items = None if max_items is None else check_int("max_items", max_items, minimum=1)
        # Weak: a walk the caller dropped (after `break`) must be collectable, so that it
        # cancels its fetches at once.
        self._walks: weakref.WeakSet[_PageWalk[T]] = weakref.WeakSet()

    def __aiter__(self) -> _PageWalk[T]:
        walk = _PageWalk(self)
        self._walks.add(walk)
        return walk

    def pages(self) -> _PageWalk[T]:
        """The pages (the same as iterating the paginator)."""
        return self.__aiter__()

    def items(self) -> _ItemWalk[T]:
        """The items of every page, in order."""
        return _ItemWalk(self.__aiter__())

    async def aclose(self) -> None:
        """Cancel the fetches of every walk in progress and wait for them to end."""
        for walk in list(self._walks):
            await walk.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _cancel_requests() -> int:
    """How many cancellations the running task has been asked for so far.

    Compared before and after an await, never read as a flag: on Python 3.11 and 3.12 a
    task group that failed can leave the count above zero with nothing pending.
    """
    current = asyncio.current_task()
    return current.cancelling() if current is not None else 0


def _same(a: object, b: Any) -> bool:
    """``a == b``, except that NaN is the same as NaN: a page repeated by the server has a
    fresh NaN object wherever the first had one, and NaN != NaN would hide the repeat."""
    if a is b:
        return True
    cls: Any = type(a)
    if cls is not type(b):
        return bool(a == b)
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if attrs.has(cls):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(cls) if f.eq)
    return bool(a == b)


def _retrieve(task: asyncio.Task[object]) -> None:
    # A prefetched page nobody awaits (the walk stopped) must not log "never retrieved".
    if not task.cancelled():
        task.exception()


class _PageWalk(Generic[T]):
    """One walk over the pages: an explicit iterator, so stopping it is immediate and
    deterministic (an async generator would only be closed when collected)."""

    def __init__(self, paginator: AsyncPaginator[T]) -> None:
        self._p = paginator
        events = paginator._events() if paginator._events is not None else None
        self._events = events if events is not None and events.hooks else None
        self._inflight: deque[tuple[int, asyncio.Task[Page[T]]]] = deque()
        self._next = paginator.start_page  # what the last page said comes next
        self._items_seen = 0
        self._previous: Page[T] | None = None
        self._done = False
        self.closed = False

    def __aiter__(self) -> Self:
        return self

    def _may_request(self, number: int) -> bool:
        p = self._p
        return p.max_pages is None or number < p.start_page + p.max_pages

    def _request(self, number: int, prefetched: bool = False) -> None:
        events = self._events
        fetch = self._p._fetch(number) if events is None else self._told(number, prefetched, events)
        task = asyncio.ensure_future(fetch)
        task.add_done_callback(_retrieve)
        self._inflight.append((number, task))

    def _top_up(self, page: Page[T]) -> None:
        # Keep `prefetch` pages in flight beyond the one the caller holds, but only pages
        # that the page says exist: never speculate past the last page.
        wanted = [n for n in page.following(self._p.prefetch) if self._may_request(n)]
        if wanted[:1] != [self._next]:
            wanted = []  # a page whose count disagrees with its next page: follow the latter
        queued = [n for n, _ in self._inflight]
        if queued and (queued[0] != self._next or queued[: len(wanted)] != wanted[: len(queued)]):
            self._cancel_inflight()  # in flight is not what the page says follows it
            queued = []
        for number in wanted[len(queued) :]:
            self._request(number, prefetched=True)

    async def _told(self, number: int, prefetched: bool, events: _Dispatcher) -> Page[T]:
        page = await self._p._fetch(number)
        events.emit(
            PageFetched(
                at=events.now(),
                operation=self._p.operation,
                page=number,
                items=len(page.items),
                prefetched=prefetched,
            )
        )
        return page

    async def __anext__(self) -> Page[T]:
        if self._done or self.closed:
            raise StopAsyncIteration
        if not self._inflight:
            self._request(self._next)
        number, task = self._inflight[0]
        requests = _cancel_requests()
        try:
            page = await task
        except BaseException as exc:
            closed_meanwhile = not self._holds(task)
            # The walk's own task being cancelled: then the CancelledError is its own.
            cancelled_here = _cancel_requests() > requests
            if closed_meanwhile and isinstance(exc, asyncio.CancelledError) and not cancelled_here:
                # aclose() from another task cancelled this fetch: the walk just ends.
                raise StopAsyncIteration from None
            if not closed_meanwhile:
                self._inflight.popleft()
            await self.aclose()
            if isinstance(exc, SyneriseError):
                raise page_error(exc, resume_page=number) from exc
            raise
        if not self._holds(task):  # closed from another task while this page was on its way
            raise StopAsyncIteration
        self._inflight.popleft()
        return self._accept(page, number)

    def _holds(self, task: asyncio.Task[Page[T]]) -> bool:
        # Only aclose() takes the awaited fetch out of the queue behind the caller's back.
        return bool(self._inflight) and self._inflight[0][1] is task

    def _accept(self, page: Page[T], number: int) -> Page[T]:
        p = self._p
        if page.page != number:
            page = attrs.evolve(page, page=number)
        if self._previous is not None and page.items and _same(page.items, self._previous.items):
            logger.warning(
                "page %d repeats page %d; stopping the walk", number, self._previous.page
            )
            self._finish()
            raise StopAsyncIteration
        following = page.next_page
        if p.max_items is not None and self._items_seen + len(page.items) >= p.max_items:
            page = attrs.evolve(page, items=page.items[: p.max_items - self._items_seen])
            self._finish()
        elif following is None or not self._may_request(following):
            self._finish()
        else:
            self._next = following
            self._top_up(page)
        self._items_seen += len(page.items)
        self._previous = page
        return page

    def _finish(self) -> None:
        self._done = True
        self._cancel_inflight()

    def _cancel_inflight(self) -> None:
        while self._inflight:
            _, task = self._inflight.popleft()
            task.cancel()

    async def aclose(self) -> None:
        """Stop the walk: cancel the fetches in flight and wait for them to end."""
        self.closed = True
        tasks = [task for _, task in self._inflight]
        self._cancel_inflight()
        if tasks:
            await asyncio.wait(tasks)

    def __del__(self) -> None:
        # A caller that broke out of `async for` drops the walk: cancel what it left.
        for _, task in self._inflight:
            task.cancel()


class _ItemWalk(Generic[T]):
    """The items of a page walk, one by one."""

    def __init__(self, pages: _PageWalk[T]) -> None:
        self._pages = pages
        self._items: tuple[T, ...] = ()
        self._index = 0

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._items):
            page = await self._pages.__anext__()
            self._items, self._index = page.items, 0
        item = self._items[self._index]
        self._index += 1
        return item

    async def aclose(self) -> None:
        """Stop the walk (see :meth:`AsyncPaginator.aclose`)."""
        await self._pages.aclose()

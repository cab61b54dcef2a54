"""AsyncPaginator on its own: a page source in memory that counts and gates fetches.

The same paginator over real HTTP is covered in tests/api/automation/test_paginate.py.
"""

from __future__ import annotations

import asyncio
import gc

import _timing
import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synerise_async import (
    APIConnectionError,
    AsyncPaginator,
    InvalidArgumentError,
    Page,
    PageError,
    RateLimitError,
    RequestInfo,
)
from synerise_async._exceptions import status_error


class Source:
    """Serves ``n`` integers in pages of ``limit``; records every fetch.

    A fetch takes ``turns`` turns of the event loop: the other tasks run meanwhile, as
    they would during a request, and no real time passes.
    """

    def __init__(self, n: int, limit: int, *, meta: bool = True, turns: int = 0) -> None:
        self.n, self.limit, self.meta, self.turns = n, limit, meta, turns
        self.fetched: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail_on: set[int] = set()
        self.repeat_from: int | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.n // self.limit))

    async def __call__(self, number: int) -> Page[int]:
        self.fetched.append(number)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await _timing.settle(self.turns) if self.turns else await asyncio.sleep(0)
            if number in self.fail_on:
                self.fail_on.discard(number)
                raise APIConnectionError(request=RequestInfo("GET", f"/x?page={number}"))
            served = number
            if self.repeat_from is not None and number > self.repeat_from:
                served = self.repeat_from
            start = (served - 1) * self.limit
            items = tuple(range(start, min(start + self.limit, self.n)))
            return Page(
                items=items,
                page=number,
                limit=self.limit,
                pages=self.pages if self.meta else None,
                total=self.n if self.meta else None,
            )
        finally:
            self.in_flight -= 1


def others() -> list[asyncio.Task[object]]:
    """The tasks running beside this test's own."""
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def collect(paginator: AsyncPaginator[int]) -> list[int]:
    return [item async for item in paginator.items()]


async def test_nothing_is_fetched_until_iteration() -> None:
    source = Source(100, 10)
    paginator = AsyncPaginator(source)
    await _timing.settle()
    assert source.fetched == []
    assert await collect(paginator) == list(range(100))
    assert source.fetched == list(range(1, 11))


async def test_lazy_one_request_per_page_pulled() -> None:
    source = Source(100, 10)
    pages = AsyncPaginator(source).pages()
    for k in range(1, 4):
        page = await pages.__anext__()
        await _timing.settle()
        assert page.page == k
        assert source.fetched == list(range(1, k + 1))
    await pages.aclose()


@pytest.mark.parametrize("prefetch", [1, 3, 8])
async def test_prefetch_bound_is_never_exceeded_and_order_is_kept(prefetch: int) -> None:
    source = Source(500, 10, turns=3)
    paginator = AsyncPaginator(source, prefetch=prefetch)
    seen = []
    async for page in paginator:
        seen.append(page.page)
        await _timing.settle(6)  # slower than a fetch: the prefetch fills up
    assert seen == list(range(1, 51))
    assert source.max_in_flight <= prefetch
    assert sorted(source.fetched) == list(range(1, 51))  # nothing fetched twice or past the end


async def test_early_break_cancels_prefetched_pages() -> None:
    source = Source(1000, 10, turns=50)
    paginator = AsyncPaginator(source, prefetch=4)
    async for page in paginator:
        if page.page == 2:
            assert others()  # prefetched pages are on their way
            break
    gc.collect()
    await _timing.settle()
    assert source.in_flight == 0
    assert others() == []


async def test_aclose_cancels_at_once() -> None:
    source = Source(1000, 10, turns=50)
    async with AsyncPaginator(source, prefetch=4) as paginator:
        async for _ in paginator:
            assert others()
            break
    assert source.in_flight == 0


async def test_cancelling_the_walk_leaves_nothing_running() -> None:
    source = Source(1000, 10, turns=5)
    busy = asyncio.Event()

    async def walk() -> None:
        async for _ in AsyncPaginator(source, prefetch=3):
            busy.set()
            await asyncio.Event().wait()  # a consumer busy until cancelled

    task = asyncio.create_task(walk())
    await busy.wait()
    await _timing.settle()
    assert len(source.fetched) > 1  # the walk prefetched beyond its first page
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gc.collect()
    await _timing.settle()
    assert source.in_flight == 0
    assert others() == []


async def test_max_pages_and_max_items() -> None:
    source = Source(100, 10)
    assert [p.page async for p in AsyncPaginator(source, max_pages=3)] == [1, 2, 3]
    assert source.fetched == [1, 2, 3]
    source = Source(100, 10)
    assert await collect(AsyncPaginator(source, max_items=25)) == list(range(25))
    assert source.fetched == [1, 2, 3]
    source = Source(100, 10)
    assert await collect(AsyncPaginator(source, max_items=20, prefetch=5)) == list(range(20))
    assert max(source.fetched) <= 7  # at most the prefetch window beyond the last page used


async def test_start_page_resumes() -> None:
    source = Source(100, 10)
    assert await collect(AsyncPaginator(source, start_page=9)) == list(range(80, 100))
    assert source.fetched == [9, 10]


async def test_error_mid_walk_carries_resume_page_and_resuming_yields_each_item_once() -> None:
    source = Source(95, 10)
    source.fail_on = {4}
    got: list[int] = []
    with pytest.raises(APIConnectionError) as info:
        async for item in AsyncPaginator(source, prefetch=2).items():
            got.append(item)
    assert isinstance(info.value, PageError)
    assert info.value.resume_page == 4
    async for item in AsyncPaginator(source, start_page=info.value.resume_page).items():
        got.append(item)
    assert got == list(range(95))


async def test_a_walks_failure_is_caught_as_its_class_with_resume_page_and_its_cause() -> None:
    source = Source(95, 10)
    original = status_error(
        429, request=RequestInfo("GET", "/x?page=4"), body=None, retry_after=3.0, attempts=2
    )

    async def fetch(number: int) -> Page[int]:
        if number == 4:
            raise original
        return await source(number)

    got: list[int] = []
    caught: RateLimitError | None = None
    async with asyncio.timeout(10):
        try:
            async for page in AsyncPaginator(fetch, prefetch=2):
                got.extend(page.items)
        except RateLimitError as exc:  # as around a single call
            caught = exc
    assert caught is not None
    assert isinstance(caught, PageError)
    assert caught.resume_page == 4
    assert caught.__cause__ is original
    assert (caught.retry_after, caught.attempts, caught.status_code) == (3.0, 2, 429)
    assert caught.__notes__ == ["Resume the walk with start_page=4."]
    # The original was not changed after it was raised.
    assert not hasattr(original, "resume_page")
    assert not hasattr(original, "__notes__")
    assert got == list(range(30))


async def test_an_error_that_is_not_the_sdks_passes_through_the_walk_as_it_is() -> None:
    raised = KeyError("a bug in a fetch function")

    async def fetch(number: int) -> Page[int]:
        raise raised

    with pytest.raises(KeyError) as info:
        async with asyncio.timeout(10):
            [p async for p in AsyncPaginator(fetch)]
    assert info.value is raised
    assert not isinstance(info.value, PageError)


async def test_empty_collection_is_one_request() -> None:
    source = Source(0, 10)
    pages = [p async for p in AsyncPaginator(source, prefetch=4)]
    assert [len(p) for p in pages] == [0]
    assert source.fetched == [1]


async def test_repeated_page_stops_the_walk() -> None:
    source = Source(100, 10, meta=False)
    source.repeat_from = 3
    assert await collect(AsyncPaginator(source)) == list(range(30))
    assert source.fetched == [1, 2, 3, 4]


async def test_a_repeated_page_with_a_nan_in_it_still_stops_the_walk() -> None:
    # Regression: NaN != NaN, so a server repeating a page holding a NaN was walked
    # until it stopped of itself (here 50 pages; 500 in the report).
    fetched: list[int] = []

    async def fetch(number: int) -> Page[tuple[int, float, dict[str, float]]]:
        fetched.append(number)
        nan = float("nan")  # a fresh NaN object per page, as a JSON decoder makes
        items = tuple((i, nan, {"x": float("nan")}) for i in range(3)) if number <= 50 else ()
        return Page(items=items, page=number, limit=3)

    pages = [p async for p in AsyncPaginator(fetch)]
    assert [p.page for p in pages] == [1]
    assert fetched == [1, 2]


async def test_pages_that_differ_only_in_a_nan_or_a_number_are_not_repeats() -> None:
    values = [float("nan"), 1.0, float("nan"), float("inf"), 1]

    async def fetch(number: int) -> Page[tuple[str, object]]:
        return Page(items=(("same", values[number - 1]),), page=number, limit=1, pages=5)

    assert [p.page async for p in AsyncPaginator(fetch)] == [1, 2, 3, 4, 5]


async def test_missing_meta_walks_until_a_short_page() -> None:
    source = Source(95, 10, meta=False)
    assert await collect(AsyncPaginator(source, prefetch=4)) == list(range(95))
    assert source.fetched == list(range(1, 11))


async def test_missing_meta_with_exact_multiple_ends_on_the_empty_page() -> None:
    source = Source(30, 10, meta=False)
    assert await collect(AsyncPaginator(source)) == list(range(30))
    assert source.fetched == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"prefetch": -1}, "prefetch"),
        ({"start_page": 0}, "start_page"),
        ({"max_pages": 0}, "max_pages"),
        ({"max_items": 0}, "max_items"),
        ({"prefetch": 1.5}, "prefetch"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        AsyncPaginator(Source(1, 1), **kwargs)  # type: ignore[arg-type]
    assert info.value.argument == name


def test_page_knows_which_pages_follow() -> None:
    assert Page(items=(1, 2), page=1, limit=2, pages=5).following(2) == range(2, 4)
    assert Page(items=(1, 2), page=4, limit=2, pages=5).following(3) == range(5, 6)
    assert Page(items=(1, 2), page=5, limit=2, pages=5).following(3) == range(0)
    assert Page(items=(1, 2), page=1, limit=2).following(3) == range(0)  # no count: no guess
    assert Page(items=(), page=1, limit=2, pages=5).following(3) == range(0)
    assert Page(items=(1, 2), page=1, limit=2, pages=5).following(0) == range(0)


@attrs.frozen(kw_only=True)
class OddPage(Page[int]):
    """A page that says the next page is two further on (and so are those it prefetches)."""

    @property
    def next_page(self) -> int | None:
        return None if self.page + 2 > (self.pages or 0) else self.page + 2

    def following(self, count: int) -> range:
        return range(self.page + 2, min(self.pages or 0, self.page + 2 * count) + 1, 2)


def as_page(cls: type[Page[int]], page: Page[int]) -> Page[int]:
    return cls(items=page.items, page=page.page, limit=page.limit, pages=page.pages)


@pytest.mark.parametrize("prefetch", [0, 2])
async def test_the_page_drives_the_walk(prefetch: int) -> None:
    source = Source(90, 10)

    async def fetch(number: int) -> Page[int]:
        return as_page(OddPage, await source(number))

    async with asyncio.timeout(10):
        pages = [p.page async for p in AsyncPaginator(fetch, prefetch=prefetch)]
    assert pages == [1, 3, 5, 7, 9]
    assert sorted(source.fetched) == [1, 3, 5, 7, 9]


async def test_the_walk_stops_when_the_page_says_nothing_follows() -> None:
    @attrs.frozen(kw_only=True)
    class LastAtTwo(Page[int]):
        @property
        def next_page(self) -> int | None:
            return None if self.page >= 2 else self.page + 1

    source = Source(100, 10)
    gate = asyncio.Event()
    asked: list[int] = []

    async def fetch(number: int) -> Page[int]:
        asked.append(number)
        if number > 2:
            await gate.wait()  # prefetched beyond page 2: held until cancelled
        return as_page(LastAtTwo, await source(number))

    async with asyncio.timeout(10):
        pages = [p.page async for p in AsyncPaginator(fetch, prefetch=3)]
        await asyncio.sleep(0)
    assert pages == [1, 2]  # although the server's count says 10
    assert asked == [1, 2, 3, 4]
    assert source.fetched == [1, 2]  # pages 3 and 4 were cancelled unserved
    assert others() == []


async def test_pages_in_flight_that_the_page_does_not_name_next_are_dropped() -> None:
    @attrs.frozen(kw_only=True)
    class JumpAtTwo(Page[int]):
        @property
        def next_page(self) -> int | None:
            return 10 if self.page == 2 else super().next_page

    source = Source(110, 10)
    asked: list[int] = []

    async def fetch(number: int) -> Page[int]:
        asked.append(number)
        return as_page(JumpAtTwo, await source(number))

    async with asyncio.timeout(10):
        pages = [p.page async for p in AsyncPaginator(fetch, prefetch=2)]
    assert pages == [1, 2, 10, 11]
    assert asked == [1, 2, 3, 10, 11]  # page 3, prefetched after page 1, was cancelled


def test_page_knows_what_comes_next() -> None:
    assert Page(items=(1, 2), page=1, limit=2, pages=3).next_page == 2
    assert Page(items=(1, 2), page=3, limit=2, pages=3).next_page is None
    assert Page(items=(), page=1, limit=2, pages=3).next_page is None
    assert Page(items=(1,), page=1, limit=2).next_page is None
    assert Page(items=(1, 2), page=1, limit=2).next_page == 2


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=300),
    limit=st.integers(min_value=1, max_value=40),
    prefetch=st.integers(min_value=0, max_value=6),
    meta=st.booleans(),
)
def test_property_every_item_exactly_once_in_order(
    n: int, limit: int, prefetch: int, meta: bool
) -> None:
    async def run() -> tuple[list[int], Source]:
        source = Source(n, limit, meta=meta)
        return await collect(AsyncPaginator(source, prefetch=prefetch)), source

    items, source = asyncio.run(run())
    assert items == list(range(n))
    assert len(source.fetched) == len(set(source.fetched))

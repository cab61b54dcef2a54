"""synerise_async: the SDK, used exactly as its README tells users to.

Every method is one documented call, except :meth:`SdkClient.decode_page`: the SDK
has no public "bytes to page" function, so the decode-only scenario calls the
listing operation's own ``_parse_response`` on a :class:`~synerise_async.RawResponse`,
which is exactly what the SDK does with each page after the wire. If the SDK's API
changes, adjust here; while these imports fail the runner reports the client as not
available.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from synerise_async import (
    ClientConfig,
    RawResponse,
    RequestInfo,
    SyneriseClient,
    WorkspaceAuth,
)
from synerise_async.api.automation import get_workflow_statistics, list_workflows

from ._base import LIST_PATH

__all__ = ["SdkClient", "connect"]

_DECODE_REQUEST = RequestInfo("GET", f"http://127.0.0.1{LIST_PATH}?page=1&limit=100")


class SdkClient:
    """The SDK behind the bench protocol: every method is one documented call."""

    def __init__(self, client: SyneriseClient) -> None:
        self._client = client

    async def list_pages(self, *, limit: int, prefetch: int) -> int:
        """See :meth:`benchmarks.clients.BenchClient.list_pages`."""
        seen = 0
        async for page in list_workflows.paginate(
            client=self._client, limit=limit, prefetch=prefetch
        ):
            seen += len(page.items)
        return seen

    def iter_items(self, *, limit: int) -> AsyncIterator[object]:
        """See :meth:`benchmarks.clients.BenchClient.iter_items`."""
        return list_workflows.paginate(client=self._client, limit=limit).items()

    async def get_statistics(self, diagram_id: str, time_period: str) -> object:
        """See :meth:`benchmarks.clients.BenchClient.get_statistics`."""
        return await get_workflow_statistics.asyncio(
            client=self._client, diagram_id=diagram_id, time_period=time_period
        )

    def decode_page(self, body: bytes) -> Sequence[object]:
        """See :meth:`benchmarks.clients.BenchClient.decode_page`."""
        raw = RawResponse(status_code=200, headers={}, content=body, request=_DECODE_REQUEST)
        return list_workflows._parse_response(raw, page=1, limit=100).items


@asynccontextmanager
async def connect(base_url: str, api_key: str, *, max_concurrency: int) -> AsyncIterator[SdkClient]:
    """See :class:`benchmarks.clients.Connect`."""
    config = ClientConfig(max_concurrency=max_concurrency)
    async with SyneriseClient(
        WorkspaceAuth(api_key=api_key), base_url=base_url, config=config
    ) as client:
        yield SdkClient(client)

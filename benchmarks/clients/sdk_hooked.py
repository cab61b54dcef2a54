"""synerise_async with one no-op event hook: what a configured hook costs.

The same client as :mod:`benchmarks.clients.sdk` (the same calls), made with
``ClientConfig(event_hooks=[...])`` holding one plain function that does nothing, so
every event is built and dispatched. Beside ``synerise_async`` (no hooks: each emission
point one branch) it shows the price of observing a call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from synerise_async import ClientConfig, SyneriseClient, WorkspaceAuth
from synerise_async.events import Event

from .sdk import SdkClient

__all__ = ["connect"]


def _no_op(event: Event) -> None:
    """The cheapest hook there is."""


@asynccontextmanager
async def connect(base_url: str, api_key: str, *, max_concurrency: int) -> AsyncIterator[SdkClient]:
    """See :class:`benchmarks.clients.Connect`."""
    config = ClientConfig(max_concurrency=max_concurrency, event_hooks=[_no_op])
    async with SyneriseClient(
        WorkspaceAuth(api_key=api_key), base_url=base_url, config=config
    ) as client:
        yield SdkClient(client)

"""httpx_pydantic: ``httpx.AsyncClient`` with pydantic v2 models, a common choice.

Models use ``alias_generator=to_camel`` and are validated straight from the response
bytes with ``model_validate_json`` (pydantic's fastest path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from ._base import BaselineClient

__all__ = ["HttpxPydanticClient", "Workflow", "WorkflowPage", "WorkflowStatistics", "connect"]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ListingAuthor(_Model):
    """Who created a workflow."""

    user_id: int | None = None
    client_id: int | None = None
    client_api_hash: str | None = None
    business_profile_api_hash: str | None = None


class CappingPeriod(_Model):
    """The window a capping limit applies to."""

    type: str
    time_seconds: int


class Capping(_Model):
    """How often a profile may go through a workflow."""

    limit: int
    period: CappingPeriod


class Configuration(_Model):
    """A workflow's run settings."""

    capping: Capping | None = None
    multiple_journeys: bool = False


class Tag(_Model):
    """A workflow tag."""

    hash: str
    value: str
    color: str | None = None
    description: str | None = None
    icon: str | None = None


class Workflow(_Model):
    """One workflow of the listing."""

    diagram_id: str
    name: str
    created: float
    updated: float
    status: str
    listing_author: ListingAuthor | None = None
    schedule_status: str | None = None
    configuration: Configuration | None = None
    catalog_id: str | None = None
    context: str | None = None
    tags: list[Tag] = []
    description: str | None = None
    has_transformation: bool = False
    business_profile_id: int | None = None


class PageMeta(_Model):
    """Where a page sits in the listing."""

    limit: int
    page: int
    pages: int
    total: int


class WorkflowPage(_Model):
    """One page of the workflow listing."""

    data: list[Workflow]
    meta: PageMeta


class BlockStatistics(_Model):
    """Counters of one block of a workflow."""

    name: str
    type: str
    entered: int = 0
    executed: int = 0
    failed: int = 0


class WorkflowStatistics(_Model):
    """Counters of a workflow and its blocks over a time period."""

    started: int
    finished: int
    in_progress: int
    blocks: dict[str, BlockStatistics] = {}


class HttpxPydanticClient(BaselineClient[WorkflowPage]):
    """httpx transport, pydantic models."""

    def __init__(self, client: httpx.AsyncClient, api_key: str) -> None:
        super().__init__(api_key)
        self._client = client

    async def _get(self, path: str, token: str) -> tuple[int, bytes]:
        response = await self._client.get(path, headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.content

    async def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        response = await self._client.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
        return response.status_code, response.content

    def _decode_page(self, body: bytes) -> WorkflowPage:
        return WorkflowPage.model_validate_json(body)

    def _page_items(self, page: WorkflowPage) -> Sequence[object]:
        return page.data

    def _page_count(self, page: WorkflowPage) -> int:
        return page.meta.pages

    def _decode_statistics(self, body: bytes) -> object:
        return WorkflowStatistics.model_validate_json(body)


@asynccontextmanager
async def connect(
    base_url: str, api_key: str, *, max_concurrency: int
) -> AsyncIterator[HttpxPydanticClient]:
    """See :class:`benchmarks.clients.Connect`: one ``AsyncClient``, closed on exit."""
    limits = httpx.Limits(
        max_connections=max_concurrency, max_keepalive_connections=max_concurrency
    )
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, headers={"Accept": "application/json"}, timeout=30.0
    ) as client:
        yield HttpxPydanticClient(client, api_key)

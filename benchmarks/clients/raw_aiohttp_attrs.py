"""raw_aiohttp_attrs: the raw_aiohttp transport, structured into ``@attrs.frozen`` models.

A good hand-written client: frozen attrs classes with snake_case attributes and tuples
for lists, one cattrs ``Converter`` whose hooks (``make_dict_structure_fn`` with
``override(rename=...)``) map the camelCase wire names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, override

from .raw_aiohttp import RawAiohttpClient

__all__ = ["AttrsClient", "Workflow", "WorkflowPage", "WorkflowStatistics", "connect"]


@attrs.frozen
class ListingAuthor:
    """Who created a workflow."""

    user_id: int | None = None
    client_id: int | None = None
    client_api_hash: str | None = None
    business_profile_api_hash: str | None = None


@attrs.frozen
class CappingPeriod:
    """The window a capping limit applies to."""

    type: str
    time_seconds: int


@attrs.frozen
class Capping:
    """How often a profile may go through a workflow."""

    limit: int
    period: CappingPeriod


@attrs.frozen
class Configuration:
    """A workflow's run settings."""

    capping: Capping | None = None
    multiple_journeys: bool = False


@attrs.frozen
class Tag:
    """A workflow tag."""

    hash: str
    value: str
    color: str | None = None
    description: str | None = None
    icon: str | None = None


@attrs.frozen
class Workflow:
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
    tags: tuple[Tag, ...] = ()
    description: str | None = None
    has_transformation: bool = False
    business_profile_id: int | None = None


@attrs.frozen
class PageMeta:
    """Where a page sits in the listing."""

    limit: int
    page: int
    pages: int
    total: int


@attrs.frozen
class WorkflowPage:
    """One page of the workflow listing."""

    data: tuple[Workflow, ...]
    meta: PageMeta


@attrs.frozen
class BlockStatistics:
    """Counters of one block of a workflow."""

    name: str
    type: str
    entered: int = 0
    executed: int = 0
    failed: int = 0


@attrs.frozen
class WorkflowStatistics:
    """Counters of a workflow and its blocks over a time period."""

    started: int
    finished: int
    in_progress: int
    blocks: dict[str, BlockStatistics] = attrs.field(factory=dict)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()

    def camel_case_hook(cls: type[Any]) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, converter, **renames)

    converter.register_structure_hook_factory(attrs.has, camel_case_hook)
    return converter


_CONVERTER = _make_converter()


class AttrsClient(RawAiohttpClient):
    """raw_aiohttp with attrs models: same transport, typed results."""

    def _decode_page(self, body: bytes) -> WorkflowPage:
        return _CONVERTER.structure(orjson.loads(body), WorkflowPage)

    def _page_items(self, page: WorkflowPage) -> Sequence[object]:
        return page.data

    def _page_count(self, page: WorkflowPage) -> int:
        return page.meta.pages

    def _decode_statistics(self, body: bytes) -> object:
        return _CONVERTER.structure(orjson.loads(body), WorkflowStatistics)


#: See :class:`benchmarks.clients.Connect`.
connect = AttrsClient.connect

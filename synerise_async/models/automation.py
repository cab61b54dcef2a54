"""Models of the automation workflow operations. Synerise calls a workflow a "diagram".

Status-like fields are :class:`~synerise_async.OpenEnum`: a value the SDK does not know
yet is kept, never fatal. Counters the API adds to block statistics are kept in
``counters``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from .._types import OpenEnum
from ._fields import extra_keys_field

__all__ = [
    "BlockStatistics",
    "Capping",
    "CappingPeriod",
    "LastRunLogs",
    "ListingAuthor",
    "PageMeta",
    "PipelineStages",
    "RunStage",
    "RunStatus",
    "ScheduleAction",
    "ScheduleStatus",
    "SortOrder",
    "Tag",
    "TimePeriod",
    "Workflow",
    "WorkflowConfiguration",
    "WorkflowList",
    "WorkflowSort",
    "WorkflowStatistics",
    "WorkflowStatus",
    "WorkflowStatusFilter",
]


class WorkflowStatus(OpenEnum):
    """The state of a workflow. A STOPPED workflow can never run again."""

    DRAFT = "Draft"
    PENDING = "Pending"
    ACTIVE = "Active"
    PAUSED = "Paused"
    STOPPED = "Stopped"
    SCHEDULED = "Scheduled"


class WorkflowStatusFilter(OpenEnum):
    """The ``status`` filter of the workflow listings."""

    ALL = "All"
    RECENT = "Recent"
    DRAFT = "Draft"
    PENDING = "Pending"
    ACTIVE = "Active"
    PAUSED = "Paused"
    STOPPED = "Stopped"
    INACTIVE = "Inactive"
    SCHEDULED = "Scheduled"
    NO_SCHEDULE = "NoSchedule"
    SCHEDULE_ON = "ScheduleOn"
    SCHEDULE_OFF = "ScheduleOff"


class ScheduleStatus(OpenEnum):
    """Whether a workflow's schedule is on."""

    ON = "On"
    OFF = "Off"


class ScheduleAction(OpenEnum):
    """What running or pausing a workflow does to its schedule."""

    ON = "On"
    OFF = "Off"
    NO_ACTION = "NoAction"


class WorkflowSort(OpenEnum):
    """The ``sort`` key of the workflow listings."""

    AUTHOR = "Author"
    NAME = "Name"
    CREATED_TIME = "CreatedTime"
    UPDATED_TIME = "UpdatedTime"
    STATUS = "Status"


class SortOrder(OpenEnum):
    """Sorting order."""

    ASC = "Asc"
    DESC = "Desc"


class TimePeriod(OpenEnum):
    """The period workflow statistics cover."""

    CURRENT_HOUR = "currentHour"
    CURRENT_DAY = "currentDay"
    PREVIOUS_HOUR = "previousHour"
    PREVIOUS_DAY = "previousDay"


class RunStatus(OpenEnum):
    """Status of a data run or one of its stages; the API may add more.

    Matched ignoring case. Only ``"Pending"`` is documented (the last-run sample), so
    that member keeps its spelling; the others keep the SDK's historical spelling.
    """

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING = "Pending"
    SKIPPED = "SKIPPED"

    @property
    def failed(self) -> bool:
        """Whether this status means failure (``FAILED``, or an unknown ``*FAIL*``/``ERROR``)."""
        return "FAIL" in self.value.upper() or "ERROR" in self.value.upper()


@attrs.frozen(kw_only=True)
class ListingAuthor:
    """Who created a workflow."""

    user_id: int | str | None = None
    client_id: int | str | None = None
    client_api_hash: str | None = None
    business_profile_api_hash: str | None = None


@attrs.frozen(kw_only=True)
class CappingPeriod:
    """The period a capping limit applies to."""

    type: str | None = None
    time_seconds: float | None = None


@attrs.frozen(kw_only=True)
class Capping:
    """How many times a Profile may enter the workflow per period."""

    limit: int | None = None
    period: CappingPeriod | None = None


@attrs.frozen(kw_only=True)
class WorkflowConfiguration:
    """A workflow's entry settings."""

    capping: Capping | None = None
    multiple_journeys: bool | None = None


@attrs.frozen(kw_only=True)
class Tag:
    """A tag on a workflow; ``value`` is what the ``tags`` filter matches."""

    hash: str | None = None
    value: str | None = None
    color: str | None = None
    description: str | None = None
    icon: str | None = None


@attrs.frozen(kw_only=True)
class Workflow:
    """An automation workflow (Synerise: "diagram").

    Attributes:
        diagram_id: the workflow's UUID.
        created, updated: aware UTC datetimes (the API sends epoch seconds).
        status: see :class:`WorkflowStatus`; unknown values are kept.
        workspace_id: the Workspace (``businessProfileId``).
    """

    diagram_id: str
    name: str | None = None
    status: WorkflowStatus | None = None
    schedule_status: ScheduleStatus | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    listing_author: ListingAuthor | None = None
    configuration: WorkflowConfiguration | None = None
    catalog_id: int | str | None = None
    context: str | None = None
    tags: tuple[Tag, ...] = ()
    description: str | None = None
    has_transformation: bool | None = None
    workspace_id: int | str | None = None
    directory_id: str | None = None


@attrs.frozen(kw_only=True)
class PageMeta:
    """The ``meta`` of a listing: page size, page number, page count and item count."""

    limit: int | None = None
    page: int | None = None
    pages: int | None = None
    total: int | None = None


@attrs.frozen(kw_only=True)
class WorkflowList:
    """One page of a workflow listing as it comes on the wire."""

    data: tuple[Workflow, ...]
    meta: PageMeta | None = None


@attrs.frozen(kw_only=True)
class BlockStatistics:
    """Statistics of one block of a workflow.

    Attributes:
        name, type: the block's label and kind.
        entered, executed: the named counters.
        counters: every other counter the API sends (such as ``failed``), by name.
    """

    name: str | None = None
    type: str | None = None
    entered: int | None = None
    executed: int | None = None
    counters: Mapping[str, Any] = extra_keys_field()


@attrs.frozen(kw_only=True)
class WorkflowStatistics:
    """Statistics of a workflow for a period, with per-block statistics keyed by block id."""

    started: int | None = None
    finished: int | None = None
    in_progress: int | None = None
    blocks: Mapping[str, BlockStatistics] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RunStage:
    """One stage (import, transform or export) of a workflow's data run."""

    status: RunStatus | None = None
    run_date: dt.datetime | None = None
    logs: tuple[Any, ...] = ()
    logs_size: int | None = None
    failed_records_file_id: str | None = None
    success_count: int | None = None
    failure_count: int | None = None


@attrs.frozen(kw_only=True)
class PipelineStages:
    """The three stages of a data run."""

    import_data: RunStage | None = None
    transform_data: RunStage | None = None
    export_data: RunStage | None = None

    def stages(self) -> tuple[tuple[str, RunStage], ...]:
        """The stages that are present, by name, in pipeline order."""
        named = (
            ("importData", self.import_data),
            ("transformData", self.transform_data),
            ("exportData", self.export_data),
        )
        return tuple((name, stage) for name, stage in named if stage is not None)


@attrs.frozen(kw_only=True)
class LastRunLogs:
    """The last data run of a workflow, with its three stages."""

    start_time: dt.datetime | None = None
    run_id: str | None = None
    overall_run_status: RunStatus | None = None
    pipeline_response: PipelineStages | None = None

    @property
    def failure_count(self) -> int:
        """Records that failed across all stages."""
        if self.pipeline_response is None:
            return 0
        return sum(stage.failure_count or 0 for _, stage in self.pipeline_response.stages())

"""What an audit produces: one :class:`WorkflowAudit` record per workflow, its findings,
the thresholds the rules apply, the failure of a fetch or of a listing that did not work
out, and the live :class:`AuditProgress` counters."""

from __future__ import annotations

import datetime as dt
import enum
import functools

import attrs

from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
)
from ..models.automation import LastRunLogs, TimePeriod, Workflow, WorkflowStatistics

__all__ = [
    "DEFAULT_FAILED_RECORDS",
    "DEFAULT_MIN_STARTED",
    "DEFAULT_PAUSED_DAYS",
    "DEFAULT_STALE_DRAFT_DAYS",
    "AuditProgress",
    "FetchFailure",
    "Finding",
    "FindingKey",
    "Include",
    "ListingFailure",
    "Severity",
    "Thresholds",
    "WorkflowAudit",
    "WorkspaceRef",
]

#: A draft not updated for this many days is stale.
DEFAULT_STALE_DRAFT_DAYS = 90
#: A workflow paused (judging by its last update) for more than this many days is flagged.
DEFAULT_PAUSED_DAYS = 30
#: An active workflow that fewer Profiles than this started in the period is flagged.
DEFAULT_MIN_STARTED = 1
#: A last data run with at least this many failed records is flagged.
DEFAULT_FAILED_RECORDS = 1


@functools.total_ordering
class Severity(enum.Enum):
    """How serious a finding is; ordered ``INFO < WARNING < ERROR``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return _RANKS[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Include(enum.Flag):
    """Which details the audit fetches for each workflow besides its listing entry."""

    NONE = 0
    #: The workflow's statistics for the audited period (one request per workflow).
    STATISTICS = enum.auto()
    #: The last data run, for workflows with data stages (``has_transformation``).
    LAST_RUN = enum.auto()
    ALL = STATISTICS | LAST_RUN


@attrs.frozen(kw_only=True)
class Finding:
    """Something a rule noticed about a workflow.

    Attributes:
        code: a stable, kebab-case identifier such as ``"stale-draft"``.
        severity: how serious it is.
        message: one human sentence saying what and why.
    """

    code: str
    severity: Severity
    message: str


@attrs.frozen(kw_only=True)
class WorkspaceRef:
    """The Workspace a record belongs to (Synerise: "business profile").

    Attributes:
        guid: the Workspace UUID (``businessProfileGuid``), when known.
        id: the numeric Workspace id (``businessProfileId``), when known.
        name: the display name, when known.
    """

    guid: str | None = None
    id: int | str | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        """What identifies the Workspace in a report: the UUID, else the numeric id, else ``""``."""
        if self.guid:
            return self.guid
        return "" if self.id is None else str(self.id)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a report may know the Workspace by: the UUID and the numeric id, when known."""
        return tuple(k for k in (self.guid, None if self.id is None else str(self.id)) if k)

    def __str__(self) -> str:
        return self.name or self.key or "(current Workspace)"


def _failure_kind(error: Exception) -> str:
    # Ordered from the most specific class: APITimeoutError is an APIConnectionError.
    kinds: tuple[tuple[type[Exception], str], ...] = (
        (NotFoundError, "not_found"),
        (RateLimitError, "rate_limited"),
        (InternalServerError, "server_error"),
        (PermissionDeniedError, "permission_denied"),
        (BadRequestError, "bad_request"),
        (APIStatusError, "http_error"),
        (APITimeoutError, "timeout"),
        (APIConnectionError, "connection"),
        (ResponseValidationError, "invalid_response"),
        (InvalidArgumentError, "invalid_argument"),
    )
    return next((kind for cls, kind in kinds if isinstance(error, cls)), "error")


@attrs.frozen(kw_only=True)
class FetchFailure:
    """Why fetching one workflow's details failed (the audit went on without them).

    Attributes:
        operation: ``"statistics"`` or ``"last_run"``: what was being fetched.
        kind: ``not_found``, ``rate_limited``, ``server_error``, ``permission_denied``,
            ``bad_request``, ``http_error``, ``timeout``, ``connection``,
            ``invalid_response``, ``invalid_argument`` or ``error``.
        status_code: the HTTP status, when there was one.
        message: the error's message (it never carries a credential).
    """

    operation: str
    kind: str
    status_code: int | None = None
    message: str

    @classmethod
    def from_exception(cls, operation: str, error: APIError | InvalidArgumentError) -> FetchFailure:
        """Describe ``error``, raised while fetching ``operation``."""
        status_code = getattr(error, "status_code", None)
        return cls(
            operation=operation,
            kind=_failure_kind(error),
            status_code=status_code if isinstance(status_code, int) else None,
            message=str(error),
        )


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError(
            attribute.name, f"must be a non-negative whole number; got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Thresholds:
    """The numbers the default rules compare against; change one with ``attrs.evolve``.

    Attributes:
        stale_draft_days: a draft not updated for at least this many days is stale.
        paused_days: a workflow paused, by its last update, for more than this many days
            is flagged.
        min_started: an active workflow that fewer Profiles started in the period is
            flagged (0 turns the rule off).
        failed_records: a last data run with at least this many failed records is
            flagged (0 turns the rule off).
    """

    stale_draft_days: int = attrs.field(default=DEFAULT_STALE_DRAFT_DAYS, validator=_non_negative)
    paused_days: int = attrs.field(default=DEFAULT_PAUSED_DAYS, validator=_non_negative)
    min_started: int = attrs.field(default=DEFAULT_MIN_STARTED, validator=_non_negative)
    failed_records: int = attrs.field(default=DEFAULT_FAILED_RECORDS, validator=_non_negative)


@attrs.frozen(kw_only=True)
class WorkflowAudit:
    """Everything the audit learned about one workflow.

    Attributes:
        workspace: the Workspace the workflow belongs to.
        workflow: the workflow as the listing returned it.
        time_period: the period ``statistics`` cover.
        statistics: the workflow's statistics for ``time_period``; None when not fetched
            or when fetching failed.
        last_run: the last data run, for workflows with data stages; None otherwise,
            when the workflow has not run yet, or when fetching failed.
        findings: what the rules found, in rule order.
        error: why fetching the details failed, or None.
        audited_at: when the record was made (aware, UTC); the time-based rules measure
            ages from it.
    """

    workspace: WorkspaceRef
    workflow: Workflow
    time_period: TimePeriod = TimePeriod.PREVIOUS_DAY
    statistics: WorkflowStatistics | None = None
    last_run: LastRunLogs | None = None
    findings: tuple[Finding, ...] = ()
    error: FetchFailure | None = None
    audited_at: dt.datetime = attrs.field(factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def key(self) -> tuple[str, str]:
        """``(workspace key, diagram id)``: what identifies the record in a report."""
        return (self.workspace.key, self.workflow.diagram_id)

    @property
    def max_severity(self) -> Severity | None:
        """The most serious finding's severity, or None without findings."""
        return max((f.severity for f in self.findings), default=None)

    def days_since_update(self) -> float | None:
        """Days from the workflow's last update (else its creation) to ``audited_at``."""
        moment = self.workflow.updated or self.workflow.created
        if moment is None:
            return None
        return (self.audited_at - moment).total_seconds() / 86400.0


@attrs.frozen(order=True)
class FindingKey:
    """What identifies a finding across runs, for baselines: ``(Workspace key, workflow
    id, rule code)``. A workflow has at most one finding of a code.

    Attributes:
        workspace: the Workspace's key (:attr:`WorkspaceRef.key`).
        workflow: the workflow's diagram id.
        rule: the finding's code.
    """

    workspace: str
    workflow: str
    rule: str

    @classmethod
    def of(cls, record: WorkflowAudit, finding: Finding) -> FindingKey:
        """The key of one of ``record``'s findings."""
        return cls(record.workspace.key, record.workflow.diagram_id, finding.code)


@attrs.frozen(kw_only=True)
class ListingFailure:
    """A Workspace whose listing could not be walked to the end.

    Attributes:
        workspace: the Workspace.
        page: the page that kept failing; the workflows from it on were not audited.
        message: the last error's message.
    """

    workspace: WorkspaceRef
    page: int
    message: str


@attrs.define
class AuditProgress:
    """Live counters of a running audit, for progress displays (read them any time).

    Attributes:
        workspaces_total: Workspaces to audit, once known.
        workspaces_done: Workspaces finished.
        workspace: the Workspace being audited.
        pages: listing pages received.
        totals: each listed Workspace's workflow count, as its listing last reported it.
        audited: records made.
        skipped: workflows skipped because they were in ``skip``.
        errors: records with an ``error``.
        listing_failures: Workspaces whose listing could not be walked to the end.
        finished: whether the audit ran to its end (it may still be incomplete).
    """

    workspaces_total: int | None = None
    workspaces_done: int = 0
    workspace: WorkspaceRef | None = None
    pages: int = 0
    totals: dict[str, int] = attrs.field(factory=dict)
    audited: int = 0
    skipped: int = 0
    errors: int = 0
    listing_failures: list[ListingFailure] = attrs.field(factory=list)
    finished: bool = False

    @property
    def complete(self) -> bool:
        """Whether the audit ended having walked every Workspace's listing to its end:
        False while it runs, after a fatal error, and when a listing was given up."""
        return self.finished and not self.listing_failures

    @property
    def listed(self) -> int:
        """Workflows the listings reported so far (Workspaces not listed yet excluded)."""
        return sum(self.totals.values())

    @property
    def remaining(self) -> int:
        """Workflows listed so far and neither audited nor skipped yet."""
        return max(0, self.listed - self.audited - self.skipped)

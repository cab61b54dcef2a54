"""The bulk workflow audit: walk the workflows of one or more Workspaces and inspect each.

Policy:

- **Workspaces**: the client's own (``workspaces=None``); with ``UserAuth``, every
  Workspace the User can see (``"all"``) or a chosen list, each audited in turn through
  ``client.for_workspace`` (same connections and limits, its own token).
- **One Workspace identity**: records are keyed by the Workspace UUID, so the client's
  own Workspace is read first (with the client's retries, the only ones); when it cannot
  be read the audit stops before any record rather than key records another way. Only
  credentials the endpoint refuses outright (Basic, for one) audit it unnamed, keyed by
  its numeric id. ``skip`` matches a record under either key.
- **Listing**: pages of ``page_size`` (:data:`PAGE_SIZE`), oldest first (a workflow created during the
  audit lands at the end instead of shifting the pages), with :data:`PREFETCH` next
  pages in flight.
- **Details**: never more than ``concurrency`` workflows in progress; each fetches its
  statistics, then its last data run when it has data stages. Every request goes
  through the client's own limits and retries.
- **Exactly once**: a (Workspace, workflow) pair is audited at most once, and pairs in
  ``skip`` not at all. When a listing's ``total`` changes during a walk (workflows
  deleted or created meanwhile shift the pages), the Workspace is listed again, up to
  :data:`MAX_RELISTS` times, and the workflows the walk missed are audited.
- **Failures**: a fetch that fails for one workflow (deleted meanwhile, a 5xx that
  outlived the retries, a response that does not parse) becomes that record's
  ``error`` and an error-severity finding, :data:`FETCH_FAILED`, whatever the rules
  (a workflow that could not be inspected is never a clean one); the audit goes on.
- **Listing failures**: a listing page is retried by the client only (its one retry
  loop, with its backoff and budget); a page that still fails is recorded in
  ``progress.listing_failures``, which makes the audit incomplete
  (``progress.complete`` is False), and the audit goes on with the next Workspace. Only ``AuthenticationError``, ``TokenRefreshError`` (and a
  client used wrongly) stop the audit: the iterator raises them after the records
  already made.
- **Logging** (the rule in ``synerise_async._http``): what the audit tries again and a
  failure it raises or keeps in ``progress`` are INFO; a listing that kept changing
  (workflows may be missing, and nothing else says so) is a WARNING; a rule that raised
  is an ERROR, with the traceback its finding does not carry.
- **Cancellation**: ``aclose()``, leaving ``async with``, dropping the iterator, or
  cancelling the consumer while it waits cancels all work in flight; ``aclose`` and a
  cancelled consumer also wait for it to end, so no task is left behind.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from types import TracebackType
from typing import Final, Literal, Self

import attrs

from .._client import SyneriseClient
from .._exceptions import (
    APIError,
    APIStatusError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    PageError,
    TokenRefreshError,
)
from .._http import RETRYABLE_STATUSES
from .._validation import check_enum, check_int
from ..api.automation import get_last_run_logs, get_workflow_statistics, list_workflows
from ..api.workspaces import get_current_workspace, list_workspaces
from ..auth import UserAuth
from ..models.automation import SortOrder, TimePeriod, Workflow, WorkflowSort
from ._models import (
    AuditProgress,
    FetchFailure,
    Finding,
    Include,
    ListingFailure,
    Severity,
    Thresholds,
    WorkflowAudit,
    WorkspaceRef,
)
from ._rules import DEFAULT_RULES, Rule

__all__ = [
    "DEFAULT_CONCURRENCY",
    "FETCH_FAILED",
    "LAST_RUN_LOG_LINES",
    "MAX_RELISTS",
    "PAGE_SIZE",
    "PREFETCH",
    "RULE_FAILED",
    "AuditRun",
    "audit_workflows",
]

logger = logging.getLogger("synerise_async.audit")

#: Workflows in progress at once, by default.
DEFAULT_CONCURRENCY: Final = 16
#: Workflows per listing page.
PAGE_SIZE: Final = 100
#: Listing pages kept in flight ahead of the one being audited.
PREFETCH: Final = 4
#: Extra walks of a listing whose total changed during the walk.
MAX_RELISTS: Final = 2
#: Log lines per stage asked of the last-run operation: the audit needs the statuses and
#: counts only, and a log line can be long.
LAST_RUN_LOG_LINES: Final = 1

#: The code of the finding recorded when a rule itself raises.
RULE_FAILED: Final = "rule-failed"
#: The code of the finding recorded when a workflow's details could not be fetched.
FETCH_FAILED: Final = "fetch-failed"


@attrs.frozen
class _End:
    """Put on the queue last: the audit ended, with ``error`` when it had to stop."""

    error: BaseException | None = None


_Item = WorkflowAudit | _End


def _retrieve(task: asyncio.Task[None]) -> None:
    # The driver reports its errors through the queue; nobody awaits its result.
    if not task.cancelled():
        task.exception()


class AuditRun:
    """A running audit: an async iterator of :class:`WorkflowAudit` records.

    Records come in completion order. Iterate it once; see the module docstring for
    the policy. ``async with`` (or :meth:`aclose`) stops it at once.

    Attributes:
        progress: live counters, for progress displays.
    """

    def __init__(self, auditor: _Auditor) -> None:
        self._auditor = auditor
        self.progress = auditor.progress
        self._queue = auditor.queue
        self._task: asyncio.Task[None] | None = None
        self._finished = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> WorkflowAudit:
        if self._finished:
            raise StopAsyncIteration
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._auditor.run(), name="synerise-async audit"
            )
            self._task.add_done_callback(_retrieve)
        try:
            item = await self._queue.get()
        except BaseException:
            await self.aclose()
            raise
        if isinstance(item, WorkflowAudit):
            return item
        self._finished = True
        await asyncio.wait([self._task])
        if item.error is not None:
            raise item.error
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stop the audit: cancel all work in flight and wait for it to end. Idempotent."""
        self._finished = True
        task = self._task
        if task is not None and not task.done():
            self._auditor.stopped = True
            task.cancel()
            await asyncio.wait([task])

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # A consumer that broke out of `async for` drops the run: cancel what it left.
        if self._task is not None and not self._task.done():
            self._auditor.stopped = True
            self._task.cancel()


def _leading(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to report from a failed task group: an authentication failure first."""
    leaves: list[BaseException] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        else:
            leaves.append(exc)

    walk(group)
    fatal = (TokenRefreshError, AuthenticationError)
    return next((e for e in leaves if isinstance(e, fatal)), leaves[0])


@attrs.define(kw_only=True)
class _Auditor:
    """The audit's work; it never refers to the :class:`AuditRun`, so dropping the run
    lets it be collected (and cancel this work)."""

    client: SyneriseClient
    rules: tuple[Rule, ...]
    thresholds: Thresholds
    time_period: TimePeriod
    concurrency: int
    include: Include
    workspaces: Literal["all"] | tuple[str, ...] | None
    skip: Collection[tuple[str, str]]
    now: Callable[[], dt.datetime]
    page_size: int
    progress: AuditProgress = attrs.field(factory=AuditProgress)
    queue: asyncio.Queue[_Item] = attrs.field(init=False)
    #: Set by the run before it cancels this work: the one sign that nobody reads the
    #: queue any more. ``Task.cancelling()`` is no such sign: on Python 3.11 and 3.12 a
    #: task group whose child fails while the group is being exited leaves the count
    #: raised on the task that ran it.
    stopped: bool = attrs.field(init=False, default=False)

    def __attrs_post_init__(self) -> None:
        # Bounded: a consumer slower than the API holds the workers back.
        self.queue = asyncio.Queue(maxsize=self.concurrency)

    async def run(self) -> None:
        end = _End()
        try:
            targets = await self._targets()
            self.progress.workspaces_total = len(targets)
            for ref, scoped in targets:
                self.progress.workspace = ref
                if scoped:
                    assert ref.guid is not None
                    async with self.client.for_workspace(ref.guid) as workspace_client:
                        await self._audit_workspace(workspace_client, ref)
                else:
                    await self._audit_workspace(self.client, ref)
                self.progress.workspaces_done += 1
            self.progress.finished = True
        except Exception as exc:  # handed to the consumer, raised from its __anext__
            end = _End(exc)
        if self.stopped:
            # Stopped by the run, whose cancellation a failing task group may have turned
            # into its errors: nobody reads the queue any more, and it may be full.
            raise asyncio.CancelledError
        await self.queue.put(end)

    # --- which Workspaces ------------------------------------------------------

    async def _targets(self) -> list[tuple[WorkspaceRef, bool]]:
        if self.workspaces is None:
            return [(await self._current_workspace(), False)]
        visible = [
            WorkspaceRef(guid=w.guid, id=w.id, name=w.name)
            for w in await list_workspaces.asyncio(client=self.client)
            if w.guid
        ]
        if self.workspaces == "all":
            return [(ref, True) for ref in visible]
        chosen: list[tuple[WorkspaceRef, bool]] = []
        unknown: list[str] = []
        for wanted in self.workspaces:
            found = next((ref for ref in visible if _matches(ref, wanted)), None)
            if found is None:
                unknown.append(wanted)
            elif (found, True) not in chosen:
                chosen.append((found, True))
        if unknown:
            raise InvalidArgumentError(
                "workspaces",
                f"no Workspace {', '.join(map(repr, unknown))} among the "
                f"{len(visible)} this User can access",
            )
        return chosen

    async def _current_workspace(self) -> WorkspaceRef:
        try:
            current = await get_current_workspace.asyncio(client=self.client)
        except APIStatusError as exc:
            if exc.status_code in RETRYABLE_STATUSES:
                _cannot_key(exc)
                raise
            # Refused, not failing: these credentials never get an answer here (Basic
            # auth, for one), so every run keys the records alike, by the numeric id
            # the listing gives.
            logger.info("the current Workspace is not readable (%s); auditing it unnamed", exc)
            return WorkspaceRef()
        except APIError as exc:
            _cannot_key(exc)
            raise
        data = current.data
        if not current.selected or data is None:
            return WorkspaceRef()
        return WorkspaceRef(guid=data.guid, id=data.id, name=data.name)

    # --- one Workspace -----------------------------------------------------------

    async def _audit_workspace(self, client: SyneriseClient, ref: WorkspaceRef) -> None:
        seen: set[str] = set()
        slots = asyncio.Semaphore(self.concurrency)
        try:
            async with asyncio.TaskGroup() as tasks:
                for walk in range(1 + MAX_RELISTS):
                    if not await self._walk(client, ref, seen, slots, tasks):
                        break
                    if walk < MAX_RELISTS:
                        logger.info(
                            "the listing of %s changed during the walk; listing it again", ref
                        )
                else:
                    logger.warning(
                        "the listing of %s kept changing; some workflows may be missing", ref
                    )
        except BaseExceptionGroup as group:
            error = _leading(group)
            raise error from error.__cause__

    async def _walk(
        self,
        client: SyneriseClient,
        ref: WorkspaceRef,
        seen: set[str],
        slots: asyncio.Semaphore,
        tasks: asyncio.TaskGroup,
    ) -> bool:
        """Walk the listing once, starting work for each workflow not seen yet.

        Returns:
            Whether the listing changed during the walk, so that it should be walked again.
        """
        totals: set[int] = set()
        seen_in_walk = 0
        pages = list_workflows.paginate(
            client=client,
            limit=self.page_size,
            prefetch=PREFETCH,
            sort=WorkflowSort.CREATED_TIME,
            order=SortOrder.ASC,
        )
        try:
            # `async with`: whatever stops the walk also ends its prefetches, at once.
            async with pages:
                async for page in pages:
                    self.progress.pages += 1
                    if page.total is not None:
                        totals.add(page.total)
                        self.progress.totals[ref.key or "?"] = page.total
                    for workflow in page.items:
                        seen_in_walk += 1
                        await self._start(client, ref, workflow, seen, slots, tasks)
        except (AuthenticationError, TokenRefreshError):
            raise
        except APIError as exc:
            # The client has retried the page already (its one retry loop): give it up.
            page_number = exc.resume_page if isinstance(exc, PageError) else 1
            logger.info("gave up listing %s at page %d: %s", ref, page_number, exc)
            failure = ListingFailure(workspace=ref, page=page_number, message=str(exc))
            self.progress.listing_failures.append(failure)
            return False
        return len(totals) > 1 or (bool(totals) and seen_in_walk < min(totals))

    async def _start(
        self,
        client: SyneriseClient,
        ref: WorkspaceRef,
        workflow: Workflow,
        seen: set[str],
        slots: asyncio.Semaphore,
        tasks: asyncio.TaskGroup,
    ) -> None:
        if workflow.diagram_id in seen:
            return
        seen.add(workflow.diagram_id)
        if not ref.key and workflow.workspace_id is not None:
            ref = attrs.evolve(ref, id=workflow.workspace_id)
        if any((key, workflow.diagram_id) in self.skip for key in ref.keys):
            self.progress.skipped += 1
            return
        await slots.acquire()
        try:
            tasks.create_task(
                self._work(client, ref, workflow, slots),
                name=f"synerise-async audit {workflow.diagram_id}",
            )
        except BaseException:
            slots.release()
            raise

    # --- one workflow ------------------------------------------------------------

    async def _work(
        self,
        client: SyneriseClient,
        ref: WorkspaceRef,
        workflow: Workflow,
        slots: asyncio.Semaphore,
    ) -> None:
        try:
            record = await self._inspect(client, ref, workflow)
            self.progress.audited += 1
            if record.error is not None:
                self.progress.errors += 1
            await self.queue.put(record)
        finally:
            slots.release()

    async def _inspect(
        self, client: SyneriseClient, ref: WorkspaceRef, workflow: Workflow
    ) -> WorkflowAudit:
        statistics = last_run = None
        error: FetchFailure | None = None
        operation = "statistics"
        try:
            if Include.STATISTICS in self.include:
                statistics = await get_workflow_statistics.asyncio(
                    client=client, diagram_id=workflow.diagram_id, time_period=self.time_period
                )
            if Include.LAST_RUN in self.include and workflow.has_transformation:
                operation = "last_run"
                try:
                    last_run = await get_last_run_logs.asyncio(
                        client=client, diagram_id=workflow.diagram_id, limit=LAST_RUN_LOG_LINES
                    )
                except NotFoundError:
                    # The statistics prove the workflow exists: it has not run yet.
                    if statistics is None:
                        raise
        except AuthenticationError:
            raise
        except (APIError, InvalidArgumentError) as exc:
            error = FetchFailure.from_exception(operation, exc)
        record = WorkflowAudit(
            workspace=ref,
            workflow=workflow,
            time_period=self.time_period,
            statistics=statistics,
            last_run=last_run,
            error=error,
            audited_at=self.now(),
        )
        return attrs.evolve(record, findings=self._findings(record))

    def _findings(self, record: WorkflowAudit) -> tuple[Finding, ...]:
        findings: list[Finding] = []
        if record.error is not None:
            findings.append(_fetch_failed(record.error))
        for rule in self.rules:
            try:
                findings.extend(rule(record, self.thresholds))
            except Exception as exc:  # a broken rule must not stop a long audit: report it
                name = getattr(rule, "__name__", repr(rule))
                logger.exception("audit rule %s failed on %s", name, record.workflow.diagram_id)
                findings.append(
                    Finding(
                        code=RULE_FAILED,
                        severity=Severity.ERROR,
                        message=f"Rule {name} failed: {type(exc).__name__}: {exc}",
                    )
                )
        return tuple(findings)


def _fetch_failed(error: FetchFailure) -> Finding:
    status = f", HTTP {error.status_code}" if error.status_code is not None else ""
    return Finding(
        code=FETCH_FAILED,
        severity=Severity.ERROR,
        message=f"Not inspected: its {error.operation} could not be fetched "
        f"({error.kind}{status}).",
    )


def _cannot_key(error: APIError) -> None:
    logger.info(
        "could not read the current Workspace (%s); not auditing it under another key", error
    )
    error.add_note(
        f"could not read the current Workspace in {error.attempts} attempts; the audit keys "
        "its records by the Workspace UUID and stopped before any record"
    )


def _matches(ref: WorkspaceRef, wanted: str) -> bool:
    if ref.guid and ref.guid.lower() == wanted.lower():
        return True
    if ref.id is not None and str(ref.id) == wanted:
        return True
    return ref.name is not None and ref.name.casefold() == wanted.casefold()


def _wall_now(client: SyneriseClient) -> Callable[[], dt.datetime]:
    """The client clock's wall time as an aware datetime: one clock for the whole run."""
    wall = client.clock.wall
    return lambda: dt.datetime.fromtimestamp(wall(), dt.UTC)


def _check_workspaces(
    client: SyneriseClient, workspaces: Literal["all"] | Sequence[str | uuid.UUID] | None
) -> Literal["all"] | tuple[str, ...] | None:
    auth = client.auth
    is_user = isinstance(auth, UserAuth)
    if workspaces is None:
        if isinstance(auth, UserAuth) and auth.workspace is None:
            raise InvalidArgumentError(
                "workspaces",
                "this UserAuth has no Workspace selected: pass workspaces='all' or a list",
            )
        return None
    if not is_user:
        raise InvalidArgumentError(
            "workspaces", "choosing Workspaces needs UserAuth; other credentials have one"
        )
    if workspaces == "all":
        return "all"
    if isinstance(workspaces, str | uuid.UUID):
        raise InvalidArgumentError("workspaces", "must be 'all' or a list of Workspaces")
    chosen = tuple(str(w).strip() for w in workspaces)
    if not chosen or not all(chosen):
        raise InvalidArgumentError("workspaces", "must name at least one Workspace, none blank")
    return chosen


def audit_workflows(
    client: SyneriseClient,
    *,
    rules: Iterable[Rule] = DEFAULT_RULES,
    thresholds: Thresholds | None = None,
    time_period: TimePeriod | str = TimePeriod.PREVIOUS_DAY,
    concurrency: int = DEFAULT_CONCURRENCY,
    include: Include = Include.ALL,
    workspaces: Literal["all"] | Sequence[str | uuid.UUID] | None = None,
    skip: Collection[tuple[str, str]] = frozenset(),
    now: Callable[[], dt.datetime] | None = None,
    page_size: int = PAGE_SIZE,
) -> AuditRun:
    """Audit every workflow of one or more Workspaces (see the module docstring).

    ::

        async with audit_workflows(client, workspaces="all") as audit:
            async for record in audit:
                print(record.workflow.name, [f.code for f in record.findings])

    Args:
        client: an open client. With ``UserAuth`` it may audit several Workspaces.
        rules: the rules to apply to each record (see :mod:`synerise_async.audit`).
        thresholds: the numbers the rules use; ``Thresholds()`` by default.
        time_period: the period of the statistics: "currentHour", "currentDay",
            "previousHour" or "previousDay" (default).
        concurrency: the most workflows in progress at once. Requests are also bounded
            by the client's own ``max_concurrency`` and ``max_requests_per_second``.
        include: the details to fetch (``Include.STATISTICS``, ``Include.LAST_RUN``).
        workspaces: None for the client's own Workspace; with ``UserAuth``, ``"all"``
            or a list of Workspace UUIDs, numeric ids or names.
        skip: ``(workspace key, diagram id)`` pairs already audited (a report's
            ``WorkflowAudit.key``), to resume an audit; the Workspace may be keyed by
            its UUID or by its numeric id.
        now: the clock that stamps ``audited_at`` (aware datetimes); by default the
            wall time of the client's :class:`~synerise_async.Clock`.
        page_size: workflows per listing page.

    Returns:
        The running audit: iterate it for the records; nothing is sent before that.

    Raises:
        InvalidArgumentError: an invalid argument, at once; an unknown Workspace, from
            the iteration.
        APIError: from the iteration, before any record, when the client's own
            Workspace could not be read (after the client's retries).
        AuthenticationError, TokenRefreshError: from the iteration, when the
            credentials stop working.
    """
    period = check_enum("time_period", time_period, TimePeriod)
    limit = check_int("concurrency", concurrency, minimum=1)
    if not isinstance(include, Include):
        raise InvalidArgumentError("include", f"must be an Include flag; got {include!r}")
    if thresholds is not None and not isinstance(thresholds, Thresholds):
        raise InvalidArgumentError("thresholds", "must be a Thresholds")
    auditor = _Auditor(
        client=client,
        rules=tuple(rules),
        thresholds=thresholds if thresholds is not None else Thresholds(),
        time_period=period,
        concurrency=limit,
        include=include,
        workspaces=_check_workspaces(client, workspaces),
        skip=skip,
        now=now if now is not None else _wall_now(client),
        page_size=check_int("page_size", page_size, minimum=1),
    )
    return AuditRun(auditor)

"""Automation routes: operations 13-22 (workflow listing, actions, statistics, last run).

Choices where the reference is silent:

- Each route acts on the Workspace of its credential only; another Workspace's (or a
  deleted) diagram id answers 404.
- Run (15) and pause (16) answer 200 with an empty body; stop (17), schedule-on (18)
  and schedule-off (19) answer 204.
- A stopped workflow can never run, pause or have its schedule turned on again: 409 with
  an error body saying it is stopped. Stop and schedule-off always succeed.
- ``timePeriod`` defaults to ``previousDay``; an unknown one answers 400. A run or
  pause whose body (or no body) leaves ``scheduleAction`` out applies ``NoAction``.
- Last-run ``limit`` accepts 0-5000 (default 500); a workflow without data-processing
  stages (``hasTransformation`` false) answers 404.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from . import _paths
from ._common import auth_of, body_of, json_response, one_of, raw_json_response
from ._errors import ApiError, field_error
from ._state import ServerState
from ._stats import DEFAULT_LOG_LIMIT, DEFAULT_PERIOD, MAX_LOG_LIMIT, PERIODS
from ._workflows import Workflow, WorkflowStore, parse_int, parse_list_query

SCHEDULE_ACTIONS: Final = ("On", "Off", "NoAction")


class AutomationRoutes:
    """Handlers of operations 13-22 over one :class:`ServerState`."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def register(self, router: web.UrlDispatcher) -> None:
        """Add every route to ``router``."""
        router.add_get(_paths.LIST_WORKFLOWS_V1, self.list_workflows_v1)
        router.add_get(_paths.LIST_WORKFLOWS_V2, self.list_workflows_v2)
        router.add_post(_paths.RUN_WORKFLOW, self.run_workflow)
        router.add_post(_paths.PAUSE_WORKFLOW, self.pause_workflow)
        router.add_post(_paths.STOP_WORKFLOW, self.stop_workflow)
        router.add_post(_paths.SCHEDULE_ON, self.schedule_on)
        router.add_post(_paths.SCHEDULE_OFF, self.schedule_off)
        router.add_get(_paths.WORKFLOW_STATISTICS, self.workflow_statistics)
        router.add_get(_paths.BLOCK_STATISTICS, self.block_statistics)
        router.add_get(_paths.LAST_RUN, self.last_run)

    def _store(self, request: web.Request) -> WorkflowStore:
        workspace = self.state.automation_workspace(auth_of())
        return self.state.stores[workspace.id]

    def _workflow(self, request: web.Request) -> tuple[WorkflowStore, Workflow]:
        store = self._store(request)
        diagram_id = request.match_info["diagram_id"]
        workflow = store.get(diagram_id)
        if workflow is None:
            raise ApiError(404, f"Workflow {diagram_id} not found")
        return store, workflow

    # --- listing (13, 14) ----------------------------------------------------

    async def list_workflows_v1(self, request: web.Request) -> web.StreamResponse:
        """Operation 13: list workflows (``limit`` defaults to 10, no ``tags``)."""
        store = self._store(request)
        query = parse_list_query(request.query, default_limit=10, with_tags=False)
        return raw_json_response(store.listing(query, self.state.now()))

    async def list_workflows_v2(self, request: web.Request) -> web.StreamResponse:
        """Operation 14: list workflows (``limit`` defaults to 50, ``tags`` filter)."""
        store = self._store(request)
        query = parse_list_query(request.query, default_limit=50, with_tags=True)
        return raw_json_response(store.listing(query, self.state.now()))

    # --- actions (15-19) -----------------------------------------------------

    def _schedule_action(self, request: web.Request) -> str:
        body = body_of(required=False)
        return one_of(body.get("scheduleAction", "NoAction"), "scheduleAction", SCHEDULE_ACTIONS)

    @staticmethod
    def _refuse_if_stopped(workflow: Workflow, action: str) -> None:
        if workflow.status == "Stopped":
            raise ApiError(
                409, f"Workflow {workflow.diagram_id} is stopped and cannot {action} again"
            )

    def _apply(
        self, store: WorkflowStore, workflow: Workflow, schedule_action: str, **fields: str
    ) -> None:
        if schedule_action != "NoAction":
            fields["scheduleStatus"] = schedule_action
        workflow.update(self.state.now(), **fields)
        store.changed()

    async def run_workflow(self, request: web.Request) -> web.StreamResponse:
        """Operation 15: run or resume; answers 200 with an empty body."""
        store, workflow = self._workflow(request)
        action = self._schedule_action(request)
        self._refuse_if_stopped(workflow, "run")
        self._apply(store, workflow, action, status="Active")
        return web.Response(status=200)

    async def pause_workflow(self, request: web.Request) -> web.StreamResponse:
        """Operation 16: pause; answers 200 with an empty body."""
        store, workflow = self._workflow(request)
        action = self._schedule_action(request)
        self._refuse_if_stopped(workflow, "be paused")
        self._apply(store, workflow, action, status="Paused")
        return web.Response(status=200)

    async def stop_workflow(self, request: web.Request) -> web.StreamResponse:
        """Operation 17: stop for good; answers 204."""
        store, workflow = self._workflow(request)
        self._apply(store, workflow, "NoAction", status="Stopped")
        return web.Response(status=204)

    async def schedule_on(self, request: web.Request) -> web.StreamResponse:
        """Operation 18: turn the schedule on; answers 204."""
        store, workflow = self._workflow(request)
        self._refuse_if_stopped(workflow, "be scheduled")
        self._apply(store, workflow, "On")
        return web.Response(status=204)

    async def schedule_off(self, request: web.Request) -> web.StreamResponse:
        """Operation 19: turn the schedule off; answers 204."""
        store, workflow = self._workflow(request)
        self._apply(store, workflow, "Off")
        return web.Response(status=204)

    # --- statistics and runs (20-22) -----------------------------------------

    @staticmethod
    def _period(request: web.Request) -> str:
        raw = request.query.get("timePeriod")
        if not raw:
            return DEFAULT_PERIOD
        for period in PERIODS:
            if period.lower() == raw.lower():
                return period
        message = f"must be one of {', '.join(PERIODS)}"
        raise ApiError(
            400,
            f"Validation failed for parameter 'timePeriod': {message}",
            errors=[field_error("timePeriod", message, raw, "InvalidValue")],
        )

    async def workflow_statistics(self, request: web.Request) -> web.StreamResponse:
        """Operation 20: a workflow's statistics for one period."""
        _, workflow = self._workflow(request)
        return raw_json_response(self.state.stats.workflow_json(workflow, self._period(request)))

    async def block_statistics(self, request: web.Request) -> web.StreamResponse:
        """Operation 21: one block's statistics for one period."""
        _, workflow = self._workflow(request)
        block_id = request.match_info["block_id"]
        block = self.state.stats.block(workflow, block_id, self._period(request))
        if block is None:
            raise ApiError(404, f"Block {block_id} not found in workflow {workflow.diagram_id}")
        return json_response(block)

    async def last_run(self, request: web.Request) -> web.StreamResponse:
        """Operation 22: the last run with its import, transform and export stages."""
        _, workflow = self._workflow(request)
        limit = parse_int(request.query, "limit", DEFAULT_LOG_LIMIT, 0)
        if limit > MAX_LOG_LIMIT:
            message = f"must be less than or equal to {MAX_LOG_LIMIT}"
            raise ApiError(
                400,
                f"Validation failed for parameter 'limit': {message}",
                errors=[field_error("limit", message, request.query["limit"], "Max")],
            )
        if not workflow.has_transformation:
            raise ApiError(404, f"Workflow {workflow.diagram_id} has no data-processing runs")
        return raw_json_response(self.state.stats.last_run(workflow, limit))

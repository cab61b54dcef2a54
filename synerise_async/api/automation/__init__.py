"""Automation workflow operations (operations 13 to 22). Synerise calls a workflow a "diagram"."""

from . import (
    disable_workflow_schedule,
    enable_workflow_schedule,
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
    list_workflows,
    list_workflows_v1,
    pause_workflow,
    run_workflow,
    stop_workflow,
)
from ._listing import WorkflowFilters, WorkflowFiltersV2

__all__ = [
    "WorkflowFilters",
    "WorkflowFiltersV2",
    "disable_workflow_schedule",
    "enable_workflow_schedule",
    "get_block_statistics",
    "get_last_run_logs",
    "get_workflow_statistics",
    "list_workflows",
    "list_workflows_v1",
    "pause_workflow",
    "run_workflow",
    "stop_workflow",
]

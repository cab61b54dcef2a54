"""What the workflow actions (run, pause, stop, schedule on/off) share: the request,
checked once, and the retry rule for state-changing calls."""

from __future__ import annotations

import uuid
from typing import Any

from ..._exceptions import InvalidArgumentError
from ..._http import Request, RetryPolicy
from ..._types import UNSET
from ..._validation import check_enum, check_uuid
from ...models.automation import ScheduleAction

__all__ = ["action_request"]


def action_request(
    path: str,
    *,
    diagram_id: str | uuid.UUID,
    schedule_action: ScheduleAction | str | None = None,
    retry_unsafe: bool = False,
) -> Request:
    """A POST to a workflow action.

    State-changing calls are retried only when the request is known not to have reached
    the server, or after a 429, unless ``retry_unsafe`` says a repeat is harmless to you.
    """
    body: Any = UNSET
    if schedule_action is not None:
        action = check_enum("schedule_action", schedule_action, ScheduleAction)
        body = {"scheduleAction": action.value}
    if not isinstance(retry_unsafe, bool):
        raise InvalidArgumentError("retry_unsafe", f"must be a bool; got {retry_unsafe!r}")
    return Request(
        method="POST",
        path=path.format(workflow_id=check_uuid("diagram_id", diagram_id)),
        json=body,
        retry=RetryPolicy.IDEMPOTENT if retry_unsafe else RetryPolicy.UNSENT_ONLY,
    )

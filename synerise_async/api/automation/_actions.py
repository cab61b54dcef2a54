"""What the workflow actions (run, pause, stop, schedule on/off) share: the request,
checked once, and the retry rule for state-changing calls."""

from __future__ import annotations

import uuid
from typing import Any

from ..._exceptions import InvalidArgumentError
from ..._http import Request, RetryPolicy
from ..._types import UNSET, RawResponse, Unset
from ..._validation import check_enum, check_uuid
from ...models.automation import ScheduleAction

__all__ = ["action_request", "void_result"]


def action_request(
    path: str,
    *,
    operation: str,
    diagram_id: str | uuid.UUID,
    schedule_action: ScheduleAction | str | Unset | None = None,
    retry_unsafe: bool = False,
) -> Request:
    """A POST to a workflow action.

    State-changing calls are retried only when the request is known not to have reached
    the server, or after a 429, unless ``retry_unsafe`` says a repeat is harmless to you.

    Args:
        path: the action's path template.
        operation: the operation module's name (``Request.operation``).
        diagram_id: the workflow.
        schedule_action: ``None`` for the actions without a body (stop, schedule on/off).
            Run and pause take a JSON body: ``{"scheduleAction": ...}``, or ``{}`` when
            it is ``UNSET``, so that the server's own default applies (none is
            documented); an empty object rather than no body, which a server expecting
            one would refuse.
        retry_unsafe: see above.
    """
    body: Any = UNSET
    if isinstance(schedule_action, Unset):
        body = {}
    elif schedule_action is not None:
        action = check_enum("schedule_action", schedule_action, ScheduleAction)
        body = {"scheduleAction": action.value}
    if not isinstance(retry_unsafe, bool):
        raise InvalidArgumentError("retry_unsafe", f"must be a bool; got {retry_unsafe!r}")
    return Request(
        operation=operation,
        method="POST",
        path=path.format(workflow_id=check_uuid("diagram_id", diagram_id)),
        json=body,
        retry=RetryPolicy.IDEMPOTENT if retry_unsafe else RetryPolicy.UNSENT_ONLY,
    )


def void_result(raw: RawResponse) -> None:
    """What an action's 2xx answer means: nothing to decode, so its body is not read.

    Whatever came (empty, ``{}``, an HTML page, bytes that are not UTF-8) is not an
    error: the action was accepted. It stays in ``Response.content`` for who wants it.
    """
    del raw  # the status said it all

"""What the two statistics operations (workflow, block) share: the ``timePeriod`` query."""

from __future__ import annotations

from ..._types import Unset
from ..._validation import check_enum
from ...models.automation import TimePeriod

__all__ = ["period_query"]


def period_query(time_period: TimePeriod | str | Unset) -> dict[str, str]:
    """The query for ``time_period``; empty when it is left out, so the server's own
    default applies (the reference documents none). Raises before anything is sent."""
    if isinstance(time_period, Unset):
        return {}
    return {"timePeriod": check_enum("time_period", time_period, TimePeriod).value}

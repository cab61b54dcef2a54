"""Seeded workflow statistics and last-run logs (operations 20-22).

Policy:

- Every number is a pure function of (seed, diagram id, period), cached after first use.
- Drafts, and about one Active workflow in seven (an "idle" one), report zero runs.
- Log lines are a pure function of their index, so a smaller ``limit`` returns a
  prefix of a larger one; ``logsSize`` is always the full count.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Final

from ._errors import iso_timestamp
from ._seed import random_uuid, rng
from ._workflows import Workflow

PERIODS: Final = ("currentHour", "currentDay", "previousHour", "previousDay")
#: ``timePeriod`` when the query leaves it out.
DEFAULT_PERIOD: Final = "previousDay"
DEFAULT_LOG_LIMIT: Final = 500
MAX_LOG_LIMIT: Final = 5000

_PERIOD_SCALE: Final = {
    "currentHour": 40,
    "previousHour": 60,
    "currentDay": 600,
    "previousDay": 1500,
}
_EXTRA_COUNTERS: Final = {
    "SendEmail": ("failed",),
    "SendSms": ("failed",),
    "SendMobilePush": ("failed", "skipped"),
    "SendWebPush": ("failed",),
    "Filter": ("skipped",),
    "Webhook": ("failed", "retried"),
    "ImportData": ("failed",),
    "ExportData": ("failed",),
}
_STAGES: Final = (
    ("importData", "Import"),
    ("transformData", "Transformation"),
    ("exportData", "Export"),
)
_CACHE_SIZE: Final = 256


class Statistics:
    """Computes and caches statistics and last runs for one server.

    Args:
        seed: The server seed.
        anchor: The seeding anchor (epoch seconds); last runs started before it.
    """

    def __init__(self, seed: int, anchor: float) -> None:
        self._seed = seed
        self._anchor = anchor
        self._stats: dict[tuple[str, str, bool], dict[str, Any]] = {}
        self._stats_json: dict[tuple[str, str, bool], bytes] = {}
        self._runs: OrderedDict[tuple[str, int], bytes] = OrderedDict()

    def workflow(self, workflow: Workflow, period: str) -> dict[str, Any]:
        """The ``started, finished, inProgress, blocks{}`` statistics of one period."""
        zero = workflow.idle or workflow.status == "Draft"
        key = (workflow.diagram_id, period, zero)
        cached = self._stats.get(key)
        if cached is not None:
            return cached
        gen = rng(self._seed, "statistics", workflow.diagram_id, period)
        started = 0 if zero else int(_PERIOD_SCALE[period] * gen.uniform(0.2, 3.0))
        finished = int(started * gen.uniform(0.6, 1.0))
        blocks: dict[str, Any] = {}
        flowing = started
        for block_id, name, kind in ((b.id, b.name, b.kind) for b in workflow.blocks):
            entered = flowing
            executed = int(entered * gen.uniform(0.8, 1.0))
            block: dict[str, Any] = {
                "name": name,
                "type": kind,
                "entered": entered,
                "executed": executed,
            }
            left = entered - executed
            for counter in _EXTRA_COUNTERS.get(kind, ()):
                share = gen.randint(0, left)
                block[counter] = share
                left -= share
            blocks[block_id] = block
            flowing = int(executed * gen.uniform(0.5, 1.0))
        result = {
            "started": started,
            "finished": finished,
            "inProgress": started - finished,
            "blocks": blocks,
        }
        self._stats[key] = result
        return result

    def workflow_json(self, workflow: Workflow, period: str) -> bytes:
        """:meth:`workflow` serialized, cached."""
        key = (workflow.diagram_id, period, workflow.idle or workflow.status == "Draft")
        body = self._stats_json.get(key)
        if body is None:
            body = json.dumps(self.workflow(workflow, period), separators=(",", ":")).encode()
            self._stats_json[key] = body
        return body

    def block(self, workflow: Workflow, block_id: str, period: str) -> dict[str, Any] | None:
        """One block's statistics, or ``None`` for an unknown block."""
        block: dict[str, Any] | None = self.workflow(workflow, period)["blocks"].get(block_id)
        return block

    def last_run(self, workflow: Workflow, limit: int) -> bytes:
        """The last run with stages, as JSON, with at most ``limit`` log lines per stage."""
        key = (workflow.diagram_id, limit)
        cached = self._runs.get(key)
        if cached is not None:
            self._runs.move_to_end(key)
            return cached
        body = json.dumps(self._build_run(workflow, limit), separators=(",", ":")).encode()
        self._runs[key] = body
        if len(self._runs) > _CACHE_SIZE:
            self._runs.popitem(last=False)
        return body

    def _build_run(self, workflow: Workflow, limit: int) -> dict[str, Any]:
        gen = rng(self._seed, "last-run", workflow.diagram_id)
        start = round(self._anchor - gen.uniform(600, 7 * 86400), 6)
        overall = gen.choices(("SUCCESS", "FAILED", "IN_PROGRESS"), (65, 25, 10))[0]
        turning = gen.randrange(len(_STAGES))
        stages: dict[str, Any] = {}
        for position, (key, label) in enumerate(_STAGES):
            if overall == "SUCCESS" or position < turning:
                status = "SUCCESS"
            elif position == turning:
                status = overall
            else:
                status = "Pending"  # the casing of the documented sample
            run_date = iso_timestamp(start + position * gen.uniform(5, 300))
            if status == "SUCCESS":
                size = gen.choice((gen.randint(1, 400), gen.randint(400, 6000)))
                success = gen.randint(100, 500_000)
                failure = gen.randint(1, 500) if gen.random() < 0.3 else 0
            elif status == "FAILED":
                size = gen.randint(1, 800)
                success = gen.randint(0, 10_000)
                failure = gen.randint(1, 5_000)
            elif status == "IN_PROGRESS":
                size = gen.randint(1, 300)
                success = gen.randint(0, 50_000)
                failure = 0
            else:
                size = success = failure = 0
            stages[key] = {
                "status": status,
                "runDate": run_date,
                "logs": _logs(label, run_date, size, limit, failed=status == "FAILED"),
                "logsSize": size,
                "failedRecordsFileId": random_uuid(gen) if failure else None,
                "successCount": success,
                "failureCount": failure,
            }
        return {
            "startTime": start,
            "runId": random_uuid(gen),
            "overallRunStatus": overall,
            "pipelineResponse": stages,
        }


def _logs(label: str, run_date: str, size: int, limit: int, *, failed: bool) -> list[Any]:
    lines: list[Any] = []
    for index in range(min(size, limit)):
        if failed and index == size - 1:
            lines.append(f"{run_date} ERROR {label}: job failed: upstream returned 500")
        elif index % 97 == 13:
            lines.append(
                {
                    "level": "WARN",
                    "line": index + 1,
                    "message": f"Record {index * 7 + 3} has an empty email; skipped",
                }
            )
        else:
            count = 100 + (index * 37) % 400
            lines.append(f"{run_date} INFO {label}: batch {index + 1} processed {count} records")
    return lines

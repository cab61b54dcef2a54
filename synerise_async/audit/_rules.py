"""The audit's default rules: small plain functions from a record to its findings.

A rule is any callable ``rule(record, thresholds) -> Iterable[Finding]``: it reads the
:class:`~synerise_async.audit.WorkflowAudit` (the workflow, its statistics and last run
when they were fetched, ``audited_at`` for ages) and yields zero or more
:class:`~synerise_async.audit.Finding`. Rules never do I/O and never raise on missing
data: a rule that needs statistics yields nothing when they are absent. The package
docstring shows how to add one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import attrs

from ..models.automation import WorkflowStatus
from ._models import Finding, Severity, Thresholds, WorkflowAudit

__all__ = [
    "DEFAULT_RULES",
    "RULES",
    "Rule",
    "RuleInfo",
    "active_without_starts",
    "failed_records",
    "last_run_failed",
    "long_paused",
    "missing_description",
    "missing_tags",
    "select_rules",
    "stale_draft",
    "stopped_workflow",
]

#: A rule: the findings of one record, given the thresholds.
Rule = Callable[[WorkflowAudit, Thresholds], Iterable[Finding]]


def stopped_workflow(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``stopped`` (info): a stopped workflow can never run again; archive or delete it."""
    if record.workflow.status == WorkflowStatus.STOPPED:
        yield Finding(
            code="stopped",
            severity=Severity.INFO,
            message="Stopped: it can never run again; archive or delete it.",
        )


def stale_draft(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``stale-draft`` (warning): a draft not updated for at least ``stale_draft_days``."""
    if record.workflow.status != WorkflowStatus.DRAFT:
        return
    days = record.days_since_update()
    if days is not None and days >= thresholds.stale_draft_days:
        yield Finding(
            code="stale-draft",
            severity=Severity.WARNING,
            message=f"Draft not updated for {int(days)} days "
            f"(threshold {thresholds.stale_draft_days}): finish it or delete it.",
        )


def long_paused(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``long-paused`` (warning): paused for more than ``paused_days``.

    The API does not say when a workflow was paused; its last update is the best
    available stand-in (pausing updates it).
    """
    if record.workflow.status != WorkflowStatus.PAUSED:
        return
    days = record.days_since_update()
    if days is not None and days > thresholds.paused_days:
        yield Finding(
            code="long-paused",
            severity=Severity.WARNING,
            message=f"Paused for {int(days)} days (threshold {thresholds.paused_days}): "
            "resume it or stop it.",
        )


def active_without_starts(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``active-idle`` (warning): active, yet fewer than ``min_started`` Profiles started it
    in the audited period. Needs statistics."""
    stats = record.statistics
    if (
        record.workflow.status != WorkflowStatus.ACTIVE
        or stats is None
        or thresholds.min_started == 0
    ):
        return
    started = stats.started or 0
    if started < thresholds.min_started:
        yield Finding(
            code="active-idle",
            severity=Severity.WARNING,
            message=f"Active, but {started} Profiles started it in {record.time_period.value}: "
            "check its trigger and audience.",
        )


def _failed_stages(record: WorkflowAudit) -> list[str]:
    run = record.last_run
    if run is None or run.pipeline_response is None:
        return []
    return [
        f"{name}: {stage.status.value}"
        for name, stage in run.pipeline_response.stages()
        if stage.status is not None and stage.status.failed
    ]


def last_run_failed(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``last-run-failed`` (error): the last data run, or one of its stages, failed."""
    run = record.last_run
    if run is None:
        return
    stages = _failed_stages(record)
    overall = run.overall_run_status
    if stages or (overall is not None and overall.failed):
        run_id = f" {run.run_id}" if run.run_id else ""
        status = overall.value if overall is not None else "with a failed stage"
        detail = f" ({', '.join(stages)})" if stages else ""
        yield Finding(
            code="last-run-failed",
            severity=Severity.ERROR,
            message=f"The last data run{run_id} ended {status}{detail}.",
        )


def failed_records(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``records-failed`` (warning): at least ``failed_records`` records failed in the last
    data run, across its stages."""
    run = record.last_run
    if run is None or thresholds.failed_records == 0:
        return
    failures = run.failure_count
    if failures >= thresholds.failed_records:
        yield Finding(
            code="records-failed",
            severity=Severity.WARNING,
            message=f"{failures} records failed in the last data run.",
        )


def missing_tags(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``no-tags`` (info): no tags, so tag filters and reports cannot find it."""
    if not record.workflow.tags:
        yield Finding(code="no-tags", severity=Severity.INFO, message="No tags.")


def missing_description(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
    """``no-description`` (info): no description, or only blanks."""
    if not (record.workflow.description or "").strip():
        yield Finding(code="no-description", severity=Severity.INFO, message="No description.")


@attrs.frozen(kw_only=True)
class RuleInfo:
    """One default rule: its finding code (its name in ``--rules``), severity, function
    and the :class:`Thresholds` attribute it reads (its command-line flag is that name
    in kebab case)."""

    code: str
    severity: Severity
    rule: Rule
    threshold: str | None = None

    @property
    def flag(self) -> str | None:
        """The command-line flag of the threshold (``--stale-draft-days``), if any."""
        return None if self.threshold is None else "--" + self.threshold.replace("_", "-")


#: The default rules, in report order: the one table ``--list-rules``, ``--rules``,
#: ``--skip-rules`` and the documentation read.
RULES: tuple[RuleInfo, ...] = (
    RuleInfo(code="last-run-failed", severity=Severity.ERROR, rule=last_run_failed),
    RuleInfo(
        code="records-failed",
        severity=Severity.WARNING,
        rule=failed_records,
        threshold="failed_records",
    ),
    RuleInfo(
        code="active-idle",
        severity=Severity.WARNING,
        rule=active_without_starts,
        threshold="min_started",
    ),
    RuleInfo(
        code="stale-draft",
        severity=Severity.WARNING,
        rule=stale_draft,
        threshold="stale_draft_days",
    ),
    RuleInfo(
        code="long-paused", severity=Severity.WARNING, rule=long_paused, threshold="paused_days"
    ),
    RuleInfo(code="stopped", severity=Severity.INFO, rule=stopped_workflow),
    RuleInfo(code="no-tags", severity=Severity.INFO, rule=missing_tags),
    RuleInfo(code="no-description", severity=Severity.INFO, rule=missing_description),
)

#: The rules ``audit_workflows`` applies unless told otherwise, in report order.
DEFAULT_RULES: tuple[Rule, ...] = tuple(info.rule for info in RULES)


def select_rules(
    only: Sequence[str] | None = None, skip: Sequence[str] = ()
) -> tuple[RuleInfo, ...]:
    """The default rules named in ``only`` (all by default) and not in ``skip``, in
    report order.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    known = {info.code for info in RULES}
    unknown = [name for name in (*(only or ()), *skip) if name not in known]
    if unknown:
        raise ValueError(
            f"unknown rule {', '.join(dict.fromkeys(unknown))}; "
            f"the rules are {', '.join(info.code for info in RULES)}"
        )
    return tuple(
        info for info in RULES if (only is None or info.code in only) and info.code not in skip
    )

"""The default rules, one by one, on hand-built records with a fixed clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from synerise_async.audit import (
    DEFAULT_RULES,
    Finding,
    Rule,
    Severity,
    Thresholds,
    WorkflowAudit,
    WorkspaceRef,
    active_without_starts,
    failed_records,
    last_run_failed,
    long_paused,
    missing_description,
    missing_tags,
    stale_draft,
    stopped_workflow,
)
from synerise_async.models import (
    LastRunLogs,
    PipelineStages,
    RunStage,
    RunStatus,
    Tag,
    TimePeriod,
    Workflow,
    WorkflowStatistics,
    WorkflowStatus,
)

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
DEFAULT = Thresholds()


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def record(
    status: WorkflowStatus | str | None = WorkflowStatus.ACTIVE,
    *,
    updated: dt.datetime | None = None,
    created: dt.datetime | None = None,
    statistics: WorkflowStatistics | None = None,
    last_run: LastRunLogs | None = None,
    tags: tuple[Tag, ...] = (Tag(value="promo"),),
    description: str | None = "A description",
    **extra: Any,
) -> WorkflowAudit:
    workflow = Workflow(
        diagram_id="00000000-0000-4000-8000-000000000001",
        name="Welcome series",
        status=WorkflowStatus(status) if status is not None else None,
        created=created if created is not None else days_ago(400),
        updated=updated if updated is not None else days_ago(1),
        tags=tags,
        description=description,
        has_transformation=last_run is not None,
    )
    return WorkflowAudit(
        workspace=WorkspaceRef(guid="00000000-0000-4000-8000-0000000000aa", name="Acme"),
        workflow=workflow,
        statistics=statistics,
        last_run=last_run,
        audited_at=NOW,
        **extra,
    )


def run(rule: Rule, rec: WorkflowAudit, thresholds: Thresholds = DEFAULT) -> list[Finding]:
    return list(rule(rec, thresholds))


def stage(status: str, failures: int = 0) -> RunStage:
    return RunStage(status=RunStatus(status), failure_count=failures, success_count=10)


def last(
    overall: str | None = "SUCCESS",
    *,
    import_: RunStage | None = None,
    transform: RunStage | None = None,
    export: RunStage | None = None,
) -> LastRunLogs:
    return LastRunLogs(
        run_id="run-1",
        overall_run_status=RunStatus(overall) if overall else None,
        pipeline_response=PipelineStages(
            import_data=import_ or stage("SUCCESS"),
            transform_data=transform or stage("SUCCESS"),
            export_data=export or stage("SUCCESS"),
        ),
    )


# --- stopped ---------------------------------------------------------------------------


def test_stopped_workflows_are_reported_as_info() -> None:
    [finding] = run(stopped_workflow, record(WorkflowStatus.STOPPED))
    assert (finding.code, finding.severity) == ("stopped", Severity.INFO)
    assert "never run again" in finding.message


@pytest.mark.parametrize("status", ["Active", "Paused", "Draft", "Scheduled", "Archived", None])
def test_other_statuses_are_not_stopped(status: str | None) -> None:
    assert run(stopped_workflow, record(status)) == []


# --- stale drafts ----------------------------------------------------------------------


def test_a_draft_not_updated_for_the_threshold_is_stale() -> None:
    [finding] = run(stale_draft, record(WorkflowStatus.DRAFT, updated=days_ago(90)))
    assert (finding.code, finding.severity) == ("stale-draft", Severity.WARNING)
    assert "90 days" in finding.message


def test_a_draft_updated_within_the_threshold_is_not_stale() -> None:
    assert run(stale_draft, record(WorkflowStatus.DRAFT, updated=days_ago(89.9))) == []


def test_stale_draft_threshold_is_configurable() -> None:
    rec = record(WorkflowStatus.DRAFT, updated=days_ago(10))
    assert run(stale_draft, rec) == []
    assert len(run(stale_draft, rec, Thresholds(stale_draft_days=7))) == 1


def test_stale_draft_falls_back_to_created_and_needs_a_date() -> None:
    workflow = attrs.evolve(record(WorkflowStatus.DRAFT).workflow, updated=None)
    rec = attrs.evolve(record(WorkflowStatus.DRAFT), workflow=workflow)
    assert [f.code for f in run(stale_draft, rec)] == ["stale-draft"]  # created 400 days ago
    undated = attrs.evolve(rec, workflow=attrs.evolve(workflow, created=None))
    assert run(stale_draft, undated) == []


def test_only_drafts_go_stale() -> None:
    assert run(stale_draft, record(WorkflowStatus.ACTIVE, updated=days_ago(500))) == []


# --- long paused -----------------------------------------------------------------------


def test_paused_for_more_than_the_threshold() -> None:
    [finding] = run(long_paused, record(WorkflowStatus.PAUSED, updated=days_ago(31)))
    assert (finding.code, finding.severity) == ("long-paused", Severity.WARNING)
    assert "31 days" in finding.message


def test_paused_exactly_the_threshold_is_not_flagged() -> None:
    assert run(long_paused, record(WorkflowStatus.PAUSED, updated=days_ago(30))) == []


def test_paused_threshold_is_configurable_and_the_clock_is_the_records() -> None:
    rec = record(WorkflowStatus.PAUSED, updated=days_ago(3))
    assert run(long_paused, rec, Thresholds(paused_days=2)) != []
    earlier = attrs.evolve(rec, audited_at=NOW - dt.timedelta(days=2))
    assert run(long_paused, earlier, Thresholds(paused_days=2)) == []


# --- active without starts ----------------------------------------------------------------


def test_active_with_no_starts_in_the_period() -> None:
    rec = record(statistics=WorkflowStatistics(started=0), time_period=TimePeriod.CURRENT_DAY)
    [finding] = run(active_without_starts, rec)
    assert (finding.code, finding.severity) == ("active-idle", Severity.WARNING)
    assert "currentDay" in finding.message


def test_active_with_starts_is_fine() -> None:
    assert run(active_without_starts, record(statistics=WorkflowStatistics(started=3))) == []


def test_a_missing_started_counter_counts_as_zero() -> None:
    assert len(run(active_without_starts, record(statistics=WorkflowStatistics()))) == 1


def test_active_idle_needs_statistics_and_an_active_workflow() -> None:
    assert run(active_without_starts, record(statistics=None)) == []
    paused = record(WorkflowStatus.PAUSED, statistics=WorkflowStatistics(started=0))
    assert run(active_without_starts, paused) == []


def test_min_started_threshold() -> None:
    rec = record(statistics=WorkflowStatistics(started=4))
    assert len(run(active_without_starts, rec, Thresholds(min_started=5))) == 1
    idle = record(statistics=WorkflowStatistics(started=0))
    assert run(active_without_starts, idle, Thresholds(min_started=0)) == []


# --- last run failed -------------------------------------------------------------------------


def test_a_failed_last_run_is_an_error_naming_the_stage() -> None:
    rec = record(last_run=last("FAILED", transform=stage("FAILED", failures=3)))
    [finding] = run(last_run_failed, rec)
    assert (finding.code, finding.severity) == ("last-run-failed", Severity.ERROR)
    assert "run-1" in finding.message
    assert "FAILED" in finding.message
    assert "transformData: FAILED" in finding.message


def test_a_failed_stage_alone_is_enough() -> None:
    rec = record(last_run=last(None, export=stage("EXPORT_ERROR")))
    [finding] = run(last_run_failed, rec)
    assert "exportData: EXPORT_ERROR" in finding.message


@pytest.mark.parametrize("overall", ["SUCCESS", "IN_PROGRESS", "PENDING"])
def test_a_run_that_did_not_fail(overall: str) -> None:
    assert run(last_run_failed, record(last_run=last(overall))) == []


def test_no_last_run_no_finding() -> None:
    assert run(last_run_failed, record(last_run=None)) == []
    assert run(last_run_failed, record(last_run=LastRunLogs())) == []


# --- failed records ---------------------------------------------------------------------------


def test_failed_records_are_summed_across_stages() -> None:
    rec = record(last_run=last(import_=stage("SUCCESS", 2), export=stage("SUCCESS", 5)))
    [finding] = run(failed_records, rec)
    assert (finding.code, finding.severity) == ("records-failed", Severity.WARNING)
    assert finding.message.startswith("7 records failed")


def test_failed_records_threshold() -> None:
    rec = record(last_run=last(import_=stage("SUCCESS", 2)))
    assert run(failed_records, rec, Thresholds(failed_records=3)) == []
    assert run(failed_records, rec, Thresholds(failed_records=0)) == []
    assert run(failed_records, record(last_run=last())) == []
    assert run(failed_records, record(last_run=None)) == []


# --- tags and description ------------------------------------------------------------------------


def test_no_tags() -> None:
    [finding] = run(missing_tags, record(tags=()))
    assert (finding.code, finding.severity) == ("no-tags", Severity.INFO)
    assert run(missing_tags, record()) == []


@pytest.mark.parametrize("description", [None, "", "   \n"])
def test_no_description(description: str | None) -> None:
    [finding] = run(missing_description, record(description=description))
    assert (finding.code, finding.severity) == ("no-description", Severity.INFO)


def test_a_description_is_enough() -> None:
    assert run(missing_description, record(description="Sends a voucher")) == []


# --- all together ------------------------------------------------------------------------------------


def test_default_rules_on_a_clean_workflow_find_nothing() -> None:
    rec = record(statistics=WorkflowStatistics(started=10), last_run=last())
    assert [f for rule in DEFAULT_RULES for f in rule(rec, DEFAULT)] == []


def test_default_rules_together() -> None:
    rec = record(
        WorkflowStatus.DRAFT,
        updated=days_ago(200),
        tags=(),
        description=None,
        last_run=last("FAILED", import_=stage("FAILED", 9)),
    )
    codes = [f.code for rule in DEFAULT_RULES for f in rule(rec, DEFAULT)]
    assert codes == [
        "last-run-failed",
        "records-failed",
        "stale-draft",
        "no-tags",
        "no-description",
    ]


def test_severity_is_ordered() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert max([Severity.WARNING, Severity.ERROR, Severity.INFO]) is Severity.ERROR
    assert Severity.WARNING >= Severity.WARNING


def test_thresholds_are_checked() -> None:
    with pytest.raises(ValueError, match="paused_days"):
        Thresholds(paused_days=-1)
    with pytest.raises(ValueError, match="stale_draft_days"):
        Thresholds(stale_draft_days=1.5)  # type: ignore[arg-type]


def test_record_helpers() -> None:
    rec = record(WorkflowStatus.PAUSED, updated=days_ago(2.5))
    assert rec.days_since_update() == pytest.approx(2.5)
    assert rec.key == ("00000000-0000-4000-8000-0000000000aa", rec.workflow.diagram_id)
    assert rec.max_severity is None
    flagged = attrs.evolve(
        rec,
        findings=(
            Finding(code="a", severity=Severity.INFO, message="."),
            Finding(code="b", severity=Severity.WARNING, message="."),
        ),
    )
    assert flagged.max_severity is Severity.WARNING
    assert str(WorkspaceRef(id=42)) == "42"
    assert WorkspaceRef().key == ""

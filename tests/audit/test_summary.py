"""Counting records, and the audit package's curated surface."""

from __future__ import annotations

import types

import attrs

import synerise_async.audit as audit
from synerise_async.audit import (
    AuditSummary,
    FetchFailure,
    Finding,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    summarize,
)
from synerise_async.models import Workflow, WorkflowStatus


def rec(
    n: int, status: str | None, findings: tuple[tuple[str, Severity], ...] = (), ws: str = "A"
) -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid=f"guid-{ws}", name=ws),
        workflow=Workflow(
            diagram_id=f"wf-{n}", status=WorkflowStatus(status) if status is not None else None
        ),
        findings=tuple(Finding(code=c, severity=s, message=c) for c, s in findings),
    )


def test_summary_counts_statuses_findings_and_errors() -> None:
    records = [
        rec(1, "Active", (("active-idle", Severity.WARNING), ("no-tags", Severity.INFO))),
        rec(2, "Active", (("no-tags", Severity.INFO),), ws="B"),
        rec(3, "Stopped", (("stopped", Severity.INFO),)),
        rec(4, None),
        attrs.evolve(
            rec(5, "Paused"),
            error=FetchFailure(
                operation="statistics", kind="not_found", status_code=404, message="x"
            ),
        ),
    ]
    summary = summarize(records)
    assert summary.workflows == 5
    assert summary.by_status == {"Active": 2, "Stopped": 1, "Paused": 1, "unknown": 1}
    assert summary.by_workspace == {"guid-A": 4, "guid-B": 1}
    assert summary.workspace_labels() == {"guid-A": "A", "guid-B": "B"}
    assert summary.findings_by_code == {"active-idle": 1, "no-tags": 2, "stopped": 1}
    assert summary.findings_by_severity == {Severity.WARNING: 1, Severity.INFO: 3}
    assert summary.severity_of_code["active-idle"] is Severity.WARNING
    assert (summary.errors, summary.errors_by_kind) == (1, {"not_found": 1})
    assert summary.max_severity is Severity.WARNING
    assert summary.has_findings_at(Severity.WARNING)
    assert summary.has_findings_at(Severity.INFO)
    assert not summary.has_findings_at(Severity.ERROR)


def test_an_empty_summary() -> None:
    summary = AuditSummary()
    assert summary.max_severity is None
    assert not summary.has_findings_at(Severity.INFO)


def test_a_code_keeps_its_most_serious_severity() -> None:
    summary = summarize(
        [
            rec(1, "Active", (("custom", Severity.INFO),)),
            rec(2, "Active", (("custom", Severity.ERROR),)),
        ]
    )
    assert summary.severity_of_code["custom"] is Severity.ERROR


def test_audit_all_is_sorted_and_complete() -> None:
    exported = audit.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))  # constants first
    public = {
        name
        for name, value in vars(audit).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(exported)

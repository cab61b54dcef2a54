"""Counting an audit's records: workflows by status and Workspace, findings by code and
severity, fetch errors by kind, and each finding's key (for baselines)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from ._models import FindingKey, Severity, WorkflowAudit

__all__ = ["AuditSummary", "summarize"]


@attrs.define
class AuditSummary:
    """Running counts over audit records; add records with :meth:`add` as they come.

    Attributes:
        workflows: records counted.
        by_status: workflows per status (``"Active"``, ...; ``"unknown"`` when absent).
        by_workspace: workflows per Workspace (its name, else its key).
        findings_by_code: findings per code.
        findings_by_severity: findings per severity.
        severity_of_code: the (most serious) severity seen for each code.
        errors: records whose details could not be fetched.
        errors_by_kind: those records per :attr:`FetchFailure.kind`.
        workspaces: each Workspace's name (else its key) by its key
            (:attr:`WorkspaceRef.key`).
        findings: each finding's severity by its :class:`FindingKey` (the records'
            keys are known: both :meth:`add` and :func:`read_report` give them).
    """

    workflows: int = 0
    by_status: Counter[str] = attrs.field(factory=Counter)
    by_workspace: Counter[str] = attrs.field(factory=Counter)
    findings_by_code: Counter[str] = attrs.field(factory=Counter)
    findings_by_severity: Counter[Severity] = attrs.field(factory=Counter)
    severity_of_code: dict[str, Severity] = attrs.field(factory=dict)
    errors: int = 0
    errors_by_kind: Counter[str] = attrs.field(factory=Counter)
    workspaces: dict[str, str] = attrs.field(factory=dict)
    findings: dict[FindingKey, Severity] = attrs.field(factory=dict)

    def add(self, record: WorkflowAudit) -> None:
        """Count one record."""
        status = record.workflow.status
        self.count(
            status=status.value if status is not None else None,
            workspace=str(record.workspace),
            findings=((f.code, f.severity) for f in record.findings),
            error_kind=record.error.kind if record.error is not None else None,
            workspace_key=record.workspace.key,
            workflow_id=record.workflow.diagram_id,
        )

    def count(
        self,
        *,
        status: str | None,
        workspace: str,
        findings: Iterable[tuple[str, Severity]],
        error_kind: str | None,
        workspace_key: str | None = None,
        workflow_id: str | None = None,
    ) -> None:
        """Count one record given by its parts (for records read back from a report);
        with ``workspace_key`` and ``workflow_id`` its findings' keys are kept too."""
        self.workflows += 1
        self.by_status[status or "unknown"] += 1
        self.by_workspace[workspace] += 1
        if workspace_key is not None:
            self.workspaces.setdefault(workspace_key, workspace)
        for code, severity in findings:
            if workspace_key is not None and workflow_id is not None:
                self.findings[FindingKey(workspace_key, workflow_id, code)] = severity
            self.findings_by_code[code] += 1
            self.findings_by_severity[severity] += 1
            known = self.severity_of_code.get(code)
            if known is None or severity > known:
                self.severity_of_code[code] = severity
        if error_kind is not None:
            self.errors += 1
            self.errors_by_kind[error_kind] += 1

    @property
    def max_severity(self) -> Severity | None:
        """The most serious severity among all findings, or None without findings."""
        return max(self.findings_by_severity, default=None)

    def has_findings_at(self, severity: Severity) -> bool:
        """Whether any finding is at least as serious as ``severity``."""
        return any(s >= severity and n for s, n in self.findings_by_severity.items())


def summarize(records: Iterable[WorkflowAudit]) -> AuditSummary:
    """Count ``records`` into a new :class:`AuditSummary`."""
    summary = AuditSummary()
    for record in records:
        summary.add(record)
    return summary

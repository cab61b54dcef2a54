"""Counting an audit's records: workflows by status and Workspace, findings by code and
severity, fetch errors by kind, and each finding's key (for baselines).

Two Workspaces may share a name: they are counted by their key
(:attr:`WorkspaceRef.key`) and shown by :func:`workspace_labels`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from ._models import FindingKey, Severity, WorkflowAudit

__all__ = ["AuditSummary", "labels_of", "summarize", "workspace_labels"]


def workspace_labels(names: Mapping[str, str]) -> dict[str, str]:
    """How to show each Workspace, by its key: its name, with its key beside it
    (``"Production (1234)"``) where another Workspace of ``names`` has that name too.

    Args:
        names: each Workspace's name (else its key) by its key.
    """
    counts = Counter(names.values())
    return {
        key: f"{name} ({key})" if counts[name] > 1 and key != name else name
        for key, name in names.items()
    }


def labels_of(records: Iterable[WorkflowAudit]) -> dict[str, str]:
    """:func:`workspace_labels` of the Workspaces of ``records``."""
    names: dict[str, str] = {}
    for record in records:
        names.setdefault(record.workspace.key, str(record.workspace))
    return workspace_labels(names)


@attrs.define
class AuditSummary:
    """Running counts over audit records; add records with :meth:`add` as they come.

    Attributes:
        workflows: records counted.
        by_status: workflows per status (``"Active"``, ...; ``"unknown"`` when absent).
        by_workspace: workflows per Workspace, by its key (:attr:`WorkspaceRef.key`;
            its name when counted without one); :meth:`workspace_labels` shows them.
        findings_by_code: findings per code.
        findings_by_severity: findings per severity.
        severity_of_code: the (most serious) severity seen for each code.
        errors: records whose details could not be fetched.
        errors_by_kind: those records per :attr:`FetchFailure.kind`.
        workspaces: each Workspace's name (else its key) by its key.
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
        """Count one record given by its parts (for records read back from a report):
        ``workspace`` is the Workspace's name (else its key), ``workspace_key`` what
        it is counted by (without one, by its name); with ``workspace_key`` and
        ``workflow_id`` its findings' keys are kept too."""
        self.workflows += 1
        self.by_status[status or "unknown"] += 1
        self.by_workspace[workspace if workspace_key is None else workspace_key] += 1
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

    def workspace_labels(self) -> dict[str, str]:
        """How to show each counted Workspace, by its key (see :func:`workspace_labels`)."""
        return workspace_labels({key: self.workspaces.get(key, key) for key in self.by_workspace})

    def workspace_counts(self) -> list[tuple[str, str, int]]:
        """``(key, label, workflows)`` for each counted Workspace, by label, then key."""
        labels = self.workspace_labels()
        return sorted(
            ((key, labels[key], count) for key, count in self.by_workspace.items()),
            key=lambda row: (row[1], row[0]),
        )

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

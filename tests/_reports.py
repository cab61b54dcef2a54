"""Audit reports written from records, for the tests of baselines, report reading and
``synerise-async report``."""

from __future__ import annotations

from pathlib import Path

from synerise_async.audit import ReportFormat, ReportWriter, WorkflowAudit


def write(path: Path, *records: WorkflowAudit) -> Path:
    """A report at ``path`` (its format by its suffix) holding ``records``; ``path``."""
    with ReportWriter(path, ReportFormat.for_path(path)) as writer:
        for record in records:
            writer.write(record)
    return path

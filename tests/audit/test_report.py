"""Report files: one whole line per record, JSON Lines and CSV, repaired and read back."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

from synerise_async.audit import (
    CSV_FIELDS,
    FetchFailure,
    Finding,
    ReportError,
    ReportFormat,
    ReportWriter,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    read_report,
    record_to_csv_row,
    record_to_json,
    repair_report,
)
from synerise_async.models import (
    LastRunLogs,
    PipelineStages,
    RunStage,
    RunStatus,
    Tag,
    Workflow,
    WorkflowStatistics,
    WorkflowStatus,
)

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def record(n: int, **changes: object) -> WorkflowAudit:
    base = WorkflowAudit(
        workspace=WorkspaceRef(guid="11111111-0000-4000-8000-000000000000", id=123, name="Acme"),
        workflow=Workflow(
            diagram_id=f"00000000-0000-4000-8000-{n:012d}",
            name=f"Welcome \u2013 {n}",
            status=WorkflowStatus.ACTIVE,
            created=NOW - dt.timedelta(days=10),
            updated=NOW - dt.timedelta(days=1),
            tags=(Tag(value="promo"), Tag(value="q4")),
            description="Line one\nline two",
            has_transformation=True,
        ),
        statistics=WorkflowStatistics(started=5, finished=4, in_progress=1),
        last_run=LastRunLogs(
            run_id="run-7",
            overall_run_status=RunStatus.FAILED,
            start_time=NOW,
            pipeline_response=PipelineStages(
                import_data=RunStage(status=RunStatus.SUCCESS, failure_count=2),
                transform_data=RunStage(status=RunStatus.FAILED, failure_count=3),
            ),
        ),
        findings=(
            Finding(code="last-run-failed", severity=Severity.ERROR, message="Failed,\n badly"),
            Finding(code="no-tags", severity=Severity.INFO, message='Say "hi"'),
        ),
        audited_at=NOW,
    )
    return attrs.evolve(base, **changes)


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_write_then_read_back(tmp_path: Path, fmt: ReportFormat) -> None:
    path = tmp_path / f"report.{fmt.value}"
    failure = FetchFailure(
        operation="statistics", kind="not_found", status_code=404, message="gone"
    )
    with ReportWriter(path, fmt) as writer:
        writer.write(record(1))
        writer.write(record(2, error=failure, findings=()))
        assert writer.written == 2
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert len(lines) - 1 == (3 if fmt is ReportFormat.CSV else 2)

    contents = read_report(path, fmt)
    assert contents.keys == {record(1).key, record(2).key}
    summary = contents.summary
    assert summary.workflows == 2
    assert summary.by_status == {"Active": 2}
    assert summary.by_workspace == {"11111111-0000-4000-8000-000000000000": 2}
    assert summary.workspace_labels() == {"11111111-0000-4000-8000-000000000000": "Acme"}
    assert summary.findings_by_code == {"last-run-failed": 1, "no-tags": 1}
    assert summary.findings_by_severity == {Severity.ERROR: 1, Severity.INFO: 1}
    assert (summary.errors, summary.errors_by_kind) == (1, {"not_found": 1})


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_records_read_back_write_the_same_report(tmp_path: Path, fmt: ReportFormat) -> None:
    """``read_report(records=True)`` rebuilds records that write the same lines again
    (what an HTML report of an earlier run is made from)."""
    path = tmp_path / f"report.{fmt.value}"
    failure = FetchFailure(operation="last_run", kind="server_error", status_code=503, message="x")
    written = [
        record(1),
        record(2, error=failure, findings=(), statistics=None, last_run=None),
        record(3, workflow=Workflow(diagram_id="bare"), findings=()),
    ]
    with ReportWriter(path, fmt) as writer:
        for item in written:
            writer.write(item)
    contents = read_report(path, fmt, records=True)
    encode = record_to_csv_row if fmt is ReportFormat.CSV else record_to_json
    assert [encode(r) for r in contents.records] == [encode(r) for r in written]
    assert read_report(path, fmt).records == ()


def test_jsonl_record_shape(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    with ReportWriter(path, ReportFormat.JSONL) as writer:
        writer.write(record(1))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == record_to_json(record(1))
    assert data["workspace"] == {
        "guid": "11111111-0000-4000-8000-000000000000",
        "id": 123,
        "name": "Acme",
    }
    assert data["name"] == "Welcome \u2013 1"
    assert data["tags"] == ["promo", "q4"]
    assert data["statistics"] == {"started": 5, "finished": 4, "inProgress": 1}
    assert data["lastRun"]["failureCount"] == 5
    assert data["lastRun"]["stages"] == {"importData": "SUCCESS", "transformData": "FAILED"}
    assert data["findings"][0] == {
        "code": "last-run-failed",
        "severity": "error",
        "message": "Failed,\n badly",
    }
    assert data["auditedAt"] == "2025-06-01T12:00:00+00:00"
    assert data["error"] is None


def test_csv_rows_are_single_lines_and_parse(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with ReportWriter(path, ReportFormat.CSV) as writer:
        writer.write(record(1))
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == 2  # header and one record, line breaks in values replaced
    [row] = list(csv.DictReader(text.splitlines()))
    assert list(row) == list(CSV_FIELDS)
    assert row["tags"] == "promo;q4"
    assert row["findings"] == "error:last-run-failed;info:no-tags"
    assert row["finding_messages"] == 'Failed,  badly | Say "hi"'
    assert row["max_severity"] == "error"
    assert row["has_transformation"] == "true"
    assert row["last_run_failed_records"] == "5"
    assert row["error_kind"] == ""


def test_appending_keeps_one_csv_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with ReportWriter(path, ReportFormat.CSV) as writer:
        writer.write(record(1))
    with ReportWriter(path, ReportFormat.CSV, append=True) as writer:
        writer.write(record(2))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("workspace_guid,")
    assert len(read_report(path, ReportFormat.CSV).keys) == 2


def test_without_append_the_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("old\n")
    with ReportWriter(path, ReportFormat.JSONL) as writer:
        writer.write(record(1))
    assert len(read_report(path, ReportFormat.JSONL).keys) == 1


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_repair_cuts_a_partial_last_line(tmp_path: Path, fmt: ReportFormat) -> None:
    path = tmp_path / f"r.{fmt.value}"
    with ReportWriter(path, fmt) as writer:
        writer.write(record(1))
        writer.write(record(2))
    whole = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(whole[-40:-1])  # a record's tail without its newline
    with pytest.raises(ReportError, match="incomplete"):
        read_report(path, fmt)
    assert repair_report(path) == 39
    assert path.read_bytes() == whole
    assert repair_report(path) == 0
    assert len(read_report(path, fmt).keys) == 2


def test_repair_of_a_file_without_any_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"workspace": {"gu')
    assert repair_report(path) == 18
    assert path.read_bytes() == b""
    assert repair_report(tmp_path / "missing.jsonl") == 0
    assert read_report(tmp_path / "missing.jsonl", ReportFormat.JSONL).keys == frozenset()


def test_repair_scans_back_over_a_long_partial_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"{}\n" + b"x" * 200_000)
    assert repair_report(path) == 200_000
    assert path.read_bytes() == b"{}\n"


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ("not json\n", ReportFormat.JSONL, "not an audit record"),
        ('{"diagramId": "x"}\n', ReportFormat.JSONL, "not an audit record"),
        (
            '{"workspace": {}, "diagramId": "x", "findings": [{"code": "a", "severity": "bad"}]}\n',
            ReportFormat.JSONL,
            "unknown severity",
        ),
        ("a,b,c\n", ReportFormat.CSV, "unexpected header"),
    ],
)
def test_a_foreign_file_is_refused(
    tmp_path: Path, content: str, fmt: ReportFormat, message: str
) -> None:
    path = tmp_path / "r.txt"
    path.write_text(content)
    with pytest.raises(ReportError, match=message):
        read_report(path, fmt)


def test_csv_with_the_wrong_number_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with ReportWriter(path, ReportFormat.CSV):
        pass
    with path.open("a") as handle:
        handle.write("a,b\n")
    with pytest.raises(ReportError, match="columns"):
        read_report(path, ReportFormat.CSV)


def test_format_for_path() -> None:
    assert ReportFormat.for_path("x.CSV") is ReportFormat.CSV
    assert ReportFormat.for_path("x.jsonl") is ReportFormat.JSONL
    assert ReportFormat.for_path("x") is ReportFormat.JSONL

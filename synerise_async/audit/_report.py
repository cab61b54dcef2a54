"""Audit reports on disk: JSON Lines or CSV, one line per workflow, safe to resume.

Policy:

- One record is one line, written with a single unbuffered write: after a crash or a
  kill the file holds whole records, and at most the last line is cut short. CSV
  values have their line breaks replaced by spaces so that this holds for CSV too.
- :func:`repair_report` cuts a partial last line off; :func:`read_report` then gives
  the ``(workspace key, diagram id)`` pairs already done (for ``audit_workflows``'
  ``skip``), a summary of the records already there and, when asked, the records
  themselves, rebuilt from what the report keeps (for an HTML report of a finished,
  resumed or interrupted run).
- A line that is complete but not a record is an error (:class:`ReportError`): the
  file is not one of ours, or was edited, and appending to it would make it worse.
- CSV injection (OWASP): names, tags, descriptions and messages are user input, and a
  spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return as a formula. Every CSV cell but the numbers (:data:`CSV_NUMBERS`)
  that starts so, after any number of ``'``, is written with one more ``'`` before it
  (a spreadsheet shows it as text, without the quote); the reader takes exactly one
  ``'`` off a cell of ``'`` s followed by one of those characters, so every value reads
  back as it was (``'=x`` is written ``''=x``). A CSV report written before this rule
  reads a value that started with ``'=`` (and the like) one quote short.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final, Self, TypeVar

import attrs

from .._exceptions import SyneriseError
from .._serde import _structure_datetime, dumps
from ..models.automation import (
    LastRunLogs,
    PipelineStages,
    RunStage,
    RunStatus,
    ScheduleStatus,
    Tag,
    TimePeriod,
    Workflow,
    WorkflowStatistics,
    WorkflowStatus,
)
from ._models import FetchFailure, Finding, Severity, WorkflowAudit, WorkspaceRef
from ._summary import AuditSummary

__all__ = [
    "CSV_FIELDS",
    "CSV_NUMBERS",
    "REPORT_SCHEMA_VERSION",
    "ReportContents",
    "ReportError",
    "ReportFormat",
    "ReportWriter",
    "read_report",
    "record_to_csv_row",
    "record_to_json",
    "repair_report",
]

#: The CSV columns, in order.
CSV_FIELDS: Final = (
    "workspace_guid",
    "workspace_id",
    "workspace_name",
    "diagram_id",
    "name",
    "status",
    "schedule_status",
    "created",
    "updated",
    "tags",
    "has_transformation",
    "time_period",
    "started",
    "finished",
    "in_progress",
    "last_run_status",
    "last_run_start",
    "last_run_failed_records",
    "max_severity",
    "findings",
    "finding_messages",
    "error_operation",
    "error_kind",
    "error_status_code",
    "error_message",
    "audited_at",
)

#: The CSV columns that hold numbers (or nothing): never guarded against formulas, since
#: a spreadsheet should read ``-1`` as a number (see the policy).
CSV_NUMBERS: Final = frozenset(
    {
        "workspace_id",
        "started",
        "finished",
        "in_progress",
        "last_run_failed_records",
        "error_status_code",
    }
)
#: A cell a spreadsheet would run as a formula, behind any quotes (written with one more).
_FORMULA: Final = re.compile(r"'*[=+\-@\t\r]")
#: A cell so guarded (read with one quote less).
_GUARDED: Final = re.compile(r"'+[=+\-@\t\r]")


def _guard(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def _unguard(text: str) -> str:
    return text[1:] if _GUARDED.match(text) else text


#: The version of the JSON Lines record layout, in each record's ``schemaVersion``.
#: Records without one are version 1 (before baselines); a CSV report's version is its
#: header (:data:`CSV_FIELDS`). Raise it when a field or a rule code changes meaning:
#: a baseline of another version is refused rather than silently mismatched.
REPORT_SCHEMA_VERSION: Final = 2


class ReportError(SyneriseError, ValueError):
    """A report file that cannot be resumed: a complete line that is not a record."""


class ReportFormat(enum.Enum):
    """The report's file format."""

    JSONL = "jsonl"
    CSV = "csv"

    @classmethod
    def for_path(cls, path: str | os.PathLike[str]) -> ReportFormat:
        """CSV for a ``.csv`` file name, else JSON Lines."""
        return cls.CSV if Path(path).suffix.lower() == ".csv" else cls.JSONL


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _value(member: enum.Enum | None) -> Any:
    return None if member is None else member.value


def record_to_json(record: WorkflowAudit) -> dict[str, Any]:
    """The JSON object of one record in a JSON Lines report (camelCase, like the API)."""
    wf = record.workflow
    stats = record.statistics
    run = record.last_run
    error = record.error
    return {
        "schemaVersion": REPORT_SCHEMA_VERSION,
        "workspace": {
            "guid": record.workspace.guid,
            "id": record.workspace.id,
            "name": record.workspace.name,
        },
        "diagramId": wf.diagram_id,
        "name": wf.name,
        "status": _value(wf.status),
        "scheduleStatus": _value(wf.schedule_status),
        "created": _iso(wf.created),
        "updated": _iso(wf.updated),
        "tags": [tag.value for tag in wf.tags if tag.value is not None],
        "description": wf.description,
        "hasTransformation": wf.has_transformation,
        "timePeriod": record.time_period.value,
        "statistics": None
        if stats is None
        else {
            "started": stats.started,
            "finished": stats.finished,
            "inProgress": stats.in_progress,
        },
        "lastRun": None
        if run is None
        else {
            "runId": run.run_id,
            "status": _value(run.overall_run_status),
            "startTime": _iso(run.start_time),
            "failureCount": run.failure_count,
            "stages": {
                name: _value(stage.status)
                for name, stage in (run.pipeline_response.stages() if run.pipeline_response else ())
            },
        },
        "findings": [
            {"code": f.code, "severity": f.severity.value, "message": f.message}
            for f in record.findings
        ],
        "error": None
        if error is None
        else {
            "operation": error.operation,
            "kind": error.kind,
            "statusCode": error.status_code,
            "message": error.message,
        },
        "auditedAt": _iso(record.audited_at),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # One record, one line: the resume logic counts on it.
    return " ".join(str(value).splitlines())


def record_to_csv_row(record: WorkflowAudit) -> dict[str, str]:
    """The CSV row of one record, keyed by :data:`CSV_FIELDS`: each value one line,
    and a text cell a spreadsheet would run as a formula quoted (see the policy)."""
    data = record_to_json(record)
    stats = data["statistics"] or {}
    run = data["lastRun"] or {}
    error = data["error"] or {}
    severity = record.max_severity
    row = {
        "workspace_guid": data["workspace"]["guid"],
        "workspace_id": data["workspace"]["id"],
        "workspace_name": data["workspace"]["name"],
        "diagram_id": data["diagramId"],
        "name": data["name"],
        "status": data["status"],
        "schedule_status": data["scheduleStatus"],
        "created": data["created"],
        "updated": data["updated"],
        "tags": ";".join(data["tags"]),
        "has_transformation": data["hasTransformation"],
        "time_period": data["timePeriod"],
        "started": stats.get("started"),
        "finished": stats.get("finished"),
        "in_progress": stats.get("inProgress"),
        "last_run_status": run.get("status"),
        "last_run_start": run.get("startTime"),
        "last_run_failed_records": run.get("failureCount"),
        "max_severity": severity.value if severity is not None else None,
        "findings": ";".join(f"{f.severity.value}:{f.code}" for f in record.findings),
        "finding_messages": " | ".join(f.message for f in record.findings),
        "error_operation": error.get("operation"),
        "error_kind": error.get("kind"),
        "error_status_code": error.get("statusCode", error.get("status")),
        "error_message": error.get("message"),
        "audited_at": data["auditedAt"],
    }
    return {
        name: _cell(row[name]) if name in CSV_NUMBERS else _guard(_cell(row[name]))
        for name in CSV_FIELDS
    }


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


_CSV_HEADER: Final = _csv_line(list(CSV_FIELDS))

_E = TypeVar("_E", bound=enum.Enum)


class ReportWriter:
    """Appends records to a report file, one whole line per write (see the policy).

    Args:
        path: the file.
        format: JSON Lines or CSV.
        append: add to the file (resume) instead of replacing it; a CSV header is
            written only when the file is empty.

    Attributes:
        written: records written by this writer.
    """

    def __init__(
        self, path: str | os.PathLike[str], format: ReportFormat, *, append: bool = False
    ) -> None:
        self.path = Path(path)
        self.format = format
        self.written = 0
        self._owns_file = True
        # Unbuffered: each write reaches the OS at once, so a kill loses nothing written.
        self._file: BinaryIO = open(self.path, "ab" if append else "wb", buffering=0)  # noqa: SIM115 - closed by close()
        try:
            if format is ReportFormat.CSV and self._file.seek(0, os.SEEK_END) == 0:
                self._write(_CSV_HEADER)
        except BaseException:
            self._file.close()
            raise

    @classmethod
    def to_stream(cls, stream: BinaryIO, format: ReportFormat) -> Self:
        """A writer to an open binary stream (``sys.stdout.buffer``): a CSV header
        first, then whole lines, each flushed; :meth:`close` leaves the stream open."""
        writer = cls.__new__(cls)
        writer.path = Path("-")
        writer.format = format
        writer.written = 0
        writer._owns_file = False
        writer._file = stream
        if format is ReportFormat.CSV:
            writer._write(_CSV_HEADER)
        return writer

    def _write(self, line: str) -> None:
        data = memoryview(line.encode("utf-8"))
        while data:
            written = self._file.write(data)
            data = data[written or 0 :]

    def write(self, record: WorkflowAudit) -> None:
        """Append one record as one line."""
        if self.format is ReportFormat.CSV:
            row = record_to_csv_row(record)
            line = _csv_line([row[name] for name in CSV_FIELDS])
        else:
            line = dumps(record_to_json(record)).decode("utf-8") + "\n"
        self._write(line)
        self.written += 1
        if not self._owns_file:
            self._file.flush()

    def close(self) -> None:
        """Close the file (a stream is only flushed). Idempotent."""
        if self._owns_file:
            self._file.close()
        elif not self._file.closed:
            self._file.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def repair_report(path: str | os.PathLike[str]) -> int:
    """Cut off a partial last line (a write the process did not live to finish).

    Returns:
        How many bytes were cut off (0 when the file ends with a whole line, or is
        missing).
    """
    try:
        handle = open(path, "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return 0
    with handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        # Scan backwards in blocks for the last newline.
        position = size
        block = 64 * 1024
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            if position == size and chunk.endswith(b"\n"):
                return 0
            index = chunk.rfind(b"\n")
            if index >= 0:
                keep = start + index + 1
                handle.truncate(keep)
                return size - keep
            position = start
        handle.truncate(0)
        return size


@attrs.frozen
class ReportContents:
    """What a report already holds.

    Attributes:
        keys: the ``(workspace key, diagram id)`` pairs of its records.
        summary: the counts of its records (its findings' keys too).
        schema_versions: the record layouts (:data:`REPORT_SCHEMA_VERSION`) its records
            have; empty for an empty report.
        records: the records, in file order, when :func:`read_report` was asked for
            them (else empty), holding what the report keeps (see :func:`read_report`).
    """

    keys: frozenset[tuple[str, str]]
    summary: AuditSummary
    schema_versions: frozenset[int] = frozenset()
    records: tuple[WorkflowAudit, ...] = ()


def _lines(path: Path, partial: bool) -> Iterator[tuple[int, str]]:
    # Only "\n" ends a line: the writer puts no other line break inside a record. Each
    # line is decoded on its own: a kill may cut the last one inside a character.
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                if partial:
                    return
                raise ReportError(f"{path}:{number}: the last line is incomplete; repair it first")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ReportError(f"{path}:{number}: not UTF-8 text") from None
            yield number, line


def _severity(path: Path, number: int, value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ReportError(f"{path}:{number}: unknown severity {value!r}") from None


def _moment(value: Any) -> dt.datetime | None:
    # The SDK's one rule for times: aware, in UTC; without an offset, UTC (a report saved
    # again by a spreadsheet may have lost them, and naive and aware times do not mix).
    return None if value in (None, "") else _structure_datetime(str(value), dt.datetime)


def _number(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _status(cls: type[_E], value: Any) -> _E | None:
    return None if value in (None, "") else cls(str(value))


def _last_run(run: dict[str, Any]) -> LastRunLogs:
    # The report keeps each stage's status and the run's total of failed records: the
    # total goes on the first stage, so that ``failure_count`` is the same again.
    names = {
        "importData": "import_data",
        "transformData": "transform_data",
        "exportData": "export_data",
    }
    stages: dict[str, RunStage] = {}
    failed = _number(run.get("failureCount")) or 0
    for name, status in (run.get("stages") or {}).items():
        if name not in names:
            continue
        stages[names[name]] = RunStage(
            status=_status(RunStatus, status), failure_count=None if stages else failed
        )
    return LastRunLogs(
        start_time=_moment(run.get("startTime")),
        run_id=run.get("runId"),
        overall_run_status=_status(RunStatus, run.get("status")),
        pipeline_response=PipelineStages(**stages) if stages else None,
    )


def _record_from_json(data: dict[str, Any], ref: WorkspaceRef) -> WorkflowAudit:
    stats = data.get("statistics")
    run = data.get("lastRun")
    error = data.get("error")
    return WorkflowAudit(
        workspace=ref,
        workflow=Workflow(
            diagram_id=str(data["diagramId"]),
            name=data.get("name"),
            status=_status(WorkflowStatus, data.get("status")),
            schedule_status=_status(ScheduleStatus, data.get("scheduleStatus")),
            created=_moment(data.get("created")),
            updated=_moment(data.get("updated")),
            tags=tuple(Tag(value=str(tag)) for tag in data.get("tags") or ()),
            description=data.get("description"),
            has_transformation=data.get("hasTransformation"),
        ),
        time_period=TimePeriod(data.get("timePeriod") or TimePeriod.PREVIOUS_DAY.value),
        statistics=None
        if stats is None
        else WorkflowStatistics(
            started=_number(stats.get("started")),
            finished=_number(stats.get("finished")),
            in_progress=_number(stats.get("inProgress")),
        ),
        last_run=None if run is None else _last_run(run),
        findings=tuple(
            Finding(code=str(f["code"]), severity=Severity(f["severity"]), message=f["message"])
            for f in data["findings"]
        ),
        error=None
        if error is None
        else FetchFailure(
            operation=str(error["operation"]),
            kind=str(error["kind"]),
            status_code=_number(error.get("statusCode")),
            message=str(error["message"]),
        ),
        audited_at=_moment(data["auditedAt"]) or dt.datetime.now(dt.UTC),
    )


def _read_jsonl(
    path: Path,
    summary: AuditSummary,
    versions: set[int],
    records: list[WorkflowAudit] | None,
    partial: bool,
) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for number, line in _lines(path, partial):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            ws = data["workspace"]
            ref = WorkspaceRef(guid=ws.get("guid"), id=ws.get("id"), name=ws.get("name"))
            diagram_id = str(data["diagramId"])
            raw_findings = [(str(f["code"]), str(f["severity"])) for f in data["findings"]]
            error = data.get("error")
            error_kind = str(error["kind"]) if error else None
            status = data.get("status")
            version = int(data.get("schemaVersion", 1))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReportError(f"{path}:{number}: not an audit record ({exc!r})") from None
        findings = [(code, _severity(path, number, value)) for code, value in raw_findings]
        keys.add((ref.key, diagram_id))
        versions.add(version)
        summary.count(
            status=status,
            workspace=str(ref),
            findings=findings,
            error_kind=error_kind,
            workspace_key=ref.key,
            workflow_id=diagram_id,
        )
        if records is not None:
            try:
                records.append(_record_from_json(data, ref))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ReportError(f"{path}:{number}: not an audit record ({exc!r})") from None
    return keys


def _record_from_csv(row: dict[str, str], ref: WorkspaceRef) -> WorkflowAudit:
    # A CSV row keeps less than a JSON line: no description, no run id, no stage statuses.
    codes = [item.partition(":") for item in filter(None, row["findings"].split(";"))]
    messages = row["finding_messages"].split(" | ") if codes else []
    if len(messages) != len(codes):  # a message held the separator: keep them all once
        messages = [row["finding_messages"], *[""] * (len(codes) - 1)]
    failed = _number(row["last_run_failed_records"])
    has_run = bool(row["last_run_status"] or row["last_run_start"])
    return WorkflowAudit(
        workspace=ref,
        workflow=Workflow(
            diagram_id=row["diagram_id"],
            name=row["name"] or None,
            status=_status(WorkflowStatus, row["status"]),
            schedule_status=_status(ScheduleStatus, row["schedule_status"]),
            created=_moment(row["created"]),
            updated=_moment(row["updated"]),
            tags=tuple(Tag(value=tag) for tag in filter(None, row["tags"].split(";"))),
            has_transformation={"true": True, "false": False}.get(row["has_transformation"]),
        ),
        time_period=TimePeriod(row["time_period"] or TimePeriod.PREVIOUS_DAY.value),
        statistics=None
        if not (row["started"] or row["finished"] or row["in_progress"])
        else WorkflowStatistics(
            started=_number(row["started"]),
            finished=_number(row["finished"]),
            in_progress=_number(row["in_progress"]),
        ),
        last_run=LastRunLogs(
            start_time=_moment(row["last_run_start"]),
            overall_run_status=_status(RunStatus, row["last_run_status"]),
            pipeline_response=PipelineStages(import_data=RunStage(failure_count=failed))
            if failed
            else None,
        )
        if has_run
        else None,
        findings=tuple(
            Finding(code=code, severity=Severity(severity), message=message)
            for (severity, _, code), message in zip(codes, messages, strict=True)
        ),
        error=None
        if not row["error_kind"]
        else FetchFailure(
            operation=row["error_operation"],
            kind=row["error_kind"],
            status_code=_number(row["error_status_code"]),
            message=row["error_message"],
        ),
        audited_at=_moment(row["audited_at"]) or dt.datetime.now(dt.UTC),
    )


def _read_csv(
    path: Path,
    summary: AuditSummary,
    versions: set[int],
    records: list[WorkflowAudit] | None,
    partial: bool,
) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    lines = _lines(path, partial)
    header = next(lines, None)
    if header is None:
        return keys
    if header[1] != _CSV_HEADER:
        raise ReportError(f"{path}:1: not an audit report in CSV (unexpected header)")
    for number, line in lines:
        values = next(csv.reader([line]))
        if len(values) != len(CSV_FIELDS):
            raise ReportError(f"{path}:{number}: expected {len(CSV_FIELDS)} columns")
        row = {
            name: value if name in CSV_NUMBERS else _unguard(value)
            for name, value in zip(CSV_FIELDS, values, strict=True)
        }
        ref = WorkspaceRef(
            guid=row["workspace_guid"] or None,
            id=row["workspace_id"] or None,
            name=row["workspace_name"] or None,
        )
        findings = []
        for item in filter(None, row["findings"].split(";")):
            severity, _, code = item.partition(":")
            findings.append((code, _severity(path, number, severity)))
        keys.add((ref.key, row["diagram_id"]))
        versions.add(REPORT_SCHEMA_VERSION)
        summary.count(
            status=row["status"] or None,
            workspace=str(ref),
            findings=findings,
            error_kind=row["error_kind"] or None,
            workspace_key=ref.key,
            workflow_id=row["diagram_id"],
        )
        if records is not None:
            try:
                records.append(_record_from_csv(row, ref))
            except ValueError as exc:
                raise ReportError(f"{path}:{number}: not an audit record ({exc!r})") from None
    return keys


def read_report(
    path: str | os.PathLike[str],
    format: ReportFormat,
    *,
    records: bool = False,
    partial: bool = False,
) -> ReportContents:
    """Read the records a report holds (call :func:`repair_report` first).

    Args:
        path: the report file.
        format: its format.
        records: also rebuild the records, with what the report keeps of them: the
            workflow's listing fields (not its configuration), the statistics' counts,
            the last run's status, start and total of failed records, the findings, the
            error. A CSV report keeps no description and no stage statuses.
        partial: ignore a partial last line (the file is only read, not repaired).

    Returns:
        Its keys and summary (and records); empty for a missing or empty file.

    Raises:
        ReportError: a line that is not a record, or a partial last line (unless
            ``partial``).
    """
    file = Path(path)
    summary = AuditSummary()
    if not file.exists():
        return ReportContents(frozenset(), summary)
    read = _read_csv if format is ReportFormat.CSV else _read_jsonl
    versions: set[int] = set()
    kept: list[WorkflowAudit] | None = [] if records else None
    keys = read(file, summary, versions, kept, partial)
    return ReportContents(frozenset(keys), summary, frozenset(versions), tuple(kept or ()))

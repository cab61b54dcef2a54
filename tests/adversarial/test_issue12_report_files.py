"""Issue 12 adversary: report files that are not what a finished run leaves, read by
``synerise-async report``, by ``--baseline`` and by ``--resume``: empty, cut short by a
kill (also in the middle of a multi-byte character), not UTF-8 at all, CSV, and the same
workflow id in two Workspaces. Each is either read (the partial line skipped) or refused
with a message, exit code 2: never a traceback.

Found failing on main: a report cut inside a multi-byte character (a name like "Zażółć")
made ``report`` refuse it ("'utf-8' codec can't decode"), although only its partial last
line was bad; and a baseline or a resumed report that was not UTF-8 raised
``UnicodeDecodeError`` out of the command.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest
from _adversarial import quiet_demo
from _reports import write

from synerise_async import cli
from synerise_async.audit import (
    Finding,
    FindingKey,
    ReportFormat,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    compare,
    read_baseline,
    read_report,
)
from synerise_async.models import Workflow

NAME = "Zażółć gęślą jaźń"


def rec(n: int, ws: str, *codes: str) -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid=f"guid-{ws}", name=f"Workspace {ws}"),
        workflow=Workflow(diagram_id=f"wf-{n}", name=f"{NAME} {n}"),
        findings=tuple(Finding(code=c, severity=Severity.WARNING, message=c) for c in codes),
    )


def cut_inside_a_character(path: Path) -> bytes:
    """Cut the report in the middle of the last line's last multi-byte character, as a
    kill in the middle of a write would; return the whole lines that remain."""
    data = path.read_bytes()
    lead = max(i for i, byte in enumerate(data) if byte >= 0xC0)
    path.write_bytes(data[: lead + 1])
    return data[: data.rfind(b"\n", 0, lead) + 1]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_report_of_a_report_cut_inside_a_character(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = write(tmp_path / f"r{suffix}", *(rec(n, "A", "no-tags") for n in range(5)))
    cut_inside_a_character(report)
    html = tmp_path / "r.html"
    assert cli.main(["report", str(report), "--html", str(html)]) == cli.EXIT_OK
    _, err = capsys.readouterr()
    assert "HTML report of 4 workflows" in err
    assert f"{NAME} 3" in html.read_text(encoding="utf-8")


def test_report_of_an_empty_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.jsonl"
    report.touch()
    html = tmp_path / "r.html"
    assert cli.main(["report", str(report), "--html", str(html)]) == cli.EXIT_OK
    assert "<li><b>0</b>Workflows audited</li>" in html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{\x00}\n", b'{"workspace": "caf\xe9"}\n'],
    ids=["utf-16", "latin-1"],
)
def test_a_report_that_is_not_utf8_is_refused_everywhere(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    html = tmp_path / "r.html"
    assert cli.main(["report", str(bad), "--html", str(html)]) == cli.EXIT_USAGE
    assert cli.main(quiet_demo(tmp_path / "r.jsonl", "--baseline", str(bad))) == cli.EXIT_USAGE
    assert cli.main(quiet_demo(bad, "--resume")) == cli.EXIT_USAGE
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.count(f"{bad}:1: not UTF-8 text") == 3, err
    assert bad.read_bytes() == content  # refused, not repaired or added to


def test_a_baseline_cut_short_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "base.jsonl"
    assert cli.main(quiet_demo(baseline)) == cli.EXIT_OK
    with baseline.open("ab") as handle:
        handle.write('{"name": "ż'.encode()[:-1])
    assert cli.main(quiet_demo(tmp_path / "r.jsonl", "--baseline", str(baseline))) == cli.EXIT_USAGE
    _, err = capsys.readouterr()
    assert "the last line is incomplete" in err
    assert "Traceback" not in err


def test_the_same_workflow_id_in_two_workspaces_and_duplicate_lines(tmp_path: Path) -> None:
    baseline = read_baseline(
        write(tmp_path / "b.jsonl", rec(1, "A", "no-tags"), rec(1, "A", "no-tags"), rec(1, "B"))
    )
    comparison = compare([rec(1, "A"), rec(1, "B", "no-tags")], baseline)
    assert comparison.new == {FindingKey("guid-B", "wf-1", "no-tags")}
    assert comparison.resolved == {FindingKey("guid-A", "wf-1", "no-tags")}
    assert not comparison.unchanged


def test_a_csv_baseline_gates_like_a_jsonl_one(tmp_path: Path) -> None:
    jsonl, csv = tmp_path / "b.jsonl", tmp_path / "b.csv"
    assert cli.main(quiet_demo(jsonl)) == cli.EXIT_OK
    assert cli.main(quiet_demo(csv)) == cli.EXIT_OK
    outcomes = []
    for baseline in (jsonl, csv):
        summary = tmp_path / f"s{baseline.suffix}.json"
        args = ["--baseline", str(baseline), "--fail-on", "info", "--summary-json", str(summary)]
        code = cli.main(quiet_demo(tmp_path / "r.jsonl", "--overwrite", *args))
        data = json.loads(summary.read_text(encoding="utf-8"))
        outcomes.append((code, data["baseline"]["new"], data["baseline"]["unchanged"]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][:2] == (cli.EXIT_OK, 0)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_report_of_moments_without_an_offset_reads_them_as_utc(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report whose times lost their offset (a CSV saved again by a spreadsheet, then
    resumed, say): read as UTC, as the SDK reads the API's, instead of a TypeError when
    the HTML report compares or subtracts them (aware and naive)."""
    updated = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    records = [
        attrs.evolve(
            rec(n, "A", "no-tags"),
            workflow=attrs.evolve(rec(n, "A").workflow, updated=updated),
            audited_at=dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC),
        )
        for n in range(2)
    ]
    report = write(tmp_path / f"r{suffix}", *records)
    lines = report.read_text(encoding="utf-8").splitlines(True)
    lines[-2] = lines[-2].replace("+00:00", "")  # the first record: the second keeps them
    report.write_text("".join(lines), encoding="utf-8")
    back = read_report(report, ReportFormat.for_path(report), records=True).records
    assert [r.days_since_update() for r in back] == [30.5, 30.5]
    assert all(r.audited_at.tzinfo is not None for r in back)
    html = tmp_path / "r.html"
    assert cli.main(["report", str(report), "--html", str(html)]) == cli.EXIT_OK
    assert "audited 2026-01-31 12:00 to 2026-01-31 12:00 UTC" in html.read_text(encoding="utf-8")

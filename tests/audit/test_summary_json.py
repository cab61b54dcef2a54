"""``--summary-json`` against its shipped JSON Schema, ``--summary-md`` and
``$GITHUB_STEP_SUMMARY``, and the same writers as library functions."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from test_command import LIST, assert_no_secret, demo, demo_secrets

from synerise_async import cli
from synerise_async.audit import (
    SUMMARY_SCHEMA_VERSION,
    Finding,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    overview,
    summary_markdown,
    summary_schema,
    summary_to_json,
)
from synerise_async.audit._writers import markdown_text
from synerise_async.models import Workflow
from synerise_async.testing import FakeSynerise, WorkspaceSpec

HOSTILE = "<script>alert(1)</script> | a\nb"


def rec(n: int, *codes: str, ws: str = "A", name: str | None = None) -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid=f"guid-{ws}", name=name or f"Workspace {ws}"),
        workflow=Workflow(diagram_id=f"wf-{n}", name=f"Workflow {n}"),
        findings=tuple(Finding(code=c, severity=Severity.WARNING, message=c) for c in codes),
    )


def test_the_schema_is_shipped_and_is_a_valid_schema() -> None:
    schema = summary_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {
        "const": SUMMARY_SCHEMA_VERSION,
        "description": "The layout of this document.",
    }
    # Every field the writer emits is documented.
    data = summary_to_json(overview([rec(1, "no-tags")]))
    assert set(data) == set(schema["properties"]) == set(schema["required"])
    for field, spec in schema["properties"].items():
        assert spec.get("description") or "$ref" in spec or field in ("scope", "findings"), field


def test_the_summary_json_of_the_command_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, markdown = tmp_path / "summary.json", tmp_path / "summary.md"
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    args = demo(
        tmp_path,
        "--fail-on",
        "error",
        "--summary-json",
        str(summary),
        "--summary-md",
        str(markdown),
        "--quiet",
    )
    assert cli.main(args) == cli.EXIT_FINDINGS
    out, err = capsys.readouterr()
    data = json.loads(summary.read_text())
    jsonschema.validate(data, summary_schema())
    assert data["schema_version"] == SUMMARY_SCHEMA_VERSION
    assert data["exit_code"] == cli.EXIT_FINDINGS
    assert data["workflows"] == 90
    assert sum(w["workflows"] for w in data["by_workspace"]) == 90
    assert {w["key"] for w in data["by_workspace"]} == {
        w["key"] for w in data["scope"]["workspaces"]
    }
    assert len(data["scope"]["workspaces"]) == 3
    assert data["fail_on"] == "error"
    assert data["baseline"] is None
    assert data["requests"] > 90 and data["retries"] >= 0 and data["duration_seconds"] > 0
    by_rule = {r["rule"]: r["count"] for r in data["findings"]["by_rule"]}
    assert sum(by_rule.values()) == data["findings"]["total"]
    assert len(data["gating"]) == data["findings"]["by_severity"]["error"] > 0
    # The Markdown, written and appended to the step summary.
    text = markdown.read_text()
    assert text.startswith("## Workflow audit\n")
    assert "**failed** (exit 1)" in text
    assert "| `last-run-failed` | error |" in text
    assert step.read_text() == "earlier step\n" + text
    assert_no_secret(demo_secrets(90), out, err, summary.read_text(), text)

    # --no-step-summary: not appended.
    step.write_text("")
    assert cli.main([*args, "--overwrite", "--no-step-summary"]) == cli.EXIT_FINDINGS
    assert step.read_text() == ""


def test_markdown_escapes_user_input() -> None:
    assert markdown_text(HOSTILE) == r"&lt;script&gt;alert(1)&lt;/script&gt; \| a b"
    assert markdown_text("a_b*c`d[e]\\") == r"a\_b\*c\`d\[e\]\\"
    text = summary_markdown(overview([rec(1, "no-tags", name=HOSTILE)]))
    assert "<script>" not in text
    assert "| &lt;script&gt;alert(1)&lt;/script&gt; \\| a b | 1 |" in text
    # Each table row is one line with its two cells.
    row = next(line for line in text.splitlines() if "script" in line)
    assert row.replace("\\|", "").count("|") == 3


def test_the_summary_of_records_an_application_filtered() -> None:
    records = [rec(1, "no-tags"), rec(2, "stale-draft", ws="B"), rec(3)]
    mine = [r for r in records if r.workspace.guid == "guid-A"]
    data = summary_to_json(overview(mine, fail_on="warning", rules=["no-tags"], duration=1.5))
    jsonschema.validate(data, summary_schema())
    assert data["workflows"] == 2
    assert data["scope"] == {
        "workspaces": [{"key": "guid-A", "name": "Workspace A"}],
        "rules": ["no-tags"],
    }
    assert data["gating"] == [
        {"workspace": "guid-A", "workflow": "wf-1", "rule": "no-tags", "severity": "warning"}
    ]
    assert (data["exit_code"], data["requests"], data["duration_seconds"]) == (1, None, 1.5)


async def test_an_incomplete_run_of_a_hostile_workspace_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 3 is in the summary too; the Workspace name (user input) is escaped in the
    Markdown and the JUnit XML; the API key shows nowhere."""
    name = "<b>Shop</b> | \x01EU\nwest"
    spec = WorkspaceSpec(name=name, workflows=150)
    async with FakeSynerise(seed=5, workspaces=[spec]) as fake:
        monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
        summary, markdown = tmp_path / "s.json", tmp_path / "s.md"
        out = tmp_path / "audit.xml"
        # The listing's second page keeps failing: the run is incomplete.
        fake.faults.error(503, count=10_000, path=LIST, query={"page": "2"}, retry_after=0.01)
        code = await asyncio.to_thread(
            cli.main,
            [
                "audit",
                "--base-url",
                fake.url,
                "--out",
                str(out),
                "--fail-on",
                "info",
                "--summary-json",
                str(summary),
                "--summary-md",
                str(markdown),
                "--quiet",
            ],
        )
    assert code == cli.EXIT_INCOMPLETE
    std = capsys.readouterr()
    data = json.loads(summary.read_text())
    jsonschema.validate(data, summary_schema())
    assert (data["exit_code"], data["complete"]) == (cli.EXIT_INCOMPLETE, False)
    text = markdown.read_text()
    assert "**incomplete** (exit 3)" in text
    assert "&lt;b&gt;Shop&lt;/b&gt; \\| EU west" in text and "<b>" not in text
    root = ET.parse(out).getroot()
    assert {case.get("classname") for case in root.iter("testcase")} == {
        "<b>Shop</b> | \ufffdEU\nwest"
    }
    assert_no_secret({fake.workspace.api_key}, *std, text, out.read_text(), summary.read_text())

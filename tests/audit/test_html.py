"""``render_html``: one self-contained page, every value escaped (SVG included), nothing
fetched from anywhere, no secret, the CSP allowing only its own script, the charts and
the findings table present."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from html.parser import HTMLParser

import attrs
import pytest

from synerise_async import SyneriseClient, UserAuth
from synerise_async.audit import (
    AuditSummary,
    BaselineComparison,
    Finding,
    FindingKey,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    audit_workflows,
    render_html,
)
from synerise_async.audit._html import CSP
from synerise_async.models import Tag, Workflow, WorkflowStatistics, WorkflowStatus
from synerise_async.testing import HOSTILE_NAME, FakeSynerise

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
#: Markup that would run, or fetch, if it reached the page unescaped.
HOSTILE = "<img src=x onerror=alert(1)>\"'&<svg onload=alert(2)>"
#: The only elements a page has.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li", "b",
    "div", "figure", "figcaption", "svg", "rect", "text", "line", "form", "label",
    "select", "option", "output", "table", "thead", "tbody", "tr", "th", "td", "br",
    "code", "span", "script", "details", "summary",
}  # fmt: skip


class Page(HTMLParser):
    """The page as a browser's tokenizer sees it: elements, attributes, text."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)

    def attribute_values(self) -> list[str]:
        return [v for _, a in self.tags for v in a.values() if v is not None]


def record(n: int, text: str = "plain", **changes: object) -> WorkflowAudit:
    base = WorkflowAudit(
        workspace=WorkspaceRef(guid=f"guid-{text}", id=n, name=f"Workspace {text}"),
        workflow=Workflow(
            diagram_id=f"id-{n}-{text}",
            name=f"Workflow {text}",
            status=WorkflowStatus.ACTIVE,
            updated=NOW - dt.timedelta(days=3 * n),
            tags=(Tag(value=text),),
            description=text,
        ),
        statistics=WorkflowStatistics(started=n),
        findings=(
            Finding(code=f"rule-{text}", severity=Severity.WARNING, message=f"Detail {text}"),
            Finding(code="no-tags", severity=Severity.INFO, message="No tags."),
        ),
        audited_at=NOW,
    )
    return attrs.evolve(base, **changes)


def test_every_value_is_escaped_in_text_attributes_and_svg() -> None:
    hostile = record(1, HOSTILE, workflow=attrs.evolve(record(1, HOSTILE).workflow, status=None))
    page_source = render_html([hostile, record(2)], title=HOSTILE, generated_at=NOW)
    assert HOSTILE not in page_source
    assert "<img" not in page_source and "onerror" not in page_source.replace("onerror=", "")
    page = Page(page_source)
    # Only the page's own elements, no event-handler attribute, one script (its own).
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not [name for _, a in page.tags for name in a if name.startswith("on")]
    assert page.count("script") == 1
    text = "".join(page.text)
    # Shown as text: the Workspace (table, chart label and tooltip), the workflow, its
    # id, the rule (table, chart), the detail and the title.
    assert text.count(f"Workspace {HOSTILE}") >= 3
    for value in (f"Workflow {HOSTILE}", f"id-1-{HOSTILE}", f"Detail {HOSTILE}", HOSTILE):
        assert value in text
    assert text.count(f"rule-{HOSTILE}") >= 2
    # Inside the SVG too: the chart labels are escaped text, not markup.
    svg = page_source[page_source.index("<svg") : page_source.rindex("</svg>")]
    assert html_escaped(f"Workspace {HOSTILE}") in svg
    assert html_escaped(f"rule-{HOSTILE}") in svg
    assert HOSTILE not in "".join(page.attribute_values())


def html_escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def test_self_contained_nothing_is_fetched_and_nothing_links() -> None:
    page_source = render_html([record(1), record(2)], generated_at=NOW)
    page = Page(page_source)
    for tag in ("link", "img", "iframe", "object", "embed", "a", "base", "audio", "video"):
        assert page.count(tag) == 0, tag
    attributes = {name for _, a in page.tags for name in a}
    assert not attributes & {"href", "src", "srcset", "action", "xlink:href", "poster"}
    # The SVG namespace is a name, not a fetch; nothing else looks like a URL.
    urls = set(re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"'<>]*", page_source, re.IGNORECASE))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert "url(" not in page_source and "@import" not in page_source
    assert "//" not in "".join(page.scripts)


def test_the_csp_allows_only_the_page_s_own_script() -> None:
    page_source = render_html([record(1)], generated_at=NOW)
    page = Page(page_source)
    (policy,) = [
        a["content"]
        for tag, a in page.tags
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy == CSP
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    assert directives["style-src"] == "'unsafe-inline'"
    (script,) = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"
    # The CSP is the first thing in <head> after the charset: it covers all that follows.
    assert page.tags[2:4] == [
        ("meta", {"charset": "utf-8"}),
        ("meta", {"http-equiv": "Content-Security-Policy", "content": CSP}),
    ]


def test_charts_glance_and_table() -> None:
    records = [record(n, str(n % 2)) for n in range(1, 7)]
    page_source = render_html(records, generated_at=NOW, duration=12.5)
    page = Page(page_source)
    assert page.count("svg") == 4  # status per Workspace, findings, age, Profiles started
    text = " ".join(page.text)
    for caption in (
        "Workflows by status, per Workspace",
        "Findings by rule and severity",
        "Workflows by time since their last update",
        "Active workflows by Profiles started (previousDay)",
        "Workflows audited",
        "Could not be inspected",
        "Run time",
        "12.5 s",
    ):
        assert caption in text
    rows = [a for tag, a in page.tags if tag == "tr" and "data-s" in a]
    assert len(rows) == 12
    # Most serious first: the warnings, then the info findings; the Severity header says
    # so. Each header says how the script sorts its column; the script adds the buttons
    # (no button that would do nothing without it).
    assert [r["data-s"] for r in rows] == ["1"] * 6 + ["2"] * 6
    headers = [a for tag, a in page.tags if tag == "th"]
    assert [h["data-sort"] for h in headers] == ["text", "text", "text", "rank", "text", "date"]
    assert [h.get("aria-sort") for h in headers] == [None, None, None, "descending", None, None]
    assert page.count("button") == 0
    assert "New since the baseline" not in text


def test_the_table_is_capped_and_says_so() -> None:
    records = [record(n) for n in range(1, 6)]
    page = Page(render_html(records, generated_at=NOW, max_rows=3))
    assert len([a for tag, a in page.tags if tag == "tr" and "data-s" in a]) == 3
    assert "10 findings, the most serious first; the first 3 are listed here" in " ".join(page.text)


def test_a_given_summary_is_what_the_glance_shows() -> None:
    summary = AuditSummary()
    summary.count(status="Active", workspace="W", findings=[], error_kind="timeout")
    text = " ".join(Page(render_html([], summary=summary, generated_at=NOW)).text)
    assert "1 (timeout 1)" in text
    assert "Nothing to show." in text


def test_new_findings_are_counted_and_marked() -> None:
    one = record(1)
    comparison = BaselineComparison(
        new=frozenset({FindingKey.of(one, one.findings[1])}),
        resolved=frozenset({FindingKey("w", "d", "stale-draft"), FindingKey("w", HOSTILE, "x")}),
        unchanged=frozenset({FindingKey.of(one, one.findings[0])}),
    )
    page_source = render_html([one, record(2)], comparison=comparison, generated_at=NOW)
    text = " ".join(Page(page_source).text)
    assert "1 New since the baseline" in text
    assert "2 Resolved since the baseline" in text
    assert "1 Unchanged" in text
    assert page_source.count('<span class="new">new</span>') == 1
    # The resolved ones are listed (they are in no table), escaped like everything else.
    assert f"x: workflow {HOSTILE} in w" in "".join(Page(page_source).text)
    assert HOSTILE not in page_source


async def test_a_real_audit_renders_without_any_secret() -> None:
    async with FakeSynerise(seed=3, workspaces=2, workflows_per_workspace=15) as fake:
        user = fake.user
        async with (
            SyneriseClient(UserAuth(user.username, user.password), base_url=fake.url) as client,
            audit_workflows(client, workspaces="all") as run,
        ):
            records = [r async for r in run]
        assert fake.issued_tokens()  # JWTs were issued: none is in the page (below)
        secrets = {u.password for u in fake.users}
        for ws in fake.workspaces:
            secrets |= {ws.api_key, ws.profile_api_key}
    page_source = render_html(records)
    assert "eyJ" not in page_source  # every JWT starts so
    for secret in secrets:
        assert secret not in page_source
    page = Page(page_source)
    assert HOSTILE_NAME in "".join(page.text)
    assert page.count("script") == 1


@pytest.mark.parametrize("value", ["<", "&", '"', "'", ">"])
def test_one_character_escapes(value: str) -> None:
    page_source = render_html([record(1, value)], generated_at=NOW)
    assert f"Workflow {value}<" not in page_source
    assert f"Workflow {html_escaped(value)}" in page_source

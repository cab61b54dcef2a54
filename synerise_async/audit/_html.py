"""The audit as one self-contained HTML page, for the people who act on it.

Policy:

- One file that needs nothing else: no network access when opened (no CDN, no web
  fonts, no external images; a Content Security Policy says so), so it works from a
  mail attachment or a CI artifact.
- Readable without JavaScript: the charts are inline SVG, the findings table is all
  there, most serious first; a little script (allowed by its hash, nothing else is)
  adds filtering by Workspace, rule and severity, and sorting by any column (a button
  in each header, only when the script runs).
- Every value goes through :func:`_e` (``html.escape``), in text, attributes and SVG
  alike: workflow names and descriptions are user input. Nothing links anywhere: no
  guessed URLs into the Synerise app.
- Two Workspaces may share a name: the chart's rows and the Workspace filter go by
  key, and show the name with the key beside it where two share one.
- Plain, labelled charts in the Okabe-Ito colour-blind-safe palette, with the numbers
  beside or on the bars, so that no reading depends on colour alone.
- Records carry no credential, and nothing else goes in.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

from ..models.automation import WorkflowStatus
from ._baseline import BaselineComparison
from ._models import Finding, Severity, WorkflowAudit
from ._summary import AuditSummary, labels_of, summarize

__all__ = ["DEFAULT_HTML_ROWS", "render_html"]

#: The findings table shows at most this many rows, the most serious first: the charts
#: and counts cover every record, and the report file holds every finding. (About 4,000
#: findings, the demo's, make a page of about 1 MB.)
DEFAULT_HTML_ROWS: Final = 5000

#: The resolved findings listed by name at the top (the rest are counted).
_RESOLVED_LISTED: Final = 50

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
_ORANGE, _SKY, _GREEN, _YELLOW = "#E69F00", "#56B4E9", "#009E73", "#F0E442"
_BLUE, _VERMILLION, _PURPLE, _GREY = "#0072B2", "#D55E00", "#CC79A7", "#999999"

_STATUS_COLOURS: Final = {
    WorkflowStatus.ACTIVE.value: _GREEN,
    WorkflowStatus.SCHEDULED.value: _BLUE,
    WorkflowStatus.PENDING.value: _SKY,
    WorkflowStatus.PAUSED.value: _ORANGE,
    WorkflowStatus.DRAFT.value: _GREY,
    WorkflowStatus.STOPPED.value: _VERMILLION,
}
_OTHER_COLOUR: Final = _PURPLE
_SEVERITY_COLOURS: Final = {Severity.ERROR: _VERMILLION, Severity.WARNING: _ORANGE}
_SEVERITY_COLOURS[Severity.INFO] = _SKY
#: Fills dark enough for white numbers on them; the others get black ones.
_DARK: Final = frozenset({_BLUE, _VERMILLION, _GREEN})

#: Last-update age bins: (label, upper bound in days).
_AGE_BINS: Final = (
    ("< 1 wk", 7.0),
    ("1-4 wk", 30.0),
    ("1-3 mo", 91.0),
    ("3-6 mo", 182.0),
    ("6-12 mo", 365.0),
    ("1-2 yr", 730.0),
    ("> 2 yr", float("inf")),
)
#: Profiles-started bins: (label, upper bound, exclusive).
_STARTED_BINS: Final = (
    ("0", 1),
    ("1-9", 10),
    ("10-99", 100),
    ("100-999", 1000),
    ("1,000-9,999", 10_000),
    ("10,000+", None),
)

_WIDTH: Final = 520
_LABEL_WIDTH: Final = 150
_BAR_HEIGHT: Final = 22
_GAP: Final = 8

#: The findings table's columns and how the script sorts each (see ``_SCRIPT``).
_COLUMNS: Final = (
    ("Workspace", "text"),
    ("Workflow", "text"),
    ("Rule", "text"),
    ("Severity", "rank"),
    ("Detail", "text"),
    ("Last updated", "date"),
)

_STYLE: Final = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;
background:#fff;margin:0 auto;max-width:1100px;padding:16px 24px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .4em}
.scope{color:#444;margin:0 0 1em}
.glance{display:flex;flex-wrap:wrap;gap:10px;margin:0;padding:0;list-style:none}
.glance li{border:1px solid #bbb;border-radius:6px;padding:8px 14px;min-width:120px}
.glance b{display:block;font-size:1.6em}
.charts{display:flex;flex-wrap:wrap;gap:12px 32px}
figure{margin:0}figcaption{font-weight:600;margin:.4em 0}
svg text{font:12px system-ui,sans-serif}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2;position:sticky;top:0}
td code{color:#555;font-size:.85em}
.sev{font-weight:600;white-space:nowrap}
.sev::before{content:"";display:inline-block;width:.7em;height:.7em;margin-right:.3em;
border-radius:2px;background:var(--c)}
.new{background:#000;color:#fff;border-radius:3px;padding:0 4px;font-size:.8em;margin-left:4px}
form{margin:.5em 0}label{margin-right:12px}
th button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer;
text-align:left;white-space:nowrap}th button::after{content:"\\2195";color:#888;margin-left:.3em}
th[aria-sort=ascending] button::after{content:"\\25B2";color:inherit}
th[aria-sort=descending] button::after{content:"\\25BC";color:inherit}
"""

# The whole script; the CSP allows it by its hash. It shows and hides rows (the
# filters), and puts a button in each header that sorts the rows by that column (its
# th's data-sort: "text" by the locale's collation, "rank" by severity, "date" by the
# ISO date), again to reverse; the th's aria-sort says how the table is sorted.
_SCRIPT: Final = (
    "(function(){var f=document.getElementById('filters'),t=document.getElementById("
    "'findings');if(!f||!t)return;f.hidden=false;var s=f.querySelectorAll('select'),"
    "body=t.tBodies[0],rows=[].slice.call(body.rows),out=document.getElementById('shown'),"
    "hs=t.tHead.rows[0].cells,abc=new Intl.Collator(undefined,{numeric:true});"
    "function apply(){var w=s[0].value,r=s[1].value,v=s[2].value,n=0;for(var i=0;"
    "i<rows.length;i++){var d=rows[i].dataset,ok=(!w||d.w===w)&&(!r||d.r===r)&&(!v||"
    "d.s===v);rows[i].hidden=!ok;if(ok)n++}out.textContent=n+' of '+rows.length+"
    "' findings shown'}function sort(h){var i=h.cellIndex,k=h.dataset.sort,dir="
    "h.getAttribute('aria-sort')==='ascending'?-1:1,keyed=rows.map(function(row){var c="
    "row.cells[i];return[k==='rank'?-row.dataset.s:(c.firstChild||c).textContent,row]});"
    "keyed.sort(function(a,b){a=a[0];b=b[0];return dir*(k==='text'?abc.compare(a,b):"
    "a<b?-1:a>b?1:0)});rows=keyed.map(function(p){return p[1]});var g="
    "document.createDocumentFragment();for(var j=0;j<rows.length;j++)g.appendChild("
    "rows[j]);body.appendChild(g);for(j=0;j<hs.length;j++)hs[j].removeAttribute("
    "'aria-sort');h.setAttribute('aria-sort',dir>0?'ascending':'descending')}"
    "[].forEach.call(hs,function(h){var b=document.createElement('button');b.type="
    "'button';b.textContent=h.textContent;h.textContent='';h.appendChild(b);"
    "b.addEventListener('click',function(){sort(h)})});for(var i=0;i<s.length;i++)"
    "s[i].addEventListener('change',apply);apply()})();"
)
_SCRIPT_HASH: Final = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    """The one escaping helper: every value in the page goes through it."""
    return html.escape(str(value), quote=True)


def _n(count: int) -> str:
    return f"{count:,}"


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _legend(keys: Sequence[str], colours: dict[str, str], y: int) -> list[str]:
    parts, x = [], _LABEL_WIDTH
    for key in keys:
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colours.get(key, _OTHER_COLOUR)}"'
            f' stroke="#333" stroke-width=".5"/><text x="{x + 16}" y="{y + 10}">{_e(key)}</text>'
        )
        x += 28 + 7 * len(key)
    return parts


def _stacked_bars(
    caption: str, rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], colours: dict[str, str]
) -> str:
    """Horizontal stacked bars, one per row, each segment's count on it when it fits
    and the row's total beside it; a legend of the segment keys above."""
    if not rows:
        return _figure(caption, "<p>Nothing to show.</p>")
    keys = list(dict.fromkeys(key for _, parts in rows for key, n in parts if n))
    biggest = max(sum(n for _, n in parts) for _, parts in rows) or 1
    room = _WIDTH - _LABEL_WIDTH - 60
    top = 26
    body = _legend(keys, colours, 4)
    for index, (label, parts) in enumerate(rows):
        y = top + index * (_BAR_HEIGHT + _GAP)
        total = sum(n for _, n in parts)
        body.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f"<title>{_e(label)}</title>{_e(_short(label))}</text>"
        )
        x = float(_LABEL_WIDTH)
        for key, count in parts:
            if not count:
                continue
            width = room * count / biggest
            fill = colours.get(key, _OTHER_COLOUR)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{_BAR_HEIGHT}" '
                f'fill="{fill}"><title>{_e(label)}: {_e(key)} {_n(count)}</title></rect>'
            )
            if width >= 8 * len(_n(count)) + 6:
                ink = "#fff" if fill in _DARK else "#000"
                body.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + 15}" text-anchor="middle" '
                    f'fill="{ink}">{_n(count)}</text>'
                )
            x += width
        body.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{_n(total)}</text>')
    height = top + len(rows) * (_BAR_HEIGHT + _GAP)
    return _figure(caption, _svg(caption, height, body))


def _columns(caption: str, bins: Sequence[tuple[str, int]], colour: str, axis: str) -> str:
    """A histogram: one column per bin, its count above it, the bin's label below."""
    height, base, top = 230, 190, 20
    slot = (_WIDTH - 40) / max(len(bins), 1)
    biggest = max((n for _, n in bins), default=0) or 1
    body = [f'<line x1="20" y1="{base}" x2="{_WIDTH - 20}" y2="{base}" stroke="#333"/>']
    for index, (label, count) in enumerate(bins):
        x = 20 + index * slot
        bar = (base - top - 14) * count / biggest
        body.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - bar:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar:.1f}" fill="{colour}"><title>{_e(label)}: {_n(count)}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{base - bar - 4:.1f}" text-anchor="middle">'
            f"{_n(count)}</text>"
            f'<text x="{x + slot / 2:.1f}" y="{base + 16}" text-anchor="middle">{_e(label)}</text>'
        )
    body.append(
        f'<text x="{_WIDTH / 2:.0f}" y="{height - 4}" text-anchor="middle" fill="#444">'
        f"{_e(axis)}</text>"
    )
    return _figure(caption, _svg(caption, height, body))


def _svg(label: str, height: int, body: Iterable[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{_e(label)}">'
        + "".join(body)
        + "</svg>"
    )


def _figure(caption: str, content: str) -> str:
    return f"<figure><figcaption>{_e(caption)}</figcaption>{content}</figure>"


def _status_chart(records: Sequence[WorkflowAudit], labels: dict[str, str]) -> str:
    per: dict[str, Counter[str]] = {}
    for record in records:
        status = record.workflow.status
        per.setdefault(record.workspace.key, Counter())[
            status.value if status is not None else "unknown"
        ] += 1
    order = [s for s in _STATUS_COLOURS if any(s in c for c in per.values())]
    order += sorted({s for c in per.values() for s in c} - set(order))
    rows = [
        (labels[key], [(s, per[key][s]) for s in order])
        for key in sorted(per, key=lambda key: (labels[key], key))
    ]
    return _stacked_bars("Workflows by status, per Workspace", rows, _STATUS_COLOURS)


def _findings_chart(records: Sequence[WorkflowAudit]) -> str:
    per: dict[str, Counter[Severity]] = {}
    for record in records:
        for finding in record.findings:
            per.setdefault(finding.code, Counter())[finding.severity] += 1
    ranked = sorted(per.items(), key=lambda item: (-max(item[1]).rank, -item[1].total(), item[0]))
    levels = sorted(Severity, reverse=True)
    rows = [(code, [(s.value, counts[s]) for s in levels]) for code, counts in ranked]
    colours = {s.value: c for s, c in _SEVERITY_COLOURS.items()}
    return _stacked_bars("Findings by rule and severity", rows, colours)


def _age_chart(records: Sequence[WorkflowAudit]) -> str:
    counts = Counter[str]()
    for record in records:
        days = record.days_since_update()
        label = (
            "unknown" if days is None else next(name for name, limit in _AGE_BINS if days < limit)
        )
        counts[label] += 1
    bins = [(name, counts[name]) for name, _ in _AGE_BINS]
    if counts["unknown"]:
        bins.append(("unknown", counts["unknown"]))
    return _columns(
        "Workflows by time since their last update",
        bins,
        _BLUE,
        "time since the last update, at the audit",
    )


def _started_chart(records: Sequence[WorkflowAudit]) -> str:
    counts = Counter[str]()
    periods = set()
    for record in records:
        if record.workflow.status != WorkflowStatus.ACTIVE:
            continue
        periods.add(record.time_period.value)
        started = record.statistics.started if record.statistics is not None else None
        if started is None:
            counts["no statistics"] += 1
            continue
        counts[next(name for name, limit in _STARTED_BINS if limit is None or started < limit)] += 1
    bins = [(name, counts[name]) for name, _ in _STARTED_BINS]
    if counts["no statistics"]:
        bins.append(("no statistics", counts["no statistics"]))
    period = ", ".join(sorted(periods)) or "the period"
    return _columns(
        f"Active workflows by Profiles started ({period})",
        bins,
        _GREEN,
        "Profiles that started the workflow in the period",
    )


def _glance(
    summary: AuditSummary, comparison: BaselineComparison | None, duration: float | None
) -> str:
    items = [("Workflows audited", _n(summary.workflows))]
    not_inspected = _n(summary.errors)
    if summary.errors_by_kind:
        kinds = ", ".join(f"{k} {_n(n)}" for k, n in sorted(summary.errors_by_kind.items()))
        not_inspected += f" ({kinds})"
    items.append(("Could not be inspected", not_inspected))
    items.extend(
        (f"{s.value.capitalize()} findings", _n(summary.findings_by_severity[s]))
        for s in sorted(Severity, reverse=True)
    )
    if comparison is not None:
        items.append(("New since the baseline", _n(len(comparison.new))))
        items.append(("Resolved since the baseline", _n(len(comparison.resolved))))
        items.append(("Unchanged", _n(len(comparison.unchanged))))
    if duration is not None:
        items.append(("Run time", f"{duration:,.1f} s"))
    return (
        '<ul class="glance">'
        + "".join(f"<li><b>{_e(value)}</b>{_e(label)}</li>" for label, value in items)
        + "</ul>"
    )


def _resolved(comparison: BaselineComparison | None) -> str:
    """The findings the baseline had and this run has not (they are in no table)."""
    if comparison is None or not comparison.resolved:
        return ""
    keys = sorted(comparison.resolved)
    items = "".join(
        f"<li>{_e(k.rule)}: workflow <code>{_e(k.workflow)}</code> in {_e(k.workspace)}</li>"
        for k in keys[:_RESOLVED_LISTED]
    )
    more = len(keys) - _RESOLVED_LISTED
    tail = f"<p>{_e(_n(more))} more.</p>" if more > 0 else ""
    baseline = f" (baseline {comparison.baseline.name})" if comparison.baseline else ""
    return (
        f"<details><summary>{_e(f'Resolved since the baseline{baseline}')}</summary>"
        f"<ul>{items}</ul>{tail}</details>"
    )


def _scope(
    records: Sequence[WorkflowAudit], labels: dict[str, str], generated_at: dt.datetime
) -> str:
    workspaces = sorted(labels.values())
    periods = sorted({r.time_period.value for r in records})
    moments = [r.audited_at for r in records]
    parts = [
        f"{len(workspaces)} Workspace{'s' if len(workspaces) != 1 else ''}"
        + (f": {', '.join(workspaces)}" if workspaces else ""),
        f"statistics period: {', '.join(periods) or 'none'}",
    ]
    if moments:
        parts.append(f"audited {min(moments):%Y-%m-%d %H:%M} to {max(moments):%Y-%m-%d %H:%M} UTC")
    parts.append(f"report made {generated_at:%Y-%m-%d %H:%M} UTC")
    return f'<p class="scope">{_e("; ".join(parts))}</p>'


def _table(
    records: Sequence[WorkflowAudit],
    labels: dict[str, str],
    comparison: BaselineComparison | None,
    max_rows: int | None,
) -> str:
    rows: list[tuple[WorkflowAudit, Finding]] = [(r, f) for r in records for f in r.findings]
    rows.sort(
        key=lambda rf: (
            -rf[1].severity.rank,
            labels[rf[0].workspace.key],
            rf[0].workspace.key,
            rf[0].workflow.name or "",
            rf[0].workflow.diagram_id,
            rf[1].code,
        )
    )
    total = len(rows)
    if max_rows is not None:
        del rows[max_rows:]
    # The Workspace filter goes by key: two Workspaces may share a name.
    workspaces = sorted({r.workspace.key for r, _ in rows}, key=lambda key: (labels[key], key))
    codes = sorted({f.code for _, f in rows})
    levels = sorted(Severity, reverse=True)
    w_index = {key: i for i, key in enumerate(workspaces)}
    c_index = {code: i for i, code in enumerate(codes)}

    def select(label: str, options: Sequence[str]) -> str:
        choices = "".join(f'<option value="{i}">{_e(o)}</option>' for i, o in enumerate(options))
        return f'<label>{_e(label)} <select><option value="">all</option>{choices}</select></label>'

    form = (
        '<form id="filters" hidden>'
        + select("Workspace", [labels[key] for key in workspaces])
        + select("Rule", codes)
        + select("Severity", [s.value for s in levels])
        + ' <output id="shown"></output></form>'
    )
    body = []
    for record, finding in rows:
        updated = record.workflow.updated or record.workflow.created
        colour = _SEVERITY_COLOURS[finding.severity]
        new = comparison is not None and comparison.is_new(record, finding)
        marker = '<span class="new">new</span>' if new else ""
        body.append(
            f'<tr data-w="{w_index[record.workspace.key]}" data-r="{c_index[finding.code]}" '
            f'data-s="{levels.index(finding.severity)}"><td>{_e(labels[record.workspace.key])}</td>'
            f"<td>{_e(record.workflow.name or '(no name)')}<br>"
            f"<code>{_e(record.workflow.diagram_id)}</code></td>"
            f"<td>{_e(finding.code)}{marker}</td>"
            f'<td class="sev" style="--c:{colour}">{_e(finding.severity.value)}</td>'
            f"<td>{_e(finding.message)}</td>"
            f"<td>{_e(f'{updated:%Y-%m-%d}' if updated else '')}</td></tr>"
        )
    # The rows come most serious first, and the Severity header says so.
    head = "".join(
        f'<th data-sort="{kind}"'
        + (' aria-sort="descending"' if kind == "rank" else "")
        + f">{_e(name)}</th>"
        for name, kind in _COLUMNS
    )
    shown = f"{_n(total)} findings, the most serious first"
    if len(rows) < total:
        shown += f"; the first {_n(len(rows))} are listed here, every one is in the report file"
    return (
        f"<p>{_e(shown)}.</p>{form}"
        f'<table id="findings"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(body)
        + "</tbody></table>"
    )


def render_html(
    records: Iterable[WorkflowAudit],
    *,
    summary: AuditSummary | None = None,
    comparison: BaselineComparison | None = None,
    title: str = "Workflow audit",
    generated_at: dt.datetime | None = None,
    duration: float | None = None,
    max_rows: int | None = DEFAULT_HTML_ROWS,
) -> str:
    """Render audit records as one self-contained HTML page (see the module's policy).

    Args:
        records: the records to show (charts and findings table).
        summary: their counts for the figures at the top; by default counted from
            ``records``.
        comparison: a comparison with a baseline: its new and resolved findings are
            counted at the top, and new ones are marked in the table.
        title: the page's title and heading.
        generated_at: when the page was made (aware); now by default.
        duration: the run's time in seconds, when known.
        max_rows: list at most this many findings in the table, the most serious
            first (None: all); the charts and counts cover every record.

    Returns:
        The page, as text (write it as UTF-8).
    """
    records = list(records)
    if summary is None:
        summary = summarize(records)
    made = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    labels = labels_of(records)
    charts = "".join(
        (
            _status_chart(records, labels),
            _findings_chart(records),
            _age_chart(records),
            _started_chart(records),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>{_scope(records, labels, made)}"
        f"{_glance(summary, comparison, duration)}{_resolved(comparison)}"
        f'<h2>Charts</h2><div class="charts">{charts}</div>'
        f"<h2>Findings</h2>{_table(records, labels, comparison, max_rows)}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )

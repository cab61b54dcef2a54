"""What ``synerise-async audit`` is asked to do: its flags, the environment, the
credentials they name, as :class:`Settings`; and the exit codes it answers with.

The command is described in :mod:`synerise_async.cli`; it runs in :mod:`._run`.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, NoReturn

import attrs

from .._config import DEFAULT_BASE_URL, REGIONS, ClientConfig, shown_proxy
from .._exceptions import InvalidArgumentError
from .._validation import check_enum
from .._version import __version__
from ..auth import BasicAuth, Credentials, MfaCode, UserAuth, WorkspaceAuth, totp
from ..models.auth import MfaType
from ..models.automation import TimePeriod
from ._baseline import Baseline, read_baseline
from ._job import DEFAULT_CONCURRENCY
from ._models import (
    DEFAULT_FAILED_RECORDS,
    DEFAULT_MIN_STARTED,
    DEFAULT_PAUSED_DAYS,
    DEFAULT_STALE_DRAFT_DAYS,
    Include,
    Severity,
    Thresholds,
)
from ._overview import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from ._report import ReportError, ReportFormat
from ._rules import RULES, RuleInfo, select_rules

__all__ = [
    "DEFAULT_OUT",
    "DEMO_FAULTS",
    "DEMO_LATENCY",
    "DEMO_RETRY_AFTER",
    "DEMO_SEED",
    "DEMO_WORKFLOWS",
    "DEMO_WORKSPACES",
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "JUNIT",
    "STDOUT",
    "Demo",
    "NoMfaCode",
    "ReportSettings",
    "Settings",
    "UsageError",
    "build_parser",
    "report_settings_from",
    "rules_table",
    "settings_from",
]


#: The report file when ``--out`` is not given.
DEFAULT_OUT: Final = "audit-report"

#: The demo: a fake API with this seed, Workspaces, workflows in all, added latency
#: per request, and share of requests failing transiently (429 or 503, then retried).
DEMO_SEED: Final = 2024
DEMO_WORKSPACES: Final = 3
DEMO_WORKFLOWS: Final = 3000
DEMO_LATENCY: Final = 0.003
DEMO_FAULTS: Final = 0.02
DEMO_RETRY_AFTER: Final = 0.05

_ENV_API_KEY: Final = "SYNERISE_API_KEY"
_ENV_BASIC_GUID: Final = "SYNERISE_BASIC_GUID"
_ENV_USERNAME: Final = "SYNERISE_USERNAME"
_ENV_PASSWORD: Final = "SYNERISE_PASSWORD"
_ENV_BASE_URL: Final = "SYNERISE_BASE_URL"
_ENV_MFA_CODE: Final = "SYNERISE_MFA_CODE"
_ENV_TOTP_SECRET: Final = "SYNERISE_TOTP_SECRET"
_ENV_MFA_TYPE: Final = "SYNERISE_MFA_TYPE"
#: Set by GitHub Actions: a Markdown file shown on the job's page.
_ENV_STEP_SUMMARY: Final = "GITHUB_STEP_SUMMARY"
#: ``--format junit``: JUnit XML, written at the end of the run.
JUNIT: Final = "junit"

#: ``--out -``: the report goes to stdout (and the summary to stderr).
STDOUT: Final = "-"


class UsageError(Exception):
    """A problem with the command line or the environment (exit code 2)."""


class NoMfaCode(Exception):
    """A User with MFA, and no way to get a code (exit code 2)."""

    def __init__(self) -> None:
        super().__init__(
            "this User has MFA: give the code with --mfa-code or "
            f"${_ENV_MFA_CODE}, the authenticator's secret with ${_ENV_TOTP_SECRET} "
            "(for unattended runs), or run on a terminal to be asked for it"
        )


# The terminal seam: tests replace these two, nothing else does.
def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _ask_secret(prompt: str) -> str:
    return getpass.getpass(prompt)  # no echo


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse repeats unrecognized arguments verbatim; one may be a secret that
        # followed a mistyped flag (`--api-ky KEY`), so only flag names are repeated.
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            words = message[len(prefix) :].split()
            flags = [w.split("=", 1)[0] for w in words if w.startswith("-")]
            values = len(words) - len(flags)
            shown = " ".join(flags) + (f" (and {values} more)" if values else "")
            message = prefix + shown.strip()
        super().error(message)


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a non-negative number")
    return value


def _rate(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _proxy_url(text: str) -> str:
    try:
        ClientConfig(proxy=text)
    except InvalidArgumentError:
        # Shown without credentials: the URL may hold a password.
        raise argparse.ArgumentTypeError(
            f"not an http:// or https:// URL with a host and port: {shown_proxy(text)}"
        ) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="synerise-async",
        description="Tools built on the synerise-async SDK.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit = commands.add_parser(
        "audit",
        help="audit the automation workflows of one or more Workspaces",
        description="Audit automation workflows: fetch each one's statistics and last "
        "data run, apply the rules, and write a JSON Lines or CSV report.",
        epilog="Exit codes: 0 done, 1 a finding at or above --fail-on, 2 usage or "
        "credentials problem, 3 incomplete (run again with --resume), 130 interrupted.",
        allow_abbrev=False,
    )
    audit.error = parser.error  # type: ignore[method-assign]

    creds = audit.add_argument_group(
        "credentials (flags win over the environment; prefer the environment)"
    )
    creds.add_argument("--api-key", help=f"a Workspace API key [${_ENV_API_KEY}]")
    creds.add_argument(
        "--basic-guid",
        help=f"with an API key: use Basic authentication with this GUID [${_ENV_BASIC_GUID}]",
    )
    creds.add_argument("--username", help=f"a User's login [${_ENV_USERNAME}]")
    creds.add_argument(
        "--password",
        help=f"the User's password [${_ENV_PASSWORD}]; asked for on a terminal when missing",
    )
    creds.add_argument(
        "--mfa-code",
        help=f"a User's MFA code [${_ENV_MFA_CODE}; or ${_ENV_TOTP_SECRET}, the "
        "authenticator's base32 secret]; asked for on a terminal when missing",
    )
    creds.add_argument(
        "--mfa-type",
        type=str.upper,
        choices=[m.value for m in MfaType],
        help=f"the second factor to verify [${_ENV_MFA_TYPE}]; by default the one the login offers",
    )
    where = creds.add_mutually_exclusive_group()
    where.add_argument("--base-url", help=f"the API host [${_ENV_BASE_URL}; {DEFAULT_BASE_URL}]")
    where.add_argument("--region", choices=sorted(REGIONS), help="a documented API host")
    creds.add_argument(
        "--proxy",
        type=_proxy_url,
        metavar="URL",
        help="send through this http(s) proxy [default: $HTTPS_PROXY / $HTTP_PROXY, "
        "honouring $NO_PROXY]",
    )

    scope = audit.add_argument_group("Workspaces (User credentials only; default: all)")
    chosen = scope.add_mutually_exclusive_group()
    chosen.add_argument(
        "--workspace",
        action="append",
        metavar="WORKSPACE",
        help="a Workspace UUID, numeric id or name (repeat for more)",
    )
    chosen.add_argument(
        "--all-workspaces", action="store_true", help="every Workspace the User can access"
    )

    work = audit.add_argument_group("what to fetch")
    work.add_argument(
        "--time-period",
        choices=[p.value for p in TimePeriod],
        default=TimePeriod.PREVIOUS_DAY.value,
        help="the period of the statistics (default previousDay)",
    )
    work.add_argument(
        "--concurrency",
        type=_count(1),
        default=DEFAULT_CONCURRENCY,
        help=f"workflows (and requests) in progress at once (default {DEFAULT_CONCURRENCY})",
    )
    work.add_argument("--rate", type=_rate, help="at most this many requests per second")
    work.add_argument("--no-statistics", action="store_true", help="skip statistics")
    work.add_argument("--no-last-run", action="store_true", help="skip last data runs")

    rules = audit.add_argument_group("rules")
    rules.add_argument(
        "--stale-draft-days",
        type=_count(0),
        default=DEFAULT_STALE_DRAFT_DAYS,
        help=f"flag drafts not updated for this many days (default {DEFAULT_STALE_DRAFT_DAYS})",
    )
    rules.add_argument(
        "--paused-days",
        type=_count(0),
        default=DEFAULT_PAUSED_DAYS,
        help=f"flag workflows paused for more days than this (default {DEFAULT_PAUSED_DAYS})",
    )
    rules.add_argument(
        "--min-started",
        type=_count(0),
        default=DEFAULT_MIN_STARTED,
        help="flag active workflows that fewer Profiles than this started in the period "
        f"(default {DEFAULT_MIN_STARTED}; 0: off)",
    )
    rules.add_argument(
        "--failed-records",
        type=_count(0),
        default=DEFAULT_FAILED_RECORDS,
        help="flag last data runs with at least this many failed records "
        f"(default {DEFAULT_FAILED_RECORDS}; 0: off)",
    )
    rules.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        help="exit with 1 when a finding is at least this severe (with --baseline: a new one)",
    )
    _add_selection_flags(rules)

    output = audit.add_argument_group("output")
    output.add_argument(
        "--out",
        type=Path,
        help=f"the report file (default {DEFAULT_OUT}.jsonl or .csv); - for stdout (the "
        "summary then goes to stderr)",
    )
    output.add_argument(
        "--format",
        choices=[*(f.value for f in ReportFormat), JUNIT],
        help="jsonl (default), csv or junit (JUnit XML, written at the end: each workflow "
        "a test case, failing on the findings that fail the run); by default from the "
        "--out suffix (.csv, .xml)",
    )
    existing = output.add_mutually_exclusive_group()
    existing.add_argument(
        "--resume",
        action="store_true",
        help="keep the records already in --out and audit only the others",
    )
    existing.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a report already in --out (without it, or --resume, the command "
        "refuses to touch one)",
    )
    output.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write an HTML report (charts and findings; one self-contained file), "
        "at the end, also of an interrupted run; the demo writes one next to --out",
    )
    output.add_argument("--quiet", action="store_true", help="no progress (the summary stays)")
    output.add_argument("--no-summary", action="store_true", help="no summary at the end")
    output.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeat for debug logs)"
    )

    _add_summary_flags(audit)

    demo = audit.add_argument_group("demo")
    demo.add_argument(
        "--demo",
        action="store_true",
        help="audit a fake Synerise API started in this process (3 Workspaces, "
        f"{DEMO_WORKFLOWS} workflows, some transient faults)",
    )
    # For tests and benchmarks: not part of the command's promise.
    demo.add_argument("--demo-workflows", type=_count(0), help=argparse.SUPPRESS)
    demo.add_argument("--demo-latency", type=_seconds, help=argparse.SUPPRESS)
    demo.add_argument("--demo-faults", type=_seconds, help=argparse.SUPPRESS)
    demo.add_argument("--progress-interval", type=_seconds, help=argparse.SUPPRESS)

    report = commands.add_parser(
        "report",
        help="make an HTML report of an audit report file",
        description="Read an audit report (JSON Lines or CSV; finished, resumed or "
        "interrupted) and write an HTML report of it: charts and findings, one "
        "self-contained file. The report file is only read.",
        epilog="Exit codes: 0 written, 2 usage or report-file problem.",
        allow_abbrev=False,
    )
    report.error = parser.error  # type: ignore[method-assign]
    report.add_argument("report", type=Path, metavar="REPORT", help="the audit report file")
    report.add_argument(
        "--format",
        choices=[f.value for f in ReportFormat],
        help="jsonl or csv; by default from the REPORT suffix",
    )
    report.add_argument(
        "--html", type=Path, metavar="FILE", required=True, help="the HTML file to write"
    )
    return parser


# --- rule selection, baselines and summaries (issue 12) -------------------------------


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def rules_table() -> str:
    """What ``--list-rules`` prints: each rule's name, severity, threshold flag and what it
    flags (from the one table, :data:`~._rules.RULES`)."""

    def flag(match: re.Match[str]) -> str:
        return "--" + match.group(1).replace("_", "-")

    rows = [
        (
            info.code,
            info.severity.value,
            info.flag or "-",
            # The docstring's first paragraph after "``code`` (severity):", with flags
            # for the thresholds it names.
            re.sub(r"``(\w+)``", flag, (info.rule.__doc__ or "").split(":", 1)[-1])
            .split("\n\n")[0]
            .strip(),
        )
        for info in RULES
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + " ".join(row[3].split())
        + "\n"
        for row in rows
    )


class _ListRules(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        sys.stdout.write(rules_table())
        parser.exit()


def _add_selection_flags(rules: argparse._ArgumentGroup) -> None:
    rules.add_argument(
        "--rules",
        action="extend",
        type=_names,
        metavar="NAMES",
        help="apply only these rules (comma-separated, or repeat the flag; see --list-rules)",
    )
    rules.add_argument(
        "--skip-rules",
        action="extend",
        type=_names,
        metavar="NAMES",
        help="do not apply these rules",
    )
    rules.add_argument(
        "--list-rules",
        action=_ListRules,
        help="list the rules: name, severity, threshold flag; then exit",
    )


def _add_summary_flags(audit: argparse.ArgumentParser) -> None:
    group = audit.add_argument_group("baselines and summaries for CI")
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="REPORT",
        help="an earlier report of the same Workspaces: --fail-on counts only findings "
        "it does not have (compared by Workspace, workflow and rule)",
    )
    group.add_argument(
        "--summary-json",
        type=Path,
        metavar="FILE",
        help="write the summary as JSON (schema: synerise_async/audit/summary.schema.json)",
    )
    group.add_argument(
        "--summary-md", type=Path, metavar="FILE", help="write the summary as Markdown"
    )
    group.add_argument(
        "--no-step-summary",
        action="store_true",
        help=f"do not append the Markdown summary to ${_ENV_STEP_SUMMARY} (GitHub Actions)",
    )


def _selected_rules(args: argparse.Namespace) -> tuple[RuleInfo, ...]:
    try:
        rules = select_rules(args.rules, args.skip_rules or ())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not rules:  # an audit without rules would pass every --fail-on
        raise UsageError(
            "--rules and --skip-rules leave no rule to apply; the rules are "
            + ", ".join(info.code for info in RULES)
        )
    return rules


def _baseline(args: argparse.Namespace) -> Baseline | None:
    if args.baseline is None:
        return None
    try:
        return read_baseline(args.baseline)
    except ReportError as exc:
        raise UsageError(f"--baseline: {exc}") from None


@attrs.frozen(kw_only=True)
class Demo:
    workflows: int
    latency: float
    faults: float


@attrs.frozen(kw_only=True)
class Settings:
    """Everything the audit needs, resolved from the flags and the environment."""

    auth: Credentials | None = attrs.field(repr=False)
    base_url: str
    proxy: str | None = attrs.field(repr=False)
    demo: Demo | None
    workspaces: list[str] | None
    all_workspaces: bool
    time_period: TimePeriod
    concurrency: int
    rate: float | None
    include: Include
    thresholds: Thresholds
    fail_on: Severity | None
    out: Path
    to_stdout: bool
    format: ReportFormat
    resume: bool
    quiet: bool
    progress_interval: float | None
    junit: bool = False
    rules: tuple[RuleInfo, ...] = RULES
    baseline: Baseline | None = attrs.field(default=None, repr=False)
    summary_json: Path | None = None
    summary_md: Path | None = None
    step_summary: Path | None = None
    show_summary: bool = True
    html: Path | None = None


@attrs.frozen(kw_only=True)
class ReportSettings:
    """What ``synerise-async report`` is asked to do."""

    report: Path
    format: ReportFormat
    html: Path


def _output_path(label: str, path: Path) -> Path:
    """``path``, checked before the audit runs: a file that can be made."""
    if path.is_dir():
        raise UsageError(f"{label} {path} is a directory")
    if not path.parent.is_dir():
        raise UsageError(f"{label} {path}: no directory {path.parent}")
    return path


def _distinct(paths: list[tuple[str, Path | None]]) -> None:
    """Refuse two of ``paths`` (label, path) that name one file: the later would replace it."""
    seen: dict[Path, str] = {}
    for label, path in paths:
        if path is None:
            continue
        where = path.resolve()
        if where in seen:
            raise UsageError(f"{label} and {seen[where]} name the same file")
        seen[where] = label


def report_settings_from(args: argparse.Namespace) -> ReportSettings:
    """The settings of ``synerise-async report``, checked."""
    if not args.report.is_file():
        raise UsageError(f"{args.report}: no such report file")
    html = _output_path("--html", args.html)
    if html.resolve() == args.report.resolve():
        raise UsageError("--html would replace the report it is made from")
    fmt = ReportFormat(args.format) if args.format else ReportFormat.for_path(args.report)
    return ReportSettings(report=args.report, format=fmt, html=html)


def _credentials(args: argparse.Namespace, env: Mapping[str, str]) -> Credentials:
    def pick(flag: str | None, name: str) -> str | None:
        return flag or env.get(name) or None

    key = pick(args.api_key, _ENV_API_KEY)
    username = pick(args.username, _ENV_USERNAME)
    password = pick(args.password, _ENV_PASSWORD)
    use_key, use_user = bool(key), bool(username or password)
    if use_key and use_user:
        # A kind given by flags wins over the other kind found in the environment.
        key_flag, user_flag = bool(args.api_key), bool(args.username or args.password)
        if key_flag == user_flag:
            raise UsageError(
                "give either an API key or a username and password, not both "
                f"(check ${_ENV_API_KEY}, ${_ENV_USERNAME}, ${_ENV_PASSWORD})"
            )
        use_key, use_user = key_flag, user_flag
    if use_key:
        assert key is not None
        guid = pick(args.basic_guid, _ENV_BASIC_GUID)
        return BasicAuth(guid, key) if guid else WorkspaceAuth(key)
    if use_user:
        if not username:
            raise UsageError(f"a password needs a username (--username or ${_ENV_USERNAME})")
        if not password:
            if not _stdin_is_terminal():
                raise UsageError(f"no password: set ${_ENV_PASSWORD} (or --password)")
            password = _ask_secret("Synerise password: ")
        mfa_type: MfaType | None = None
        if chosen := args.mfa_type or env.get(_ENV_MFA_TYPE, "").strip():
            try:
                mfa_type = check_enum(f"${_ENV_MFA_TYPE}", chosen, MfaType)
            except InvalidArgumentError as exc:
                raise UsageError(str(exc)) from None
        return UserAuth(username, password, mfa=_mfa(args, env), mfa_type=mfa_type)
    raise UsageError(
        f"no credentials: set ${_ENV_API_KEY}, or ${_ENV_USERNAME} and ${_ENV_PASSWORD} "
        "(or try --demo)"
    )


def _mfa(args: argparse.Namespace, env: Mapping[str, str]) -> MfaCode:
    """Where a User's MFA code comes from, first found wins; asked only if the login
    asks for one."""
    code = args.mfa_code or env.get(_ENV_MFA_CODE)
    if code:
        return str(code).strip()
    secret = env.get(_ENV_TOTP_SECRET)
    if secret:
        try:
            return totp(secret)
        except InvalidArgumentError:
            raise UsageError(
                f"${_ENV_TOTP_SECRET} is not a base32 secret (the value is not shown)"
            ) from None
    if _stdin_is_terminal():
        return lambda: _ask_secret("Synerise MFA code: ").strip()

    def unavailable() -> str:
        raise NoMfaCode

    return unavailable


def settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    demo: Demo | None = None
    auth: Credentials | None = None
    base_url = DEFAULT_BASE_URL
    if args.demo:
        given = [
            flag
            for flag, value in (
                ("--api-key", args.api_key),
                ("--basic-guid", args.basic_guid),
                ("--username", args.username),
                ("--password", args.password),
                ("--base-url", args.base_url),
                ("--region", args.region),
                ("--mfa-code", args.mfa_code),
                ("--mfa-type", args.mfa_type),
                ("--workspace", args.workspace),
            )
            if value
        ]
        if given:
            raise UsageError(f"--demo brings its own API and User; drop {', '.join(given)}")
        demo = Demo(
            workflows=DEMO_WORKFLOWS if args.demo_workflows is None else args.demo_workflows,
            latency=DEMO_LATENCY if args.demo_latency is None else args.demo_latency,
            faults=DEMO_FAULTS if args.demo_faults is None else min(args.demo_faults, 1.0),
        )
    else:
        if args.demo_workflows is not None or args.demo_latency is not None:
            raise UsageError("--demo-workflows and --demo-latency need --demo")
        auth = _credentials(args, env)
        if args.region:
            base_url = REGIONS[args.region]
        else:
            base_url = args.base_url or env.get(_ENV_BASE_URL) or DEFAULT_BASE_URL
        if (args.workspace or args.all_workspaces) and not isinstance(auth, UserAuth):
            raise UsageError("--workspace and --all-workspaces need User credentials")
    to_stdout = args.out is not None and str(args.out) == STDOUT
    junit = args.format == JUNIT or (
        args.format is None
        and args.out is not None
        and not to_stdout
        and args.out.suffix.lower() == ".xml"
    )
    fmt = (
        ReportFormat.JSONL
        if junit
        else ReportFormat(args.format)
        if args.format
        else ReportFormat.for_path(args.out)
        if args.out and not to_stdout
        else ReportFormat.JSONL
    )
    out = args.out or Path(f"{DEFAULT_OUT}.{'xml' if junit else fmt.value}")
    if junit and args.resume:
        raise UsageError(
            "--format junit cannot --resume: JUnit is written at the end of a run, from "
            "all its records; resume a JSON Lines report instead"
        )
    rules = _selected_rules(args)
    step_summary = None
    if not args.no_step_summary and (named := env.get(_ENV_STEP_SUMMARY, "").strip()):
        step_summary = _output_path(f"${_ENV_STEP_SUMMARY}", Path(named))
    for flag, path in (("--summary-json", args.summary_json), ("--summary-md", args.summary_md)):
        if path is not None:
            _output_path(flag, path)
    if to_stdout:
        if args.resume:
            raise UsageError("--resume needs a report file, not --out -")
    elif out.is_dir():
        raise UsageError(f"--out {out} is a directory")
    elif not out.parent.is_dir():
        raise UsageError(f"--out {out}: no directory {out.parent}")
    elif not (args.resume or args.overwrite) and out.is_file() and out.stat().st_size > 0:
        raise UsageError(
            f"--out {out} already holds a report: pass --resume to go on with it, "
            "or --overwrite to replace it"
        )
    html: Path | None = args.html
    if html is None and demo is not None and not to_stdout:
        html = out.with_suffix(".html")  # the demo shows its HTML report too
    if html is not None:
        _output_path("--html", html)
    outputs = [
        ("--out", None if to_stdout else out),
        ("--html", html),
        ("--summary-json", args.summary_json),
        ("--summary-md", args.summary_md),
        (f"${_ENV_STEP_SUMMARY}", step_summary),
    ]
    _distinct(outputs)
    # The baseline may be the report this run replaces (it is read first), no other output.
    _distinct([*outputs[1:], ("--baseline", args.baseline)])
    baseline = _baseline(args)
    include = Include.ALL
    if args.no_statistics:
        include &= ~Include.STATISTICS
    if args.no_last_run:
        include &= ~Include.LAST_RUN
    return Settings(
        auth=auth,
        base_url=base_url,
        proxy=args.proxy,
        demo=demo,
        workspaces=args.workspace,
        # A User without a chosen Workspace audits them all.
        all_workspaces=bool(
            args.all_workspaces or demo or (isinstance(auth, UserAuth) and not args.workspace)
        ),
        time_period=TimePeriod(args.time_period),
        concurrency=args.concurrency,
        rate=args.rate,
        include=include,
        thresholds=Thresholds(
            stale_draft_days=args.stale_draft_days,
            paused_days=args.paused_days,
            min_started=args.min_started,
            failed_records=args.failed_records,
        ),
        fail_on=Severity(args.fail_on) if args.fail_on else None,
        out=out,
        to_stdout=to_stdout,
        format=fmt,
        resume=args.resume,
        quiet=args.quiet,
        progress_interval=args.progress_interval,
        junit=junit,
        rules=rules,
        baseline=baseline,
        summary_json=args.summary_json,
        summary_md=args.summary_md,
        step_summary=step_summary,
        show_summary=not args.no_summary,
        html=html,
    )

"""The ``synerise-async`` command (also ``python -m synerise_async``).

::

    export SYNERISE_USERNAME=... SYNERISE_PASSWORD=...
    synerise-async audit --all-workspaces --out report.jsonl --fail-on error
    synerise-async audit --resume --out report.jsonl     # go on after an interruption
    synerise-async audit --overwrite --out report.jsonl  # start again from scratch
    synerise-async audit --demo                          # against an embedded fake API
    synerise-async audit --out - | jq .diagramId         # the report on stdout

Exit codes:

- 0: the audit finished;
- 1: it finished, and a finding is at or above ``--fail-on``;
- 2: a usage, credentials or report-file problem (a report already in ``--out`` is
  never replaced without ``--overwrite``, nor added to without ``--resume``);
- 3: it could not finish: a listing or the API kept failing (``--resume`` goes on);
- 130: interrupted by SIGINT or SIGTERM; the report holds whole records only, and
  ``--resume`` goes on where it stopped.

Credentials come from flags or the environment and are shown nowhere: not in the
report, the progress, the summary, logs or error messages. Prefer the environment to
flags, which other users of the machine can see in the process list.

A User with MFA gives the code, first found wins: ``--mfa-code``, ``$SYNERISE_MFA_CODE``,
``$SYNERISE_TOTP_SECRET`` (the authenticator's base32 secret, for unattended runs: a
fresh code is computed for every login), or a prompt (no echo) when stdin is a terminal.

Proxies: ``--proxy URL``, else ``$HTTPS_PROXY`` / ``$HTTP_PROXY`` (and ``$NO_PROXY``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, NoReturn, TextIO

import attrs

from ._client import SyneriseClient
from ._config import DEFAULT_BASE_URL, REGIONS, ClientConfig, shown_proxy
from ._exceptions import (
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    SyneriseError,
    TokenRefreshError,
)
from ._http import ClientStats
from ._version import __version__
from .audit import (
    DEFAULT_CONCURRENCY,
    DEFAULT_FAILED_RECORDS,
    DEFAULT_MIN_STARTED,
    DEFAULT_PAUSED_DAYS,
    DEFAULT_STALE_DRAFT_DAYS,
    AuditProgress,
    AuditSummary,
    Include,
    ReportContents,
    ReportError,
    ReportFormat,
    ReportWriter,
    Severity,
    Thresholds,
    audit_workflows,
    read_report,
    repair_report,
)
from .audit._console import (
    ProgressDisplay,
    Snapshot,
    make_progress,
    render_summary,
    snapshot,
)
from .auth import BasicAuth, Credentials, MfaCode, UserAuth, WorkspaceAuth, totp
from .models.automation import TimePeriod

if TYPE_CHECKING:
    from .testing import FakeSynerise

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "main",
]

EXIT_OK: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_USAGE: Final = 2
EXIT_INCOMPLETE: Final = 3
EXIT_INTERRUPTED: Final = 130

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

#: ``--out -``: the report goes to stdout (and the summary to stderr).
STDOUT: Final = "-"

#: The library loggers whose warnings and errors the command reports itself, once, at
#: the default verbosity: a failed login as the error it exits with, a listing given
#: up as the summary's "Incomplete" line, a rule that failed as a finding, retries in
#: the progress. ``-v`` shows their log lines too.
_REPORTED_BY_THE_COMMAND: Final = (
    "synerise_async.auth",
    "synerise_async.audit",
    "synerise_async.http",
)

logger = logging.getLogger("synerise_async.cli")


class _UsageError(Exception):
    """A problem with the command line or the environment (exit code 2)."""


class _NoMfaCode(Exception):
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


def _parser() -> argparse.ArgumentParser:
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
        help="exit with 1 when a finding is at least this severe",
    )

    output = audit.add_argument_group("output")
    output.add_argument(
        "--out",
        type=Path,
        help=f"the report file (default {DEFAULT_OUT}.jsonl or .csv); - for stdout (the "
        "summary then goes to stderr)",
    )
    output.add_argument(
        "--format",
        choices=[f.value for f in ReportFormat],
        help="jsonl (default) or csv; by default from the --out suffix",
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
    output.add_argument("--quiet", action="store_true", help="no progress and no summary")
    output.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeat for debug logs)"
    )

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
    return parser


@attrs.frozen(kw_only=True)
class _Demo:
    workflows: int
    latency: float
    faults: float


@attrs.frozen(kw_only=True)
class _Settings:
    """Everything the audit needs, resolved from the flags and the environment."""

    auth: Credentials | None = attrs.field(repr=False)
    base_url: str
    proxy: str | None = attrs.field(repr=False)
    demo: _Demo | None
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
            raise _UsageError(
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
            raise _UsageError(f"a password needs a username (--username or ${_ENV_USERNAME})")
        if not password:
            if not _stdin_is_terminal():
                raise _UsageError(f"no password: set ${_ENV_PASSWORD} (or --password)")
            password = _ask_secret("Synerise password: ")
        return UserAuth(username, password, mfa=_mfa(args, env))
    raise _UsageError(
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
            raise _UsageError(
                f"${_ENV_TOTP_SECRET} is not a base32 secret (the value is not shown)"
            ) from None
    if _stdin_is_terminal():
        return lambda: _ask_secret("Synerise MFA code: ").strip()

    def unavailable() -> str:
        raise _NoMfaCode

    return unavailable


def _settings(args: argparse.Namespace, env: Mapping[str, str]) -> _Settings:
    demo: _Demo | None = None
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
                ("--workspace", args.workspace),
            )
            if value
        ]
        if given:
            raise _UsageError(f"--demo brings its own API and User; drop {', '.join(given)}")
        demo = _Demo(
            workflows=DEMO_WORKFLOWS if args.demo_workflows is None else args.demo_workflows,
            latency=DEMO_LATENCY if args.demo_latency is None else args.demo_latency,
            faults=DEMO_FAULTS if args.demo_faults is None else min(args.demo_faults, 1.0),
        )
    else:
        if args.demo_workflows is not None or args.demo_latency is not None:
            raise _UsageError("--demo-workflows and --demo-latency need --demo")
        auth = _credentials(args, env)
        if args.region:
            base_url = REGIONS[args.region]
        else:
            base_url = args.base_url or env.get(_ENV_BASE_URL) or DEFAULT_BASE_URL
        if (args.workspace or args.all_workspaces) and not isinstance(auth, UserAuth):
            raise _UsageError("--workspace and --all-workspaces need User credentials")
    to_stdout = args.out is not None and str(args.out) == STDOUT
    fmt = (
        ReportFormat(args.format)
        if args.format
        else ReportFormat.for_path(args.out)
        if args.out and not to_stdout
        else ReportFormat.JSONL
    )
    out = args.out or Path(f"{DEFAULT_OUT}.{fmt.value}")
    if to_stdout:
        if args.resume:
            raise _UsageError("--resume needs a report file, not --out -")
    elif out.is_dir():
        raise _UsageError(f"--out {out} is a directory")
    elif not out.parent.is_dir():
        raise _UsageError(f"--out {out}: no directory {out.parent}")
    elif not (args.resume or args.overwrite) and out.is_file() and out.stat().st_size > 0:
        raise _UsageError(
            f"--out {out} already holds a report: pass --resume to go on with it, "
            "or --overwrite to replace it"
        )
    include = Include.ALL
    if args.no_statistics:
        include &= ~Include.STATISTICS
    if args.no_last_run:
        include &= ~Include.LAST_RUN
    return _Settings(
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
    )


# --- running -------------------------------------------------------------------------


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time: rich redirects it while its
    progress bar is live, so that log lines appear above the bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # logging must never break the command
            self.handleError(record)


def _reported_by_the_command(record: logging.LogRecord) -> bool:
    return not any(
        record.name == name or record.name.startswith(name + ".")
        for name in _REPORTED_BY_THE_COMMAND
    )


@contextlib.contextmanager
def _logging(verbosity: int) -> Iterator[None]:
    root = logging.getLogger()
    saved = root.level
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if verbosity == 0:
        # Each failure is printed once, by the command (see _REPORTED_BY_THE_COMMAND);
        # the library still logs it, for -v and for any other handler.
        handler.addFilter(_reported_by_the_command)
    root.addHandler(handler)
    root.setLevel(
        logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    )
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


class _Ticker:
    """Shows progress every ``display.interval`` seconds while the audit runs."""

    def __init__(self, display: ProgressDisplay, take: Callable[[], Snapshot]) -> None:
        self._display = display
        self._take = take
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._display.interval)
            self._display.show(self._take())

    async def __aenter__(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        self._display.close(self._take())


async def _start_demo(stack: contextlib.AsyncExitStack, demo: _Demo) -> FakeSynerise:
    try:
        from .testing import FakeSynerise, WorkspaceSpec
    except ImportError as exc:
        raise _UsageError(
            f"--demo needs the testing extra: pip install 'synerise-async[testing]' ({exc})"
        ) from None
    share, extra = divmod(demo.workflows, DEMO_WORKSPACES)
    specs = [WorkspaceSpec(workflows=share + (i < extra)) for i in range(DEMO_WORKSPACES)]
    fake = await stack.enter_async_context(
        FakeSynerise(seed=DEMO_SEED, workspaces=specs, latency=demo.latency)
    )
    if demo.faults:
        fake.faults.random(
            demo.faults,
            kinds=("rate_limit", "error"),
            seed=DEMO_SEED,
            retry_after=DEMO_RETRY_AFTER,
        )
    return fake


def _demo_reproduction(demo: _Demo, fake: FakeSynerise) -> str:
    """The two commands that run the same audit against a standalone fake server."""
    share, extra = divmod(demo.workflows, DEMO_WORKSPACES)
    server = (
        f"python -m synerise_async.testing --seed {DEMO_SEED} "
        f"--workspaces {DEMO_WORKSPACES} --workflows {share} --port 8080"
    )
    if demo.latency:
        server += f" --latency {demo.latency:g}"
    if demo.faults:
        server += f" --faults {demo.faults:g} --retry-after {DEMO_RETRY_AFTER:g}"
    lines = [
        "Reproduce it against a standalone fake server: start it, then audit it (the "
        "second command asks for the password the first one prints):",
        f"  {server}",
        f"  synerise-async audit --base-url http://127.0.0.1:8080 --username {fake.user.username}",
    ]
    if extra:
        lines.append(f"  (the demo gives its first {extra} Workspaces one workflow more)")
    return "\n".join(lines)


@attrs.define
class _Outcome:
    code: int = EXIT_OK
    message: str | None = None


class _AuditCommand:
    """One run of ``synerise-async audit``: the report, the progress, the outcome."""

    def __init__(self, settings: _Settings, *, stdout: TextIO, stderr: TextIO) -> None:
        self.settings = settings
        self.stdout = stdout
        self.stderr = stderr
        # With the report on stdout, the summary goes to stderr: stdout stays the report.
        self.summary_stream = stderr if settings.to_stdout else stdout
        self.summary = AuditSummary()
        self.progress = AuditProgress()
        self.stats: ClientStats | None = None
        self.new_records = 0
        self.started = time.monotonic()

    def note(self, message: str) -> None:
        if not self.settings.quiet:
            self.stderr.write(message + "\n")
            self.stderr.flush()

    def _existing(self) -> ReportContents:
        s = self.settings
        if not s.resume:
            return ReportContents(frozenset(), AuditSummary())
        cut = repair_report(s.out)
        if cut:
            self.note(f"Resuming: dropped a partial last line ({cut} bytes) from {s.out}")
        contents = read_report(s.out, s.format)
        if contents.keys:
            self.note(f"Resuming: {len(contents.keys)} workflows already in {s.out}")
        return contents

    async def run(self) -> _Outcome:
        """Audit, writing the report as records come; raises CancelledError if cancelled."""
        s = self.settings
        existing = self._existing()
        self.summary = existing.summary
        async with contextlib.AsyncExitStack() as stack:
            auth, base_url = s.auth, s.base_url
            if s.demo is not None:
                fake = await _start_demo(stack, s.demo)
                auth, base_url = UserAuth(fake.user.username, fake.user.password), fake.url
                self.note(
                    f"Demo: a fake Synerise API at {fake.url} with {len(fake.workspaces)} "
                    f"Workspaces and {s.demo.workflows} workflows"
                    + (
                        f", {s.demo.faults:.0%} of requests failing transiently"
                        if s.demo.faults
                        else ""
                    )
                    + "\n"
                    + _demo_reproduction(s.demo, fake)
                )
            config = ClientConfig(
                max_concurrency=s.concurrency, max_requests_per_second=s.rate, proxy=s.proxy
            )
            client = await stack.enter_async_context(
                SyneriseClient(auth, base_url=base_url, config=config)
            )
            self.stats = client.stats
            run = await stack.enter_async_context(
                audit_workflows(
                    client,
                    thresholds=s.thresholds,
                    time_period=s.time_period,
                    concurrency=s.concurrency,
                    include=s.include,
                    workspaces="all" if s.all_workspaces else s.workspaces,
                    skip=existing.keys,
                )
            )
            self.progress = run.progress
            if not s.quiet:
                display = make_progress(self.stderr, interval=s.progress_interval)
                await stack.enter_async_context(_Ticker(display, self.snapshot))
            writer: ReportWriter | None = None
            async for record in run:
                if writer is None:
                    # Opened at the first record: a run that fails to log in leaves an
                    # earlier report as it was.
                    writer = stack.enter_context(self._writer())
                writer.write(record)
                self.new_records += 1
                self.summary.add(record)
            if writer is None:
                stack.enter_context(self._writer())
        if not self.progress.complete:
            return _Outcome(EXIT_INCOMPLETE, "the audit is incomplete; run again with --resume")
        if s.fail_on is not None and self.summary.has_findings_at(s.fail_on):
            return _Outcome(EXIT_FINDINGS)
        return _Outcome(EXIT_OK)

    def _writer(self) -> ReportWriter:
        s = self.settings
        if s.to_stdout:
            self.stdout.flush()
            return ReportWriter.to_stream(self.stdout.buffer, s.format)
        return ReportWriter(s.out, s.format, append=s.resume)

    def snapshot(self) -> Snapshot:
        return snapshot(self.progress, self.stats, started=self.started, now=time.monotonic())

    def finish(self, outcome: _Outcome, *, ran: bool) -> int:
        """Show the summary (when the audit ran) and the outcome's message."""
        s = self.settings
        if ran and not s.quiet:
            render_summary(
                self.summary,
                stream=self.summary_stream,
                report="<stdout>" if s.to_stdout else str(s.out.resolve()),
                new_records=self.new_records,
                elapsed=time.monotonic() - self.started,
                stats=self.stats,
                failures=self.progress.listing_failures,
            )
        if outcome.message:
            self.stderr.write(f"synerise-async audit: {outcome.message}\n")
            self.stderr.flush()
        return outcome.code


async def _audit(settings: _Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    command = _AuditCommand(settings, stdout=stdout, stderr=stderr)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    interrupted: list[str] = []

    def stop(name: str) -> None:
        interrupted.append(name)
        task.cancel()

    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or a platform without it: KeyboardInterrupt remains
        handled.append(sig)
    ran = True
    try:
        outcome = await command.run()
    except asyncio.CancelledError:
        if not interrupted:
            raise
        task.uncancel()
        written = (
            f"{command.new_records} new records are in {settings.out}"
            if command.new_records
            else "no record was written"
        )
        outcome = _Outcome(
            EXIT_INTERRUPTED,
            f"interrupted ({interrupted[0]}); {written}; run again with --resume to go on",
        )
    except (AuthenticationError, TokenRefreshError) as exc:
        ran = command.new_records > 0
        if isinstance(exc.__cause__, _NoMfaCode):
            outcome = _Outcome(EXIT_USAGE, str(exc.__cause__))
        elif isinstance(exc, AuthenticationError):
            outcome = _Outcome(EXIT_USAGE, f"authentication failed: {exc}")
        else:  # not refused: the API (or a proxy) could not be reached, say
            outcome = _Outcome(EXIT_USAGE, f"could not log in: {exc}")
    except (InvalidArgumentError, ReportError, _UsageError) as exc:
        ran = False
        outcome = _Outcome(EXIT_USAGE, str(exc))
    except OSError as exc:
        ran = command.new_records > 0
        outcome = _Outcome(EXIT_USAGE, f"{exc.strerror or exc}: {exc.filename or settings.out}")
    except (APIError, SyneriseError) as exc:
        # The notes say what the audit was doing; its log line of it shows only with -v.
        notes = "".join(f" {note}" for note in getattr(exc, "__notes__", ()))
        outcome = _Outcome(
            EXIT_INCOMPLETE, f"the audit stopped: {exc}.{notes} Run again with --resume."
        )
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
    return command.finish(outcome, ran=ran)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (see the module docstring).

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` by default.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command != "audit":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = _settings(args, os.environ)
    except (_UsageError, InvalidArgumentError) as exc:
        sys.stderr.write(f"synerise-async audit: {exc}\n")
        return EXIT_USAGE
    with _logging(args.verbose):
        try:
            return asyncio.run(_audit(settings, stdout=sys.stdout, stderr=sys.stderr))
        except KeyboardInterrupt:  # before the handlers were in place, or after
            sys.stderr.write("synerise-async audit: interrupted\n")
            return EXIT_INTERRUPTED

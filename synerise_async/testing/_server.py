"""``FakeSynerise``: a real aiohttp server speaking the 22 Synerise operations.

Policy for every request, in order:

1. record it in ``requests`` (arrival order, secrets masked, its Workspace, and whether
   its Bearer token was already expired or revoked);
2. sleep ``latency`` seconds;
3. apply the next matching fault, if any (a ``delay`` fault sleeps, then goes on);
4. run the route, turning errors into Synerise-shaped JSON error bodies (a route whose
   permission :meth:`FakeSynerise.deny_permission` took away answers 403 once the
   credential is accepted);
5. fill in the record's status (``None`` when the connection was dropped).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web

from . import _paths
from ._auth_routes import AuthRoutes
from ._automation_routes import AutomationRoutes
from ._errors import JSON_CONTENT_TYPE, MASK, SECRET_FIELDS, ApiError, error_response
from ._faults import FaultAction, Faults
from ._models import (
    IssuedToken,
    RecordedRequest,
    SeededProfile,
    SeededUser,
    SeededWorkspace,
    WorkspaceSpec,
)
from ._state import CURRENT_REQUEST, INVALID_JSON, RequestContext, ServerState
from ._tokens import public_key_pem, signing_key

_log = logging.getLogger("synerise_async.testing")

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_GATEWAY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>gateway</center>"
    "</body></html>"
)
_TRUNCATED_BODY = b'{"data":[{"diagramId":"00000000-0000-4000-8000-000000000000","name":"Trunc'
#: Seconds to let in-flight requests finish on close before cancelling them.
_SHUTDOWN_TIMEOUT = 0.25


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: MASK if key in SECRET_FIELDS and item is not None else _mask(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def _retry_after(seconds: float, *, http_date: bool, now: float) -> str:
    if http_date:
        moment = datetime.fromtimestamp(math.ceil(now + seconds), UTC)
        return email.utils.format_datetime(moment, usegmt=True)
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


class FakeSynerise:
    """A fake Synerise API server for tests, on ``127.0.0.1`` and a free port.

    It implements the 22 operations the SDK covers with their documented semantics,
    issues RS512 JWTs that really expire by its clock, serves data seeded from ``seed``,
    injects faults on demand (see :attr:`faults`) and refuses the operations whose
    permission a test takes away (:meth:`deny_permission`). Use it as an async context
    manager, or call :meth:`start` and :meth:`close`.

    Args:
        seed: Seed of all generated data; the same seed gives the same data.
        workspaces: How many Workspaces, or one :class:`WorkspaceSpec` each.
        workflows_per_workspace: Workflows seeded per Workspace.
        token_lifetime: Lifetime of issued tokens, seconds (settable later).
        encrypted_tokens: Issue opaque JWE-shaped tokens no JWT library can read.
        latency: Seconds added to every request (settable later).
        expired_token_status_code: 401, or 403 (message containing "expired"), for an
            expired token on automation routes.
        host: Interface to listen on.
        port: Port to listen on; 0 picks a free one.
        clock: Wall clock in epoch seconds; :meth:`shift_clock` moves it further.

    Raises:
        ValueError: A count, lifetime or status is out of range.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        workspaces: int | Sequence[WorkspaceSpec] = 2,
        workflows_per_workspace: int = 30,
        token_lifetime: float = 3600.0,
        encrypted_tokens: bool = False,
        latency: float = 0.0,
        expired_token_status_code: int = 401,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if expired_token_status_code not in (401, 403):
            raise ValueError("expired_token_status_code must be 401 or 403")
        if token_lifetime < 0 or latency < 0:
            raise ValueError("token_lifetime and latency must not be negative")
        self._state = ServerState(
            seed=seed,
            workspaces=workspaces,
            workflows_per_workspace=workflows_per_workspace,
            token_lifetime=token_lifetime,
            encrypted_tokens=encrypted_tokens,
            expired_token_status_code=expired_token_status_code,
            clock=clock,
        )
        self._host = host
        self._port = port
        self._bound_port: int | None = None
        self._runner: web.AppRunner | None = None
        self.latency = latency
        #: Every request received, in arrival order; ``clear()`` it freely.
        self.requests: list[RecordedRequest] = []
        self._faults = Faults(resolve_workspace=lambda key: self._state.workspace(key).id)
        self._revoke_period: float | None = None
        self._revoker: asyncio.Task[None] | None = None
        self._cancelled_revokers: set[asyncio.Task[None]] = set()

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Start listening.

        Raises:
            RuntimeError: The server is already running.
            OSError: The port cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError("FakeSynerise is already running")
        await asyncio.to_thread(signing_key)
        app = web.Application(middlewares=[self._middleware])
        AuthRoutes(self._state).register(app.router)
        AutomationRoutes(self._state).register(app.router)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._bound_port = int(runner.addresses[0][1])
        self._runner = runner
        self._start_revoker()

    async def close(self) -> None:
        """Stop listening, periodic revocation and every connection; safe to call more than once."""
        try:
            await self._stop_revoker()
        finally:
            runner, self._runner = self._runner, None
            if runner is not None:
                await runner.cleanup()

    async def __aenter__(self) -> FakeSynerise:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``.

        Raises:
            RuntimeError: The server was never started.
        """
        if self._bound_port is None:
            raise RuntimeError("FakeSynerise is not running: use `async with` or start()")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._bound_port}"

    # --- seeded data -----------------------------------------------------------

    @property
    def workspaces(self) -> tuple[SeededWorkspace, ...]:
        """The seeded Workspaces."""
        return self._state.workspaces

    @property
    def workspace(self) -> SeededWorkspace:
        """The first seeded Workspace."""
        return self._state.workspaces[0]

    @property
    def users(self) -> tuple[SeededUser, ...]:
        """The seeded Users: :attr:`user`, :attr:`mfa_user`, an EMAIL-MFA user, and a
        user limited to the first Workspace."""
        return self._state.users

    @property
    def user(self) -> SeededUser:
        """A User without MFA who may select every Workspace."""
        return self._state.users[0]

    @property
    def mfa_user(self) -> SeededUser:
        """A User with TOTP MFA who may select every Workspace."""
        return self._state.users[1]

    @property
    def profiles(self) -> tuple[SeededProfile, ...]:
        """The seeded Profile accounts (email and password), three per Workspace."""
        return self._state.profiles

    def workflows(self, workspace_id: str | None = None) -> list[dict[str, Any]]:
        """Copies of a Workspace's workflows as the API sends them, in seeding order.

        Args:
            workspace_id: The Workspace UUID (or numeric id); the first when ``None``.

        Returns:
            The workflows' current wire data.

        Raises:
            KeyError: No such Workspace.
        """
        workspace = self._state.workspace(workspace_id) if workspace_id else self.workspace
        return self._state.stores[workspace.id].snapshot()

    def delete_workflow(self, workspace_id: str, diagram_id: str) -> None:
        """Delete a workflow, so that every route answers 404 for it from now on.

        Args:
            workspace_id: The Workspace UUID (or numeric id).
            diagram_id: The workflow's ``diagramId``.

        Raises:
            KeyError: No such Workspace or workflow.
        """
        store = self._state.stores[self._state.workspace(workspace_id).id]
        if not store.delete(diagram_id):
            raise KeyError(f"no workflow {diagram_id!r} in Workspace {workspace_id!r}")

    @property
    def public_key_pem(self) -> str:
        """PEM of the public key that verifies this server's JWTs."""
        return public_key_pem()

    # --- knobs ---------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The fault-injection controller."""
        return self._faults

    @property
    def token_lifetime(self) -> float:
        """Lifetime in seconds of the tokens issued from now on (settable)."""
        return self._state.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("token_lifetime must not be negative")
        self._state.token_lifetime = seconds

    @property
    def expired_token_status_code(self) -> int:
        """401 or 403: the status of an expired token on automation routes (settable)."""
        return self._state.expired_token_status_code

    @expired_token_status_code.setter
    def expired_token_status_code(self, status: int) -> None:
        if status not in (401, 403):
            raise ValueError("expired_token_status_code must be 401 or 403")
        self._state.expired_token_status_code = status

    def now(self) -> float:
        """The server clock, epoch seconds."""
        return self._state.now()

    def shift_clock(self, seconds: float) -> None:
        """Move the server clock by ``seconds`` (may be negative).

        Affects ``iat``/``exp`` of new tokens and every expiry check.
        """
        self._state.clock_offset += seconds

    def revoke_all_tokens(self) -> None:
        """Make every token issued so far answer 401."""
        self._state.tokens.revoke_all()

    def revoke_every(self, seconds: float) -> None:
        """Revoke every token issued so far once per ``seconds``, until :meth:`stop_revoking`.

        Each revocation comes ``seconds`` after the previous one (the first after the
        call), in real time on the server's event loop, not on the server clock; a new
        call replaces the period. Called before :meth:`start`, revocation begins when the
        server starts; :meth:`close` stops it, and a restart resumes it.

        Args:
            seconds: The period.

        Raises:
            ValueError: ``seconds`` is not positive.
        """
        if not seconds > 0:
            raise ValueError(f"seconds must be positive, got {seconds}")
        self._revoke_period = seconds
        self._cancel_revoker()
        self._start_revoker()

    def stop_revoking(self) -> None:
        """Stop the periodic revocation of :meth:`revoke_every`, if any."""
        self._revoke_period = None
        self._cancel_revoker()

    @property
    def revocations(self) -> int:
        """How many revocations were done: :meth:`revoke_all_tokens` and periodic ones."""
        return self._state.tokens.revocations

    def issued_tokens(self) -> tuple[IssuedToken, ...]:
        """Every token issued so far, in issuing order (never the token strings).

        Returns:
            One frozen record each, with ``revoked`` and ``expired`` as of now.
        """
        return self._state.issued_tokens()

    def deny_permission(self, permission: str, *, workspace: str | int | None = None) -> None:
        """Take ``permission`` away: the routes that need it answer 403 from now on.

        As a Workspace API key or a User role without that permission would: the
        credential is checked first (a bad one still answers 401), then the request is
        refused with Synerise's body (``"Forbidden; insufficient permissions"``). The
        permissions are Synerise's names: ``AUTOMATON_BRAIN_DIAGRAM_LIST_READ`` (both
        listings), ``AUTOMATON_BRAIN_DIAGRAM_EXECUTE`` (run, pause, stop, schedule on and
        off), ``AUTOMATION_STATS_READ`` (both statistics), ``MORPH_JOBS_READ`` (last run)
        and ``SAUTH_SERVER_LOGIN_CLIENT_CREATE`` (the server-side Profile login).

        Args:
            permission: The permission to deny.
            workspace: Deny it in this Workspace only (UUID, GUID or numeric id);
                ``None`` for every Workspace.

        Raises:
            ValueError: No route needs ``permission``.
            KeyError: No such Workspace.
        """
        if permission not in _paths.PERMISSIONS.values():
            known = ", ".join(sorted(set(_paths.PERMISSIONS.values())))
            raise ValueError(f"no route needs {permission!r}; known: {known}")
        workspace_id = None if workspace is None else self._state.workspace(str(workspace)).id
        self._state.denied.add((permission, workspace_id))

    def restore_permissions(self) -> None:
        """Give back every permission :meth:`deny_permission` took away."""
        self._state.denied.clear()

    def _start_revoker(self) -> None:
        if self._runner is not None and self._revoke_period is not None:
            self._revoker = asyncio.get_running_loop().create_task(
                self._revoke_periodically(self._revoke_period), name="FakeSynerise.revoke_every"
            )

    async def _revoke_periodically(self, period: float) -> None:
        # A fixed delay, not a fixed rate: after a stalled loop, no burst of revocations.
        while True:
            await asyncio.sleep(period)
            self._state.tokens.revoke_all()

    def _cancel_revoker(self) -> None:
        task, self._revoker = self._revoker, None
        if task is not None:
            task.cancel()
            self._cancelled_revokers.add(task)
            task.add_done_callback(self._cancelled_revokers.discard)

    async def _stop_revoker(self) -> None:
        self._cancel_revoker()
        if self._cancelled_revokers:
            # wait() neither raises the tasks' cancellation nor swallows our own.
            await asyncio.wait(set(self._cancelled_revokers))

    # --- request log -----------------------------------------------------------

    def count(
        self,
        path: str | None = None,
        method: str | None = None,
        status_code: int | None = None,
    ) -> int:
        """Count recorded requests.

        Args:
            path: An exact path, or a prefix ending in ``*``; ``None`` for any.
            method: An HTTP method (any case); ``None`` for any.
            status_code: An HTTP status; ``None`` for any.

        Returns:
            How many recorded requests match every given filter.
        """
        wanted_method = method.upper() if method else None
        return sum(
            1
            for r in self.requests
            if _paths.path_matches(path, r.path)
            and (wanted_method is None or r.method == wanted_method)
            and (status_code is None or r.status_code == status_code)
        )

    def token_requests(self) -> int:
        """Count recorded requests to token routes (operations 1-8 and 12)."""
        return sum(1 for r in self.requests if _paths.is_token_path(r.path))

    def count_expired_token_requests(self) -> int:
        """Count recorded requests whose Bearer token was expired when they arrived.

        A correct client refreshes before expiry, so after a run this is 0.

        Returns:
            How many recorded requests have ``token_expired`` set (revoked or not).
        """
        return sum(1 for r in self.requests if r.token_expired)

    def count_revoked_token_requests(self) -> int:
        """Count recorded requests whose Bearer token the server had revoked.

        Returns:
            How many recorded requests have ``token_revoked`` set (expired or not).
        """
        return sum(1 for r in self.requests if r.token_revoked)

    def _finish(self, record: RecordedRequest, status: int | None, fault: str | None) -> None:
        final = attrs.evolve(record, status_code=status, fault=fault)
        log = self.requests
        for index in range(len(log) - 1, -1, -1):
            if log[index] is record:
                log[index] = final
                return

    # --- the pipeline ----------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        state = self._state
        auth = state.parse_auth(request.headers.get("Authorization"))
        body: Any = None
        unreadable: web.HTTPException | None = None
        if request.can_read_body:
            try:
                raw = await request.read()
            except web.HTTPException as exc:  # e.g. 413: too large
                raw, unreadable = b"", exc
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = INVALID_JSON
        token = auth.token
        workspace = state.workspace_of(auth, body, request.path)
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            auth=auth.kind,
            realm=auth.realm,
            status_code=None,
            fault=None,
            at=state.now(),
            body=None if body is INVALID_JSON else _mask(body),
            headers={
                name: "***" if name.lower() == "authorization" else value
                for name, value in request.headers.items()
            },
            workspace=workspace.id if workspace else None,
            token_serial=token.seq if token else None,
            token_expired=token is not None and state.is_expired(token),
            token_revoked=token is not None and state.tokens.is_revoked(token),
        )
        self.requests.append(record)
        if unreadable is not None:
            self._finish(record, unreadable.status, None)
            return error_response(unreadable.status, unreadable.reason, request.path, state.now())
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else None
        permission = _paths.PERMISSIONS.get(template) if template else None
        context_token = CURRENT_REQUEST.set(RequestContext(auth, body, permission))
        status: int | None = None
        fault: FaultAction | None = None
        recorded = False
        try:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            fault = self._faults._take(request.method, request.path, record.query, record.workspace)
            if fault is not None and fault.kind != "delay":
                if fault.kind == "truncated":
                    # Record first: the client learns of the failure once the socket closes.
                    self._finish(record, 200, fault.kind)
                    recorded = True
                response, status = await self._inject(request, fault)
                return response
            if fault is not None:
                await asyncio.sleep(fault.seconds)
            response = await self._dispatch(request, handler)
            status = response.status
            return response
        finally:
            CURRENT_REQUEST.reset(context_token)
            if not recorded:
                self._finish(record, status, fault.kind if fault else None)

    async def _dispatch(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        now = self._state.now
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(
                exc.status, exc.message, request.path, now(), errors=exc.errors, headers=exc.headers
            )
        except web.HTTPException as exc:
            headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            message = "No route for this path" if exc.status == 404 else exc.reason
            return error_response(exc.status, message, request.path, now(), headers=headers)
        except Exception:
            _log.exception("fake Synerise route failed: %s %s", request.method, request.path)
            return error_response(500, "Internal server error", request.path, now())

    async def _inject(
        self, request: web.Request, fault: FaultAction
    ) -> tuple[web.StreamResponse, int | None]:
        now = self._state.now()
        path = request.path
        match fault.kind:
            case "rate_limit" | "error":
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = _retry_after(
                        fault.retry_after, http_date=fault.http_date, now=now
                    )
                message = "Rate limit exceeded" if fault.kind == "rate_limit" else "Injected fault"
                return error_response(
                    fault.status_code, message, path, now, headers=headers
                ), fault.status_code
            case "non_json":
                page = web.Response(
                    status=fault.status_code, text=_GATEWAY_PAGE, content_type="text/html"
                )
                return page, fault.status_code
            case "wrong_shape" | "empty" | "body":
                # A header, not content_type=, so that any value (charset too) goes out as is.
                headers = {"Content-Type": fault.content_type}
                reply = web.Response(status=fault.status_code, body=fault.payload, headers=headers)
                return reply, fault.status_code
            case "truncated":
                response = web.StreamResponse(status=200)
                response.content_type = JSON_CONTENT_TYPE
                response.content_length = len(_TRUNCATED_BODY) + 512
                await response.prepare(request)
                await response.write(_TRUNCATED_BODY)
                self._close_connection(request)
                return response, 200
            case _:  # drop
                self._close_connection(request)
                return web.Response(status=500), None

    @staticmethod
    def _close_connection(request: web.Request) -> None:
        transport = request.transport
        if transport is not None:
            transport.close()

    def __repr__(self) -> str:
        where = self.url if self._bound_port is not None else "not started"
        return f"<FakeSynerise {where} workspaces={len(self.workspaces)}>"

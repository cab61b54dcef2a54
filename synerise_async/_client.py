"""``SyneriseClient``: the one door to the wire.

It owns the aiohttp session (or borrows the caller's, which it then never closes), the
limiter, the request pipeline, the token session of its credentials, and the one event
dispatcher (``ClientConfig.event_hooks``) it hands to all of them. A view
(:meth:`SyneriseClient.with_options`) is a client of its own options over all of these.
"""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp
import attrs
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from ._clock import SYSTEM_CLOCK, Clock
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT,
    REGIONS,
    ClientConfig,
    check_headers,
    headers_repr,
    merge_headers,
    shown_proxy,
)
from ._exceptions import ClientStateError, InvalidArgumentError
from ._http import Authorizer, ClientStats, Pipeline, Request
from ._limits import Limiter
from ._redaction import Redacted
from ._types import UNSET, RawResponse, Unset
from ._validation import has_control_character
from .auth._credentials import (
    BasicAuth,
    Credentials,
    FixedAuthorizer,
    ProfileAuth,
    TokenAuth,
    TokenCredentials,
    UserAuth,
    WorkspaceAuth,
)
from .auth._session import SessionToken, TokenSession
from .auth._tokens import IssuedToken
from .events import _Dispatcher

__all__ = ["SyneriseClient"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: object, *, allow_insecure_http: bool) -> str:
    problem = f"must be an http(s) URL like {DEFAULT_BASE_URL!r}; got {base_url!r}"
    if (
        not isinstance(base_url, str)
        or has_control_character(base_url)
        or any(c.isspace() for c in base_url.strip())
    ):
        raise InvalidArgumentError("base_url", problem)
    try:
        url = URL(base_url.strip())
        host = url.host  # IDNA-encodes: may raise for a malformed name
        url.port  # noqa: B018 - raises for a port out of range
    except (ValueError, TypeError, UnicodeError) as exc:
        raise InvalidArgumentError("base_url", f"{problem} ({type(exc).__name__})") from None
    if url.scheme not in ("http", "https") or not host:
        raise InvalidArgumentError(
            "base_url", f"must be an http(s) URL like {DEFAULT_BASE_URL!r}; got {base_url!r}"
        )
    if url.user or url.password:
        raise InvalidArgumentError("base_url", "must not contain credentials")
    if url.query_string or url.fragment:
        raise InvalidArgumentError("base_url", "must not have a query or fragment")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(host):
        raise InvalidArgumentError(
            "base_url",
            "http:// sends credentials in clear text; use https://, a loopback host, "
            "or ClientConfig(allow_insecure_http=True)",
        )
    return str(url).rstrip("/")


@attrs.define
class _Shared:
    """What a client and the Workspace clients made from it share."""

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    owns_session: bool
    limiter: Limiter
    stats: ClientStats
    proxy: str | URL | None = None  # the proxy a session the client opened goes through
    events: _Dispatcher | None = None  # the root client's hooks; None without any


def _credential_kind(auth: TokenCredentials) -> str:
    """What ``TokenRefreshStarted.credential`` calls ``auth``."""
    if isinstance(auth, TokenAuth):
        return "token" if auth.provider is None else "token-provider"
    if isinstance(auth, WorkspaceAuth):
        return "workspace"
    if isinstance(auth, UserAuth):
        return "user"
    return "profile" if isinstance(auth, ProfileAuth) else type(auth).__name__


class SyneriseClient:
    """An async client for the Synerise API.

    Use it as ``async with SyneriseClient(WorkspaceAuth(api_key=...)) as client:`` and pass
    it to the operation modules of :mod:`synerise_async.api`.

    Args:
        auth: the credentials (``WorkspaceAuth``, ``UserAuth``, ``ProfileAuth``,
            ``BasicAuth``, ``TokenAuth``), or None to call only the login operations.
        base_url: the API host; Synerise's default is Azure EU. ``for_region`` knows the
            others. ``http://`` is refused unless the host is loopback or
            ``config.allow_insecure_http`` is set.
        config: timeouts, retries, limits (see :class:`ClientConfig`).
        session: an aiohttp session you own; the client uses it and never closes it.
        clock: every time source the client uses (monotonic and wall time, sleep,
            the backoff's jitter); the real ones by default. Tests pass a fake one,
            e.g. :class:`synerise_async.testing.ManualClock`'s.

    Raises:
        InvalidArgumentError: an unusable ``base_url``.
    """

    def __init__(
        self,
        auth: Credentials | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        config: ClientConfig | None = None,
        session: aiohttp.ClientSession | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if auth is not None and not isinstance(auth, TokenCredentials | BasicAuth):
            raise InvalidArgumentError(
                "auth",
                "must be WorkspaceAuth, UserAuth, ProfileAuth, BasicAuth, TokenAuth or None; "
                f"got {type(auth).__name__}",
            )
        if config is not None and not isinstance(config, ClientConfig):
            raise InvalidArgumentError(
                "config", f"must be a ClientConfig; got {type(config).__name__}"
            )
        self.config = config if config is not None else ClientConfig()
        self.base_url = _check_base_url(
            base_url, allow_insecure_http=self.config.allow_insecure_http
        )
        self.auth = auth
        if not isinstance(clock, Clock):
            raise InvalidArgumentError("clock", f"must be a Clock; got {type(clock).__name__}")
        self._given_session = session
        #: The client's time sources (shared with its Workspace clients).
        self.clock = clock
        self._shared: _Shared | None = None
        self._pipeline: Pipeline | None = None
        self._authorizer: Authorizer | None = None
        self._closed = False
        self._parent: SyneriseClient | None = None

    @classmethod
    def for_region(
        cls, region: str, auth: Credentials | None = None, *, config: ClientConfig | None = None
    ) -> SyneriseClient:
        """A client for one of the documented hosts: ``"eu"`` (Azure EU, the default),
        ``"geb"`` (Google Cloud) or ``"azu"`` (Azure US)."""
        if region not in REGIONS:
            allowed = ", ".join(repr(r) for r in REGIONS)
            raise InvalidArgumentError("region", f"must be one of {allowed}; got {region!r}")
        return cls(auth, base_url=REGIONS[region], config=config)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._pipeline else "not opened"
        auth = self.auth.description if self.auth is not None else "no auth"
        return f"<SyneriseClient {self.base_url} {auth} ({state})>"

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Start the client (what ``async with`` does). Prefer ``async with``."""
        if self._closed:
            raise ClientStateError("this SyneriseClient is closed; create a new one")
        if self._pipeline is not None:
            return
        loop = asyncio.get_running_loop()
        proxy: str | URL | None = None
        if self._given_session is not None:
            session, owns = self._given_session, False
        else:
            proxy = await self._proxy()
            connector = aiohttp.TCPConnector(limit=self.config.max_concurrency + 4)
            # trust_env is applied here, once: aiohttp's own would look the proxy variables
            # and ~/.netrc up in a thread for every request (two thread hops a call), and
            # a netrc entry for the API host would clash with the SDK's Authorization.
            session = aiohttp.ClientSession(connector=connector, trust_env=False, proxy=proxy)
            owns = True
        stats = ClientStats()
        hooks = self.config.event_hooks
        events = (
            _Dispatcher(
                hooks, close_timeout=DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT, now=self.clock.monotonic
            )
            if hooks
            else None
        )
        limiter = Limiter(
            self.config.max_concurrency,
            rate=self.config.max_requests_per_second,
            clock=self.clock.monotonic,
            sleep=self.clock.sleep,
            stats=stats,
            events=events,
        )
        try:
            self._start(_Shared(loop, session, owns, limiter, stats, proxy, events))
        except BaseException:
            # Nothing started: the session made for it is closed, not left to the collector.
            self._shared = self._pipeline = self._authorizer = None
            if owns:
                await session.close()
            raise

    async def _proxy(self) -> str | URL | None:
        """The proxy for ``base_url``: ``config.proxy``, else (``trust_env``) the one the
        environment names for its scheme unless ``NO_PROXY`` exempts its host (aiohttp's
        rules), read when the client opens."""
        if self.config.proxy is not None or not self.config.trust_env:
            return self.config.proxy
        url = URL(self.base_url)
        try:
            # In a thread, as aiohttp does: the system's proxy settings may be read from disk.
            proxy, auth = await asyncio.to_thread(get_env_proxy_for_url, url)
        except LookupError:  # no proxy for this URL, or NO_PROXY exempts its host
            return None
        except ValueError:  # not shown: the value may hold a password
            raise InvalidArgumentError(
                f"${url.scheme.upper()}_PROXY",
                "is not a URL that can be read (the value is not shown); percent-encode a "
                "'/', '#' or '?' in its password",
            ) from None
        if auth is None:
            return proxy
        # Credentials go back into the URL, as with config.proxy (aiohttp's proxy_auth
        # argument is deprecated), held as Redacted like config.proxy: in no repr.
        return Redacted(str(proxy.with_user(auth.login).with_password(auth.password)))

    def _start(self, shared: _Shared) -> None:
        self._shared = shared
        self._pipeline = self._new_pipeline(shared)
        self._authorizer = self._make_authorizer()
        self._pipeline.authorizer = self._authorizer

    def _new_pipeline(self, shared: _Shared) -> Pipeline:
        """A pipeline of this client's config over ``shared`` (a view's: over its client's)."""
        return Pipeline(
            session=shared.session,
            base_url=self.base_url,
            config=self.config,
            limiter=shared.limiter,
            clock=self.clock,
            stats=shared.stats,
            proxy=None if shared.proxy is None else shown_proxy(shared.proxy),
            events=shared.events,
        )

    def _make_authorizer(self) -> Authorizer | None:
        """A token session for token credentials, a fixed header for Basic."""
        auth = self.auth
        if isinstance(auth, TokenCredentials):
            credentials, send = auth, self.send
            parent = None if self._parent is None else self._parent.token_session

            async def fetch(current: SessionToken | None) -> IssuedToken:
                return await credentials.obtain_token(send, current, parent=parent)

            assert self._shared is not None
            return TokenSession(
                fetch,
                config=self.config,
                name=auth.description,
                renewable=auth.can_renew,
                clock=self.clock,
                credential=_credential_kind(auth),
                stats=self._shared.stats,
                events=self._shared.events,
            )
        if isinstance(auth, BasicAuth):
            return FixedAuthorizer(auth.authorization())
        return None

    async def aclose(self) -> None:
        """Stop any token refresh, wait a little (then cancel) for async event hooks
        still running, and close the session if the client owns it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._authorizer is not None:
                await self._authorizer.aclose()
        finally:
            shared, self._shared, self._pipeline = self._shared, None, None
            try:
                if shared is not None and shared.events is not None and self._parent is None:
                    await shared.events.aclose()
            finally:
                if shared is not None and shared.owns_session and self._parent is None:
                    await shared.session.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has run."""
        return self._closed

    @property
    def stats(self) -> ClientStats:
        """Counters of attempts, retries and errors (shared with Workspace clients)."""
        if self._shared is None:
            raise ClientStateError("the client is not open")
        return self._shared.stats

    @property
    def limiter(self) -> Limiter:
        """The limits this client shares with its Workspace clients: ``in_use`` slots,
        ``waiting`` requests, ``cooling_until``. For monitoring and tests; the pipeline
        takes and frees its slots itself."""
        if self._shared is None:
            raise ClientStateError("the client is not open")
        return self._shared.limiter

    @property
    def _events(self) -> _Dispatcher | None:
        """The event dispatcher while the client is open and has hooks (the paginator's)."""
        return None if self._shared is None else self._shared.events

    @property
    def token_session(self) -> TokenSession | None:
        """The token session of token-based credentials (None for Basic or no auth)."""
        return self._authorizer if isinstance(self._authorizer, TokenSession) else None

    def _ready(self) -> Pipeline:
        if self._pipeline is None or self._shared is None:
            if self._closed:
                raise ClientStateError("this SyneriseClient is closed")
            raise ClientStateError(
                "the client is not open: use `async with SyneriseClient(...) as client:`"
            )
        if self._parent is not None and self._parent.closed:
            raise ClientStateError("the client this Workspace client came from is closed")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise ClientStateError("send() must be awaited inside a running event loop") from None
        if loop is not self._shared.loop:
            raise ClientStateError(
                "this SyneriseClient was opened on another event loop; create one per loop"
            )
        return self._pipeline

    async def send(self, request: Request) -> RawResponse:
        """Send one request through the pipeline (auth, retries, limits, error mapping).

        The operation modules use this; call it yourself only for an endpoint the SDK
        does not cover yet.

        Returns:
            The 2xx response, fully read.

        Raises:
            ClientStateError: the client is not open, is closed, or is on another loop.
            APIError: (a subclass of) when the request fails.
            TokenRefreshError: when no valid token could be obtained.
        """
        return await self._ready().send(request)

    def for_workspace(self, workspace_uuid: str | uuid.UUID) -> SyneriseClient:
        """A client for the same User scoped to another Workspace.

        It shares this client's connections, limits and counters and has its own token
        (operation 8). Close it with ``async with`` or :meth:`aclose`; that leaves this
        client open.

        Raises:
            InvalidArgumentError: this client does not use ``UserAuth``, or a bad UUID.
            ClientStateError: this client is not open.
        """
        if not isinstance(self.auth, UserAuth):
            raise InvalidArgumentError("auth", "for_workspace needs a client with UserAuth")
        auth = attrs.evolve(self.auth, workspace=workspace_uuid)
        self._ready()
        assert self._shared is not None
        child = SyneriseClient(
            auth,
            base_url=self.base_url,
            config=self.config,
            clock=self.clock,
        )
        child._parent = self
        child._start(self._shared)
        return child

    def with_options(
        self,
        *,
        timeout: float | Unset = UNSET,
        connect_timeout: float | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        total_timeout: float | Unset | None = UNSET,
        retry_unsafe: bool | Unset = UNSET,
        headers: Mapping[str, str] | Unset = UNSET,
    ) -> SyneriseClient:
        """A view of this client with other options for the calls made through it.

        Pass it as ``client=`` to any operation, paginator or the audit, or call its
        :meth:`send`. It shares everything of this client but its options: the
        connection pool, the limiter and its cool-down, the counters (:attr:`stats`)
        and the token session (one login for all). It opens and closes with this
        client: its own :meth:`aclose` does nothing, and once this client is closed it
        raises what this client raises. Views compose (``a.with_options(x).with_options(y)``);
        this client's options are untouched. Building one costs no I/O, so a view per
        request is fine. :meth:`for_workspace` on a view gives a Workspace client with
        the view's options; a view of a Workspace client keeps that client's token.

        Args:
            timeout: seconds each attempt may take.
            connect_timeout: seconds to establish a connection.
            max_retries: retries after the first attempt (0: none).
            total_timeout: seconds the whole call may take, its retries, backoffs and
                waits included; past it the call raises :class:`APITimeoutError`
                (None: no bound).
            retry_unsafe: also retry non-idempotent requests (POST, PATCH:
                starting or stopping a workflow) after they may have reached the
                server: only where doing the work twice is harmless.
            headers: extra headers for every request of the view, on top of this
                client's (names compared without case); not Authorization, Content-Length
                or Transfer-Encoding.

        Returns:
            The view, a :class:`SyneriseClient`.

        Raises:
            InvalidArgumentError: a value out of range or of the wrong type, naming it
                (``timeout``), before anything is sent.
        """
        given: dict[str, Any] = {
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "max_retries": max_retries,
            "total_timeout": total_timeout,
            "retry_unsafe": retry_unsafe,
        }
        changes = {name: value for name, value in given.items() if value is not UNSET}
        if not isinstance(headers, Unset):
            changes["headers"] = merge_headers(
                self.config.headers, check_headers("headers", headers)
            )
        try:
            # ClientConfig's own checks, named after this method's arguments.
            config = attrs.evolve(self.config, **changes)
        except InvalidArgumentError as error:
            problem = str(error).removeprefix(f"{error.argument}: ")
            raise InvalidArgumentError(error.argument.removeprefix("config."), problem) from None
        return _ClientView(self, config, changes)


class _ClientView(SyneriseClient):
    """What :meth:`SyneriseClient.with_options` returns: a client of its own config over
    its client's session, limiter, counters and token session (its pipeline is built on
    first use, so a view may be made before its client opens)."""

    def __init__(self, base: SyneriseClient, config: ClientConfig, options: dict[str, Any]) -> None:
        super().__init__(base.auth, base_url=base.base_url, config=config, clock=base.clock)
        self._base = base
        self._parent = base._parent
        self._options = options

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={headers_repr(value) if name == 'headers' else repr(value)}"
            for name, value in self._options.items()
        )
        return f"<view of {self._base!r} with_options({shown})>"

    async def open(self) -> None:
        """Nothing to do: a view opens with its client."""

    async def aclose(self) -> None:
        """Nothing to do: a view closes with its client (close that one)."""

    @property
    def closed(self) -> bool:
        """Whether its client is closed."""
        return self._base.closed

    @property
    def stats(self) -> ClientStats:
        """Its client's counters."""
        return self._base.stats

    @property
    def limiter(self) -> Limiter:
        """Its client's limiter."""
        return self._base.limiter

    @property
    def token_session(self) -> TokenSession | None:
        """Its client's token session."""
        return self._base.token_session

    @property
    def _events(self) -> _Dispatcher | None:
        """Its client's event dispatcher (a walk may start before the view's first call)."""
        return self._base._events

    def _ready(self) -> Pipeline:
        self._base._ready()  # open, not closed, on this loop: else the client's own error
        if self._pipeline is None:
            shared = self._base._shared
            assert shared is not None
            self._shared = shared
            self._authorizer = self._base._authorizer
            self._pipeline = self._new_pipeline(shared)
            self._pipeline.authorizer = self._authorizer
        return self._pipeline

"""Client configuration: frozen classes and every ``DEFAULT_*`` number in one place.

Each number the SDK uses (timeouts, retry counts, backoff, refresh margins,
concurrency) lives here and nowhere else, so reading this module tells you how the
client behaves when you do not configure it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs
from yarl import URL

from ._exceptions import InvalidArgumentError
from ._redaction import Redacted
from ._validation import has_control_character
from ._version import __version__

if TYPE_CHECKING:
    from .events import EventHook

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BACKOFF_BASE",
    "DEFAULT_BACKOFF_CAP",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT",
    "DEFAULT_EXPIRY_SAFETY",
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_AFTER",
    "DEFAULT_REFRESH_MARGIN_CAP",
    "DEFAULT_REFRESH_MARGIN_FRACTION",
    "DEFAULT_REFUSED_LOGIN_BACKOFF",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOKEN_LIFETIME",
    "DEFAULT_TOKEN_REFRESH_ATTEMPTS",
    "REGIONS",
    "ClientConfig",
    "check_headers",
    "headers_repr",
    "merge_headers",
]

#: Azure EU, Synerise's default host.
DEFAULT_BASE_URL = "https://api.synerise.com"

#: The documented hosts, by short region name (``SyneriseClient.for_region``).
REGIONS: Mapping[str, str] = MappingProxyType(
    {
        "eu": "https://api.synerise.com",  # Azure EU
        "geb": "https://api.geb.synerise.com",  # Google Cloud
        "azu": "https://api.azu.synerise.com",  # Azure US
    }
)

#: Sent as the ``Api-Version`` header, as Synerise's own clients do.
DEFAULT_API_VERSION = "4.4"

#: Seconds one attempt may take, from sending to the last byte of the body.
DEFAULT_TIMEOUT = 30.0
#: Seconds to establish a connection (part of the attempt's time).
DEFAULT_CONNECT_TIMEOUT = 10.0

#: Retries after the first attempt (so at most ``1 + DEFAULT_MAX_RETRIES`` attempts).
DEFAULT_MAX_RETRIES = 4
#: Exponential backoff: retry n (1 for the first) waits uniform(0, min(cap, base * 2**(n-1)))
#: ("full jitter"; ``_http.backoff_delay``).
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_CAP = 8.0
#: A ``Retry-After`` longer than this is not waited out: the error is raised instead.
DEFAULT_MAX_RETRY_AFTER = 60.0

#: Requests of one client in flight at once (a limiter slot per request attempt).
DEFAULT_MAX_CONCURRENCY = 16

#: Refresh a token when less than min(cap, fraction * lifetime) of it is left.
DEFAULT_REFRESH_MARGIN_CAP = 60.0
DEFAULT_REFRESH_MARGIN_FRACTION = 0.2
#: Treat a token as expired this much before its computed expiry, at most a tenth of
#: its lifetime: servers round ``exp`` and ``iat`` to whole seconds.
DEFAULT_EXPIRY_SAFETY = 1.0
#: Lifetime assumed for a token whose expiry cannot be read (an encrypted JWE token
#: without an ``expiration`` field). Short on purpose: renewing early is cheap, and a
#: 401 still triggers a renewal if the server's lifetime is shorter.
DEFAULT_TOKEN_LIFETIME = 600.0
#: Attempts of each token request (a login, an MFA step, a Workspace selection, a token
#: refresh) before obtaining the token fails: its one retry budget, by default the same
#: as any request's. A refresh that fails reaches every request waiting for it as
#: ``TokenRefreshError``.
DEFAULT_TOKEN_REFRESH_ATTEMPTS = 1 + DEFAULT_MAX_RETRIES
#: Seconds after the API refused a login's credentials (401/403) during which the same
#: credentials are not sent again: requests meanwhile get ``LoginRefusedError`` at once.
DEFAULT_REFUSED_LOGIN_BACKOFF = 5.0

#: Seconds ``SyneriseClient.aclose()`` waits for async event hooks still running before
#: it cancels them.
DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT = 1.0


def _bad(attribute: attrs.Attribute[Any], message: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"config.{attribute.name}", message)


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise _bad(attribute, f"must be a positive number of seconds; got {value!r}")


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise _bad(attribute, f"must be a number of seconds, 0 or more; got {value!r}")


def _non_negative_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(attribute, f"must be an integer, 0 or more; got {value!r}")


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _bad(attribute, f"must be an integer, 1 or more; got {value!r}")


def _optional_positive(
    instance: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is not None:
        _positive(instance, attribute, value)  # type: ignore[arg-type]


def _flag(instance: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise _bad(attribute, f"must be True or False; got {value!r}")


def _header_value(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value or has_control_character(value):
        raise _bad(
            attribute, f"must be a non-empty string without control characters; got {value!r}"
        )


def shown_proxy(url: str | URL) -> str:
    """A proxy URL as it may be shown: scheme, host and port, never its credentials.

    Never raises: a URL that cannot be read (a password with an unencoded ``/`` or ``#``
    makes parsers take part of it for the port, and their errors quote that part) is
    shown by its scheme alone.
    """
    try:
        parsed = url if isinstance(url, URL) else URL(url)
        host, port = parsed.raw_host or "", parsed.port
    except (ValueError, TypeError):
        scheme, sep, _ = str(url).partition("://")
        shown = scheme if sep and scheme.isalnum() else ""
        return f"{shown}://<unreadable>" if shown else "<unreadable URL>"
    if ":" in host:  # IPv6, bracketed as in the URL
        host = f"[{host}]"
    return f"{parsed.scheme}://{host}{f':{port}' if port is not None else ''}"


def _proxy(value: object) -> str | None:
    if value is None:
        return None
    problem = "must be an http:// or https:// URL with a host"
    if isinstance(value, str) and not has_control_character(value):
        try:
            url = URL(value)
            ok = url.scheme in ("http", "https") and bool(url.host) and url.port is not None
        except (ValueError, TypeError):
            ok = False
        if ok:
            return Redacted(value)  # its credentials in no repr, like the other secrets
    # Only the scheme, host and port are shown: the URL may hold a password.
    shown = shown_proxy(value) if isinstance(value, str) else type(value).__name__
    raise InvalidArgumentError("config.proxy", f"{problem}; got {shown} (credentials not shown)")


def _event_hooks(value: object) -> tuple[EventHook, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
        raise InvalidArgumentError(
            "config.event_hooks", f"must be a list of callables; got {type(value).__name__}"
        )
    for hook in value:
        if not callable(hook):
            raise InvalidArgumentError(
                "config.event_hooks",
                f"must hold callables (hook(event), plain or async); got {type(hook).__name__}",
            )
    return tuple(value)


def _proxy_repr(value: str | None) -> str:
    return "None" if value is None else repr(shown_proxy(value))


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


#: Headers that frame the request's body: aiohttp sets them from the body it sends.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


def check_headers(argument: str, value: object) -> Mapping[str, str]:
    """Extra request headers, checked: ``value`` as a read-only mapping of valid header
    names to values without control characters, none of them Authorization (the
    credentials set it; a second one would be sent beside theirs or replace it silently)
    nor ``Content-Length`` or ``Transfer-Encoding`` (the body sets them; another value
    leaves the server waiting for bytes that never come).

    Raises:
        InvalidArgumentError: naming ``argument``; a value is never quoted, since a
            custom header may carry a secret.
    """
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            argument, f"must be a mapping of header names to values; got {type(value).__name__}"
        )
    for name, item in value.items():
        if not isinstance(name, str) or not name or not set(name) <= _TOKEN_CHARS:
            raise InvalidArgumentError(argument, f"{name!r} is not a valid header name")
        if name.lower() == "authorization":
            raise InvalidArgumentError(argument, "must not set Authorization: the credentials do")
        if name.lower() in _FRAMING_HEADERS:
            raise InvalidArgumentError(argument, f"must not set {name}: the request's body does")
        if not isinstance(item, str) or has_control_character(item):
            raise InvalidArgumentError(
                argument, f"the value of {name!r} must be a string without control characters"
            )
    return MappingProxyType(dict(value))


def merge_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``base`` with ``extra`` on top, names compared without case (HTTP's rule): a
    ``user-agent`` in ``extra`` replaces ``User-Agent`` instead of being sent beside it."""
    replaced = {name.lower() for name in extra}
    return {
        **{name: value for name, value in base.items() if name.lower() not in replaced},
        **extra,
    }


def headers_repr(headers: Mapping[str, str] | None) -> str:
    """Headers as a repr shows them: their names only, since a value may be a secret."""
    if headers is None:
        return "None"
    return "{" + ", ".join(f"{name!r}: '***'" for name in headers) + "}"


def _headers(value: object) -> Mapping[str, str]:
    return check_headers("config.headers", value)


@attrs.frozen(kw_only=True)
class ClientConfig:
    """How a :class:`~synerise_async.SyneriseClient` talks to the API.

    Policy, in short:

    - every attempt has its own ``timeout``; ``max_retries`` more attempts follow a
      retryable failure (connection errors, timeouts, 408, 429, 500, 502, 503, 504);
      a non-idempotent request (POST, PATCH) is retried after it may have reached the
      server only with ``retry_unsafe``;
    - ``total_timeout``, when set, bounds a whole call: its attempts, backoffs and waits
      (limiter, cool-down, token refresh); past it the call raises ``APITimeoutError``,
      and a backoff that would end after it is not slept;
    - the wait before retry n (1 for the first) is uniform in
      ``[0, min(backoff_cap, backoff_base * 2**(n - 1)))``,
      unless the server sent ``Retry-After``, which wins up to ``max_retry_after``;
    - at most ``max_concurrency`` requests are in flight, and at most
      ``max_requests_per_second`` start each second when that is set;
    - a token is refreshed in the background when less than ``refresh_margin`` of it
      is left (default: the smaller of 60 s and a fifth of its lifetime);
    - a client that opens its own aiohttp session sends through ``proxy`` when it is
      set, else (``trust_env``, the default) through the proxy that ``HTTP_PROXY`` /
      ``HTTPS_PROXY`` name, honouring ``NO_PROXY`` (read once, when the client opens;
      ``~/.netrc`` is not read); a proxy that cannot be reached
      fails as ``APIConnectionError`` naming it. A session you pass in is used as it
      is: these two settings do not change it.

    Change one value with ``attrs.evolve(config, max_retries=0)``.

    Raises:
        InvalidArgumentError: a value out of range or of the wrong type, naming it
            (``config.timeout``), before anything is sent.
    """

    timeout: float = attrs.field(default=DEFAULT_TIMEOUT, validator=_positive)
    connect_timeout: float = attrs.field(default=DEFAULT_CONNECT_TIMEOUT, validator=_positive)
    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, validator=_non_negative_int)
    backoff_base: float = attrs.field(default=DEFAULT_BACKOFF_BASE, validator=_positive)
    backoff_cap: float = attrs.field(default=DEFAULT_BACKOFF_CAP, validator=_positive)
    max_retry_after: float = attrs.field(default=DEFAULT_MAX_RETRY_AFTER, validator=_positive)
    max_concurrency: int = attrs.field(default=DEFAULT_MAX_CONCURRENCY, validator=_positive_int)
    max_requests_per_second: float | None = attrs.field(default=None, validator=_optional_positive)
    refresh_margin: float | None = attrs.field(default=None, validator=_optional_positive)
    default_token_lifetime: float = attrs.field(default=DEFAULT_TOKEN_LIFETIME, validator=_positive)
    token_refresh_attempts: int = attrs.field(
        default=DEFAULT_TOKEN_REFRESH_ATTEMPTS, validator=_positive_int
    )
    refused_login_backoff: float = attrs.field(
        default=DEFAULT_REFUSED_LOGIN_BACKOFF, validator=_non_negative
    )
    api_version: str = attrs.field(default=DEFAULT_API_VERSION, validator=_header_value)
    user_agent: str = attrs.field(default=f"synerise-async/{__version__}", validator=_header_value)
    #: Sent with every request; shown by name only (a value may be a secret).
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_headers, repr=headers_repr)
    allow_insecure_http: bool = attrs.field(default=False, validator=_flag)
    trust_env: bool = attrs.field(default=True, validator=_flag)
    #: An http(s) proxy URL; credentials in it are never shown (nor in this repr).
    proxy: str | None = attrs.field(default=None, converter=_proxy, repr=_proxy_repr)
    #: Seconds one call may take in all: every attempt, backoff, limiter and token wait
    #: (None: no bound but the attempts' own ``timeout``).
    total_timeout: float | None = attrs.field(default=None, validator=_optional_positive)
    #: Retry non-idempotent requests (POST, PATCH: starting a workflow) after they may
    #: have reached the server too. Off by default: a repeat may do the work twice.
    retry_unsafe: bool = attrs.field(default=False, validator=_flag)
    #: Called with every :mod:`~synerise_async.events` event: plain or ``async``
    #: callables, ``hook(event)``. See :mod:`synerise_async.events` for the rules.
    event_hooks: tuple[EventHook, ...] = attrs.field(default=(), converter=_event_hooks)

    def refresh_margin_for(self, lifetime: float) -> float:
        """Seconds before expiry at which a token of ``lifetime`` seconds is refreshed."""
        if self.refresh_margin is not None:
            return min(self.refresh_margin, lifetime / 2)
        return min(DEFAULT_REFRESH_MARGIN_CAP, DEFAULT_REFRESH_MARGIN_FRACTION * lifetime)

    def default_headers(self) -> dict[str, str]:
        """The headers sent with every request, before authentication."""
        defaults = {
            "Accept": "application/json",
            "User-Agent": self.user_agent,
            "Api-Version": self.api_version,
        }
        return merge_headers(defaults, self.headers)

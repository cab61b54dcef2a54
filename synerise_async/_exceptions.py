"""The SDK's errors: one tree, one mapping from HTTP status to class.

::

    SyneriseError
    ├── PageError                     mixin: a failure that stopped a paginated walk; carries ``resume_page``
    ├── InvalidArgumentError          bad input, raised before any request (also a ValueError)
    ├── ClientStateError              client used outside ``async with``, after close, or on another loop
    ├── TokenRefreshError             no valid token could be obtained; ``__cause__`` says why
    └── APIError                      something went wrong talking to the API; carries ``request`` and ``attempts``
        ├── APIConnectionError        no usable response (refused, reset, DNS, truncated body)
        │   └── APITimeoutError       an attempt ran out of time
        ├── ResponseValidationError   a 2xx response whose body is not JSON or not of the expected shape
        └── APIStatusError            a non-2xx response; carries ``status_code``, ``body`` (ErrorBody) and ``text``
            ├── BadRequestError           400
            ├── AuthenticationError       401 (and a 403 that the body marks as a token problem)
            │   └── LoginRefusedError     a login refused its credentials (also a TokenRefreshError)
            ├── PermissionDeniedError     403
            ├── NotFoundError             404
            ├── ConflictError             409
            ├── RateLimitError            429
            └── InternalServerError       500 and above

``APIError.may_have_been_processed`` tells "not sent, safe to retry" (a refused
connection) apart from "the server may have acted on it" (a timeout, a reset after
sending, any status). No error message, repr or attribute carries a credential: the
request is described by its method and URL only, and the URL never holds a secret.

An error carries what it knows from the moment it is made: every attribute is a
constructor argument, and nothing is set on an error after it was raised. A paginated
walk that fails does not patch the failure either: it raises a new error of the same
class that is also a :class:`PageError`, built from the original's fields plus
``resume_page``, ``from`` the original (see :func:`page_error`). So
``except RateLimitError`` around ``async for page in paginate(...)`` catches it as it
catches the failure of a single call, and ``except PageError`` catches any failed walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import attrs
from multidict import CIMultiDict

from ._types import RequestInfo

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientStateError",
    "ConflictError",
    "ErrorBody",
    "FieldError",
    "InternalServerError",
    "InvalidArgumentError",
    "LoginRefusedError",
    "NotFoundError",
    "PageError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "SyneriseError",
    "TokenRefreshError",
    "page_error",
    "status_error",
]

#: How much of a non-JSON error body is kept on the error (it may be a whole HTML page).
_TEXT_LIMIT = 2000


@attrs.frozen(kw_only=True)
class FieldError:
    """One entry of an error body's ``errors[]``: which field was rejected and why.

    Attributes:
        code: as it came: an integer in Synerise's generated client, a string in some
            bodies (any other JSON value is kept as its text).
    """

    code: int | str | None = None
    field: str | None = None
    message: str | None = None
    rejected_value: Any = None


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _int_or_str(value: object) -> int | str | None:
    # ``True`` is an int to Python, not to JSON: it is kept as text like any other value.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _opt_str(value)


@attrs.frozen(kw_only=True)
class ErrorBody:
    """Synerise's error body, parsed leniently; keys it does not know are kept in ``extra``.

    ``{timestamp, status, error, message, path}``, sometimes ``errors[]`` or ``errorCode``.
    """

    timestamp: str | None = None
    status_code: int | None = None
    error: str | None = None
    message: str | None = None
    path: str | None = None
    error_code: str | None = None
    errors: tuple[FieldError, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    _KNOWN = frozenset({"timestamp", "status", "error", "message", "path", "errorCode", "errors"})

    @classmethod
    def from_json(cls, data: object) -> ErrorBody | None:
        """Build from a decoded JSON value; ``None`` when it is not an object. Never raises."""
        if not isinstance(data, dict):
            return None
        status_code = data.get("status")
        errors = data.get("errors")
        return cls(
            timestamp=_opt_str(data.get("timestamp")),
            status_code=status_code
            if isinstance(status_code, int) and not isinstance(status_code, bool)
            else None,
            error=_opt_str(data.get("error")),
            message=_opt_str(data.get("message")),
            path=_opt_str(data.get("path")),
            error_code=_opt_str(data.get("errorCode")),
            errors=tuple(
                FieldError(
                    code=_int_or_str(e.get("code")),
                    field=_opt_str(e.get("field")),
                    message=_opt_str(e.get("message")),
                    rejected_value=e.get("rejectedValue"),
                )
                for e in errors
                if isinstance(e, dict)
            )
            if isinstance(errors, list)
            else (),
            extra={k: v for k, v in data.items() if k not in cls._KNOWN},
        )

    def summary(self) -> str:
        """A one-line description: the message, then each rejected field."""
        parts = [p for p in (self.error_code, self.message or self.error) if p]
        for e in self.errors:
            text = e.message or (f"code {e.code}" if e.code is not None else "")
            line = ": ".join(part for part in (e.field, text) if part)
            if line:
                parts.append(line)
        return "; ".join(parts)


class SyneriseError(Exception):
    """Root of every error the SDK raises on purpose.

    Every error can be copied (``copy.copy``, ``copy.deepcopy``) and pickled (to cross a
    process): it is rebuilt from its ``args``, attributes and notes without calling its
    constructor, whose fields are keyword-only.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        state = dict(vars(self))
        headers = state.get("headers")
        if headers is not None and not isinstance(headers, dict):
            # aiohttp's read-only CIMultiDictProxy can be neither pickled nor copied.
            state["headers"] = CIMultiDict(headers)
        return (
            _rebuild,
            (_page_error_of.get(type(self), type(self)), self.args, type(self) in _page_error_of),
            state,
        )


def _rebuild(cls: type[SyneriseError], args: tuple[Any, ...], walk: bool) -> SyneriseError:
    """An error of ``cls`` (its walk's class when ``walk``) with ``args``, its attributes
    to be restored by pickle's ``__setstate__``: the inverse of ``SyneriseError.__reduce__``."""
    made = _page_error_class(cls) if walk else cls
    return made.__new__(made, *args)


class PageError(SyneriseError):
    """A failure that stopped a paginated walk, with the page that resumes it.

    A walk never raises a bare ``PageError``: it raises the failure of a page's request
    as an error of that failure's class that is also a ``PageError`` (a
    :class:`RateLimitError` stays a ``RateLimitError``, shown under the same name), made
    by :func:`page_error`. It has the original's message, attributes and notes, a note
    naming the ``start_page`` that resumes the walk, and the original error as its
    ``__cause__``.

    Attributes:
        resume_page: the ``start_page`` that resumes the walk where it stopped: every
            item comes out exactly once across the two walks.
    """

    resume_page: int

    def __init__(self, error: SyneriseError, *, resume_page: int) -> None:
        Exception.__init__(self, *error.args)
        # The original's fields as they are (they were all set when it was made); its
        # notes copied, not shared, so that the note added here stays on this error.
        self.__dict__.update(vars(error))
        notes = list(getattr(error, "__notes__", ()))
        if isinstance(error, PageError):  # made again (a walk inside a fetch): one resume page
            notes = [note for note in notes if note != _resume_note(error.resume_page)]
        self.__notes__ = notes
        self.resume_page = resume_page
        self.add_note(_resume_note(resume_page))


def _resume_note(resume_page: int) -> str:
    return f"Resume the walk with start_page={resume_page}."


#: One walk-error class per error class, made on its first failed walk.
_PAGE_ERROR_CLASSES: dict[type[SyneriseError], type[PageError]] = {}
#: The other way: the error class each walk-error class was made for (pickled by it).
_page_error_of: dict[type[SyneriseError], type[SyneriseError]] = {}


def _page_error_class(cls: type[SyneriseError]) -> type[PageError]:
    if issubclass(cls, PageError):  # already a walk's error (a walk inside a fetch)
        return cls
    made = _PAGE_ERROR_CLASSES.get(cls)
    if made is None:
        namespace = {
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__,
        }
        made = cast("type[PageError]", type(cls.__name__, (PageError, cls), namespace))
        _PAGE_ERROR_CLASSES[cls] = made
        _page_error_of[made] = cls
    return made


def page_error(error: SyneriseError, *, resume_page: int) -> PageError:
    """The error a walk raises when fetching page ``resume_page`` failed with ``error``.

    Its class is a subclass of both ``type(error)`` and :class:`PageError`, one per
    class of error (made once, and named like it); raise it ``from error``.
    """
    return _page_error_class(type(error))(error, resume_page=resume_page)


class InvalidArgumentError(SyneriseError, ValueError):
    """An argument was rejected before any request was sent.

    Attributes:
        argument: the name of the offending argument.
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class ClientStateError(SyneriseError, RuntimeError):
    """The client cannot send: not entered with ``async with``, closed, or on another loop."""


class TokenRefreshError(SyneriseError):
    """No valid token could be obtained; the error that made the attempt fail is
    ``__cause__``. Credentials the API refused raise :class:`LoginRefusedError`, which is
    a ``TokenRefreshError`` and an ``AuthenticationError``; any other failure (the API
    unreachable, 5xx, a malformed answer after every retry) is a plain ``TokenRefreshError``."""


class APIError(SyneriseError):
    """A request did not produce the expected result.

    Attributes:
        request: method and URL of the request.
        attempts: how many attempts were made (1 when no retry happened).
        may_have_been_processed: ``False`` only when the request is known not to have
            reached the server, so sending it again cannot do anything twice.
    """

    may_have_been_processed: bool = True

    def __init__(self, message: str, *, request: RequestInfo, attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.attempts = attempts

    def __str__(self) -> str:
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.message} ({self.request}{tries})"


class APIConnectionError(APIError):
    """No usable response: the connection failed, was reset, or the body was cut short."""

    def __init__(
        self,
        message: str = "Connection error",
        *,
        request: RequestInfo,
        attempts: int = 1,
        sent: bool = True,
    ) -> None:
        super().__init__(message, request=request, attempts=attempts)
        self.may_have_been_processed = sent


class APITimeoutError(APIConnectionError):
    """An attempt took longer than the configured ``timeout``, or a whole call longer
    than its ``total_timeout`` (the message says which)."""

    def __init__(
        self,
        message: str = "Request timed out",
        *,
        request: RequestInfo,
        attempts: int = 1,
        sent: bool = True,
    ) -> None:
        super().__init__(message, request=request, attempts=attempts, sent=sent)


class ResponseValidationError(APIError):
    """A 2xx response whose body is not JSON, or not of the shape the SDK expects.

    Attributes:
        status_code: the HTTP status of the response.
        text: the start of the body as text.
        errors: one line per problem, each naming the field path (``$.data[3].diagramId``).
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo,
        status_code: int,
        text: str = "",
        errors: tuple[str, ...] = (),
        attempts: int = 1,
    ) -> None:
        super().__init__(message, request=request, attempts=attempts)
        self.status_code = status_code
        self.text = text[:_TEXT_LIMIT]
        self.errors = errors


class APIStatusError(APIError):
    """The API answered with a non-2xx status.

    Attributes:
        status_code: the HTTP status code.
        body: the parsed Synerise error body, or ``None`` when the body was not a JSON object.
        text: the start of the raw body as text.
        headers: the response headers.
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo,
        status_code: int,
        body: ErrorBody | None,
        text: str = "",
        headers: Mapping[str, str] | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, request=request, attempts=attempts)
        self.status_code = status_code
        self.body = body
        self.text = text[:_TEXT_LIMIT]
        self.headers: Mapping[str, str] = headers or {}


class BadRequestError(APIStatusError):
    """400: the API rejected the request's content (see ``body.errors``)."""


class AuthenticationError(APIStatusError):
    """401: missing, expired or invalid token, wrong scope or wrong API key."""


class LoginRefusedError(AuthenticationError, TokenRefreshError):
    """The API refused the credentials themselves (a 401 or 403 answering a login: a wrong
    API key, password or MFA code). It is both an :class:`AuthenticationError` and a
    :class:`TokenRefreshError`, and carries the refused login's ``status_code``, ``body``,
    ``request`` and ``attempts``. The token session does not send the same credentials
    again for ``ClientConfig.refused_login_backoff`` seconds: calls made meanwhile get
    this error at once."""


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but not allowed to do this.

    Attributes:
        permission: the API key permission the operation needs, as Synerise's reference
            names it (``AUTOMATON_BRAIN_DIAGRAM_EXECUTE``), or ``None`` when it names none.
        role_group: the User role group that grants it (``AUTOMATION_2_JOURNEYS``), or
            ``None``. Both are in the message too, so the log says what to grant.
    """

    def __init__(
        self,
        message: str,
        *,
        permission: str | None = None,
        role_group: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.permission = permission
        self.role_group = role_group


class NotFoundError(APIStatusError):
    """404: no such resource (or not in this Workspace)."""


class ConflictError(APIStatusError):
    """409: the resource's state does not allow this (for example running a stopped workflow)."""


class RateLimitError(APIStatusError):
    """429: too many requests.

    Attributes:
        retry_after: the server's requested wait in seconds (``Retry-After``), if it gave one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """500 and above: the API failed."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error(
    status_code: int,
    *,
    request: RequestInfo,
    body: ErrorBody | None,
    text: str = "",
    headers: Mapping[str, str] | None = None,
    attempts: int = 1,
    token_problem: bool = False,
    retry_after: float | None = None,
    permission: str | None = None,
    role_group: str | None = None,
) -> APIStatusError:
    """The one mapping from an HTTP status to its error class and message.

    ``retry_after`` (seconds) is kept on a :class:`RateLimitError`; ``permission`` and
    ``role_group`` (what the operation needs) on a :class:`PermissionDeniedError`,
    whose message names them.
    """
    if token_problem:
        cls: type[APIStatusError] = AuthenticationError
    elif status_code >= 500:
        cls = InternalServerError
    else:
        cls = _BY_STATUS.get(status_code, APIStatusError)
    detail = body.summary() if body is not None else ""
    message = f"HTTP {status_code}" + (f": {detail}" if detail else "")
    if status_code == 407:  # the proxy's answer, not the API's
        message += (
            "; the proxy refused its credentials (check the user and password of the proxy URL)"
        )
    needs: dict[str, Any] = {}
    if cls is RateLimitError:
        needs = {"retry_after": retry_after}
    elif cls is PermissionDeniedError:
        needs = {"permission": permission, "role_group": role_group}
        if permission is not None:
            group = f" (User role group {role_group})" if role_group else ""
            message += f"; this operation needs the {permission} permission{group}"
    return cls(
        message,
        request=request,
        status_code=status_code,
        body=body,
        text=text,
        headers=headers,
        attempts=attempts,
        **needs,
    )

"""synerise-async: an async-first SDK for the Synerise API.

::

    from synerise_async import SyneriseClient, WorkspaceAuth
    from synerise_async.api.workspaces import get_current_workspace

    async with SyneriseClient(WorkspaceAuth(api_key="...")) as client:
        workspace = await get_current_workspace.asyncio(client=client)

The package's loggers (``synerise_async.*``) have one ``logging.NullHandler`` and no other
handler: what they say reaches an application's own handlers, and nothing is printed
when it configured none.
"""

import logging as _logging

from ._client import SyneriseClient
from ._clock import Clock
from ._config import DEFAULT_BASE_URL, REGIONS, ClientConfig
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientStateError,
    ConflictError,
    ErrorBody,
    FieldError,
    InternalServerError,
    InvalidArgumentError,
    LoginRefusedError,
    NotFoundError,
    PageError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    SyneriseError,
    TokenRefreshError,
)
from ._http import ClientStats, Request, RetryPolicy
from ._redaction import Redacted
from ._types import UNSET, OpenEnum, RawResponse, RequestInfo, Response, Unset
from ._version import __version__
from .auth import BasicAuth, Credentials, ProfileAuth, TokenAuth, UserAuth, WorkspaceAuth
from .pagination import AsyncPaginator, Page

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

__all__ = [
    "DEFAULT_BASE_URL",
    "REGIONS",
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "BasicAuth",
    "ClientConfig",
    "ClientStateError",
    "ClientStats",
    "Clock",
    "ConflictError",
    "Credentials",
    "ErrorBody",
    "FieldError",
    "InternalServerError",
    "InvalidArgumentError",
    "LoginRefusedError",
    "NotFoundError",
    "OpenEnum",
    "Page",
    "PageError",
    "PermissionDeniedError",
    "ProfileAuth",
    "RateLimitError",
    "RawResponse",
    "Redacted",
    "Request",
    "RequestInfo",
    "Response",
    "ResponseValidationError",
    "RetryPolicy",
    "SyneriseClient",
    "SyneriseError",
    "TokenAuth",
    "TokenRefreshError",
    "Unset",
    "UserAuth",
    "WorkspaceAuth",
    "__version__",
]

# Errors show where users import them from (``synerise_async.NotFoundError`` in a traceback,
# not ``synerise_async._exceptions.NotFoundError``), as httpx does for its whole surface.
# Only the errors: models keep their modules, where their string annotations resolve.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and issubclass(_value, BaseException):
        _value.__module__ = __name__
del _name, _value

"""Synerise-shaped error bodies, and the exception handlers raise to send one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

JSON_CONTENT_TYPE = "application/json"
#: Body fields whose values never appear in error bodies or the request log.
SECRET_FIELDS = frozenset(
    {"apiKey", "password", "verificationCode", "identityProviderToken", "externalProviderToken"}
)
MASK = "***"


class ApiError(Exception):
    """Raised by a route handler to answer with a JSON error body.

    Args:
        status: The HTTP status.
        message: The ``message`` field; never a secret.
        errors: Validation details for the ``errors[]`` field.
        headers: Extra response headers.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = dict(headers) if headers else {}


def field_error(field: str, message: str, rejected: Any, code: str) -> dict[str, Any]:
    """Build one ``errors[]`` entry of a validation error body (secrets masked)."""
    if field in SECRET_FIELDS and rejected not in (None, ""):
        rejected = MASK
    return {"code": code, "field": field, "message": message, "rejectedValue": rejected}


def invalid(field: str, message: str, rejected: Any, code: str = "InvalidValue") -> ApiError:
    """Build the 400 error for one invalid request field."""
    return ApiError(
        400,
        f"Validation failed: {field} {message}",
        errors=[field_error(field, message, rejected, code)],
    )


def iso_timestamp(epoch: float) -> str:
    """Format epoch seconds as ISO-8601 UTC with milliseconds and a ``Z``."""
    text = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def reason_phrase(status: int) -> str:
    """The standard reason phrase of ``status`` (``"Error"`` for unknown codes)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(
    status: int,
    message: str,
    path: str,
    now: float,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Build a JSON error response shaped like Synerise's."""
    body: dict[str, Any] = {
        "timestamp": iso_timestamp(now),
        "status": status,
        "error": reason_phrase(status),
        "message": message,
        "path": path,
    }
    if errors is not None:
        body["errors"] = errors
    return web.Response(
        status=status,
        body=json.dumps(body, separators=(",", ":")).encode(),
        content_type=JSON_CONTENT_TYPE,
        headers=headers,
    )

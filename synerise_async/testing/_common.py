"""Small helpers shared by the route modules: bodies in, JSON out."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ._errors import JSON_CONTENT_TYPE, ApiError, field_error
from ._state import CURRENT_REQUEST, INVALID_JSON, AuthInfo


def json_response(payload: Any, status: int = 200) -> web.Response:
    """Serialize ``payload`` compactly as a JSON response."""
    return web.Response(
        status=status,
        body=json.dumps(payload, separators=(",", ":")).encode(),
        content_type=JSON_CONTENT_TYPE,
    )


def raw_json_response(body: bytes, status: int = 200) -> web.Response:
    """Send already-serialized JSON."""
    return web.Response(status=status, body=body, content_type=JSON_CONTENT_TYPE)


def auth_of() -> AuthInfo:
    """The credential of the request being handled."""
    return CURRENT_REQUEST.get().auth


def body_of(*, required: bool = True) -> dict[str, Any]:
    """The JSON object body of the request being handled.

    Args:
        required: Whether a missing body is an error (else it reads as ``{}``).

    Raises:
        ApiError: 400 for invalid JSON, a non-object body, or a missing required body.
    """
    body = CURRENT_REQUEST.get().body
    if body is INVALID_JSON:
        raise ApiError(400, "Malformed JSON request body")
    if body is None:
        if required:
            raise ApiError(400, "Required request body is missing")
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def required_str(body: dict[str, Any], field: str) -> str:
    """Read a required non-empty string field, raising 400 with ``errors[]``."""
    value = body.get(field)
    if value is None or value == "":
        raise ApiError(
            400,
            f"Validation failed: {field} must not be blank",
            errors=[field_error(field, "must not be blank", value, "NotBlank")],
        )
    if not isinstance(value, str):
        raise ApiError(
            400,
            f"Validation failed: {field} must be a string",
            errors=[field_error(field, "must be a string", value, "TypeMismatch")],
        )
    return value


def one_of(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    """Check ``value`` is one of ``allowed`` (exact match), raising 400 with ``errors[]``."""
    if value in allowed:
        return str(value)
    message = f"must be one of {', '.join(allowed)}"
    raise ApiError(
        400,
        f"Validation failed: {field} {message}",
        errors=[field_error(field, message, value, "InvalidValue")],
    )

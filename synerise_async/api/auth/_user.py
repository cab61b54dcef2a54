"""What the User login (6) and its MFA verification (7) share: the optional body fields."""

from __future__ import annotations

from typing import Any

from ..._types import Unset
from ..._validation import check_str

__all__ = ["optional_user_fields"]


def optional_user_fields(
    *,
    device_id: str | Unset,
    external_provider_token: str | Unset,
    external_provider_type: str | Unset,
) -> dict[str, Any]:
    """``deviceId``, ``externalProviderToken`` and ``externalProviderType``, each only when
    given; checked before anything is sent. The token is a secret: it is kept as
    :class:`~synerise_async.Redacted` and never shown in a message."""
    body: dict[str, Any] = {}
    if not isinstance(device_id, Unset):
        body["deviceId"] = check_str("device_id", device_id)
    if not isinstance(external_provider_token, Unset):
        body["externalProviderToken"] = check_str(
            "external_provider_token", external_provider_token, secret=True
        )
    if not isinstance(external_provider_type, Unset):
        body["externalProviderType"] = check_str("external_provider_type", external_provider_type)
    return body

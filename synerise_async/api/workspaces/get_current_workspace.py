"""GET /uauth/business-profile/current: current Workspace (operation 11).

The Workspace the client's token is scoped to (``selected`` is false for a User who has
not selected one). Two shapes are read, since public sources disagree: the reference's
``{selected, data{...}}``, and the flat object of Synerise's generated client
(``businessProfileGuid, logo, name, id, created, subdomain, ipRestricted, mfaRequired``):
a body without ``data`` is read as the details themselves when it carries any of their
fields, ``selected`` optional in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..._http import Request
from ..._serde import structure_data, structure_response, to_camel
from ..._types import RawResponse, Response
from ...models._fields import extra_keys_field
from ...models.workspaces import CurrentWorkspace, WorkspaceDetails
from .._paths import CURRENT_WORKSPACE

if TYPE_CHECKING:
    from ..._client import SyneriseClient


@attrs.frozen(kw_only=True)
class _Shape:
    """Any body: ``selected``, and every other key as it came."""

    selected: bool | None = None
    rest: Mapping[str, Any] = extra_keys_field()


@attrs.frozen(kw_only=True)
class _Nested:
    """The reference's shape: the details under ``data`` (null when none is selected)."""

    data: WorkspaceDetails | None = None


#: The wire names of the details: a body without ``data`` is read as the details only
#: when it carries one of them (not for a ``requestId`` beside ``selected``, say).
_DETAIL_KEYS = frozenset(to_camel(a.name, WorkspaceDetails) for a in attrs.fields(WorkspaceDetails))


def _get_kwargs() -> Request:
    return Request(operation="get_current_workspace", method="GET", path=CURRENT_WORKSPACE)


def _parse_response(raw: RawResponse) -> CurrentWorkspace:
    shape = structure_response(raw, _Shape)
    details: WorkspaceDetails | None = None
    if "data" in shape.rest:
        details = structure_data(raw, shape.rest, _Nested).data
    elif not _DETAIL_KEYS.isdisjoint(shape.rest):  # the generated client's flat shape
        details = structure_data(raw, shape.rest, WorkspaceDetails)
    selected = shape.selected if shape.selected is not None else details is not None
    return CurrentWorkspace(selected=selected, data=details)


def _build_response(raw: RawResponse) -> Response[CurrentWorkspace]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(*, client: SyneriseClient) -> Response[CurrentWorkspace]:
    """Get the Workspace the client's token is scoped to.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.

    Returns:
        The response with the :class:`~synerise_async.models.CurrentWorkspace` as ``parsed``.

    Raises:
        ResponseValidationError: the body is of neither shape.
        APIError: (a subclass of) when the request fails.
    """
    return _build_response(await client.send(_get_kwargs()))


async def asyncio(*, client: SyneriseClient) -> CurrentWorkspace:
    """Get the Workspace the client's token is scoped to. See :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client)).parsed

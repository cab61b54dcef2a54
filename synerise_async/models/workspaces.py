"""Models of the Workspace operations. Synerise calls a Workspace a "business profile"."""

from __future__ import annotations

import datetime as dt

import attrs

from .._types import OpenEnum

__all__ = ["CurrentWorkspace", "Restriction", "Workspace", "WorkspaceDetails", "WorkspaceIds"]


class Restriction(OpenEnum):
    """Whether an IP or MFA restriction applies to a Workspace."""

    OFF = "OFF"
    ON = "ON"


@attrs.frozen(kw_only=True)
class Workspace:
    """A Workspace the User can access (operation 9).

    Attributes:
        guid: the Workspace's UUID, used to select it (``businessProfileGuid``).
        id: the numeric Workspace id.
    """

    guid: str | None = None
    id: int | None = None
    name: str | None = None
    logo: str | None = None
    created: dt.datetime | None = None
    subdomain: str | None = None
    ip_restricted: bool | None = None
    mfa_required: bool | None = None


@attrs.frozen(kw_only=True)
class WorkspaceIds:
    """A Workspace id with the User's settings for it (operation 10)."""

    id: int
    ip_restriction: Restriction | None = None
    mfa_restriction: Restriction | None = None
    favorite: bool | None = None


@attrs.frozen(kw_only=True)
class WorkspaceDetails:
    """Details of the current Workspace.

    The reference's ``data{...}`` carries ``ip_restriction``, ``mfa_restriction``,
    ``labels``, ``email_attribute_name`` and ``organization_guid``; the flat form that
    Synerise's generated client models carries ``ip_restricted`` and ``mfa_required``
    instead. Whatever a body leaves out is None (or empty).
    """

    id: int | None = None
    name: str | None = None
    logo: str | None = None
    guid: str | None = None
    created: dt.datetime | None = None
    subdomain: str | None = None
    ip_restriction: Restriction | None = None
    mfa_restriction: Restriction | None = None
    labels: tuple[str, ...] = ()
    email_attribute_name: str | None = None
    organization_guid: str | None = None
    ip_restricted: bool | None = None
    mfa_required: bool | None = None


@attrs.frozen(kw_only=True)
class CurrentWorkspace:
    """The Workspace the token is scoped to (operation 11).

    Attributes:
        selected: whether a Workspace is selected: the body's ``selected`` when it has
            one, else whether it carried a Workspace's details.
        data: the details; None when no Workspace is selected.
    """

    selected: bool
    data: WorkspaceDetails | None = None

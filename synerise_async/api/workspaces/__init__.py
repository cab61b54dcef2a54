"""Workspace operations (operations 9 to 11). Synerise calls a Workspace a "business profile"."""

from . import get_current_workspace, list_workspace_ids, list_workspaces

__all__ = ["get_current_workspace", "list_workspace_ids", "list_workspaces"]

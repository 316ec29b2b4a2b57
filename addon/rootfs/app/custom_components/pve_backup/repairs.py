"""Repairs: the add-on's lasting conditions as Home Assistant issues (issue_registry).

After each refresh the add-on sends the whole list (`pve_backup/repairs`); issues of this
domain that are no longer listed are deleted, so a Repair disappears when its condition ends.
The same message carries the version of the integration the add-on ships: when it differs
from this one, a `version_mismatch` issue says how to bring them in step.
"""

from __future__ import annotations

from typing import Any, Final

import voluptuous as vol
from homeassistant.components import websocket_api
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.loader import async_get_integration

from .const import DOMAIN
from .protocol import KEY

#: Translation keys (strings.json `issues`) the add-on may send.
REPAIR_KINDS: Final = (
    "job_missing_storage",
    "token_privilege",
    "storage_inactive",
    "verification_failed",
    "crash_consistent",
)
VERSION_MISMATCH: Final = "version_mismatch"

_SEVERITY: Final = {
    "job_missing_storage": ir.IssueSeverity.WARNING,
    "token_privilege": ir.IssueSeverity.ERROR,
    "storage_inactive": ir.IssueSeverity.ERROR,
    "verification_failed": ir.IssueSeverity.ERROR,
    "crash_consistent": ir.IssueSeverity.WARNING,
}

ISSUE_SCHEMA: Final = vol.Schema(
    {
        vol.Required("issue_id"): KEY,
        vol.Required("translation_key"): vol.In(REPAIR_KINDS),
        vol.Optional("placeholders", default=dict): vol.Schema({str: str}),
        vol.Optional("learn_more_url", default=None): vol.Any(
            None, vol.Url(), msg="expected null or an http(s) URL"
        ),
    }
)


@callback
def async_register_repairs(hass: HomeAssistant) -> None:
    """Register the `pve_backup/repairs` command (once per Home Assistant run)."""
    websocket_api.async_register_command(hass, ws_repairs)


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


@websocket_api.websocket_command(
    {
        vol.Required("type"): "pve_backup/repairs",
        vol.Optional("addon_version", default=None): vol.Any(None, str),
        vol.Optional("shipped_integration_version", default=None): vol.Any(None, str),
        vol.Required("issues"): [ISSUE_SCHEMA],
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_repairs(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Make this domain's issues exactly the listed ones (plus the version check)."""
    wanted: dict[str, dict[str, Any]] = {i["issue_id"]: i for i in msg["issues"]}
    if VERSION_MISMATCH in wanted:
        connection.send_error(
            msg["id"], websocket_api.ERR_INVALID_FORMAT, f"'{VERSION_MISMATCH}' is reserved"
        )
        return
    for issue_id, issue in wanted.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            learn_more_url=issue["learn_more_url"],
            severity=_SEVERITY[issue["translation_key"]],
            translation_key=issue["translation_key"],
            translation_placeholders=issue["placeholders"],
        )
    shipped = msg["shipped_integration_version"]
    installed = str((await async_get_integration(hass, DOMAIN)).version)
    if shipped is not None and _minor(shipped) != _minor(installed):
        wanted[VERSION_MISMATCH] = {}
        ir.async_create_issue(
            hass,
            DOMAIN,
            VERSION_MISMATCH,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=VERSION_MISMATCH,
            translation_placeholders={
                "addon": msg["addon_version"] or "unknown",
                "shipped": shipped,
                "installed": installed,
            },
        )
    registry = ir.async_get(hass)
    deleted = [
        issue_id
        for (domain, issue_id) in list(registry.issues)
        if domain == DOMAIN and issue_id not in wanted
    ]
    for issue_id in deleted:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    connection.send_result(msg["id"], {"issues": sorted(wanted), "deleted": sorted(deleted)})

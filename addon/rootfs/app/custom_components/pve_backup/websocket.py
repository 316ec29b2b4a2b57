"""Websocket commands of the bridge protocol (docs/bridge-protocol.md), admin only."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.components import webhook, websocket_api
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.loader import async_get_integration

from .bridge import BridgeRefused, PveBackupBridge, ServiceResult
from .const import (
    CONF_WEBHOOK_ID,
    DOMAIN,
    ERROR_KIND_INPUT,
    ERROR_KIND_UPSTREAM,
    PROTOCOL_VERSION,
)
from .protocol import (
    DEVICE_SCHEMA,
    ENTITY_SCHEMA,
    STATE_SCHEMA,
    Declaration,
    check_declaration,
)


@callback
def async_register_commands(hass: HomeAssistant) -> None:
    """Register the commands once per Home Assistant run (they cannot be unregistered)."""
    for handler in (ws_version, ws_connect, ws_states, ws_service_result, ws_webhook):
        websocket_api.async_register_command(hass, handler)


def _loaded_entry(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> ConfigEntry[PveBackupBridge] | None:
    """The loaded config entry, or None after answering `not_found`."""
    if entries := hass.config_entries.async_loaded_entries(DOMAIN):
        return entries[0]
    connection.send_error(
        msg["id"], websocket_api.ERR_NOT_FOUND, "PVE Backup has no loaded config entry"
    )
    return None


@websocket_api.websocket_command({vol.Required("type"): "pve_backup/version"})
@websocket_api.require_admin
@websocket_api.async_response
async def ws_version(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Protocol and integration version (lets the add-on detect the integration)."""
    integration = await async_get_integration(hass, DOMAIN)
    connection.send_result(
        msg["id"],
        {"protocol": PROTOCOL_VERSION, "integration_version": str(integration.version)},
    )


@websocket_api.websocket_command(
    vol.All(
        vol.Schema(
            {
                vol.Required("type"): "pve_backup/connect",
                vol.Required("protocol"): vol.All(
                    int, vol.In([PROTOCOL_VERSION], msg="unsupported protocol version")
                ),
                vol.Optional("addon_version", default=None): vol.Any(None, str),
                vol.Required("devices"): [DEVICE_SCHEMA],
                vol.Required("entities"): [ENTITY_SCHEMA],
            }
        ),
        check_declaration,
    )
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_connect(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Subscription: declare the whole catalogue, then receive events on this id."""
    if (entry := _loaded_entry(hass, connection, msg)) is None:
        return
    try:
        await entry.runtime_data.async_connect(connection, msg["id"], Declaration.from_wire(msg))
    except BridgeRefused as err:
        connection.send_error(msg["id"], err.code, str(err))
        return
    connection.send_result(msg["id"])


@websocket_api.websocket_command(
    {vol.Required("type"): "pve_backup/states", vol.Required("states"): [STATE_SCHEMA]}
)
@websocket_api.require_admin
@callback
def ws_states(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """A batch of states; unknown keys are ignored and not counted."""
    if (entry := _loaded_entry(hass, connection, msg)) is None:
        return
    try:
        applied = entry.runtime_data.async_apply_states(connection, msg["states"])
    except BridgeRefused as err:
        connection.send_error(msg["id"], err.code, str(err))
        return
    connection.send_result(msg["id"], {"applied": applied})


@websocket_api.websocket_command(
    vol.All(
        vol.Schema(
            {
                vol.Required("type"): "pve_backup/service_result",
                vol.Required("call_id"): str,
                vol.Required("success"): bool,
                vol.Optional("response"): object,
                vol.Optional("error"): vol.Any(None, str),
                vol.Optional("error_kind"): vol.Any(
                    None, vol.In([ERROR_KIND_INPUT, ERROR_KIND_UPSTREAM])
                ),
            }
        ),
        vol.Any(
            vol.Schema({vol.Required("success"): True}, extra=vol.ALLOW_EXTRA),
            vol.Schema(
                {vol.Required("success"): False, vol.Required("error"): str},
                extra=vol.ALLOW_EXTRA,
            ),
            msg="a failed result needs an error message (error)",
        ),
    )
)
@websocket_api.require_admin
@callback
def ws_service_result(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """The add-on's answer to a `service_call` event."""
    if (entry := _loaded_entry(hass, connection, msg)) is None:
        return
    result = ServiceResult(
        msg["success"], msg.get("response"), msg.get("error"), msg.get("error_kind")
    )
    try:
        resolved = entry.runtime_data.async_resolve_call(connection, msg["call_id"], result)
    except BridgeRefused as err:
        connection.send_error(msg["id"], err.code, str(err))
        return
    if not resolved:
        connection.send_error(msg["id"], websocket_api.ERR_NOT_FOUND, "Unknown or expired call_id")
        return
    connection.send_result(msg["id"])


@websocket_api.websocket_command({vol.Required("type"): "pve_backup/webhook"})
@websocket_api.require_admin
@callback
def ws_webhook(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """The HA webhook that forwards PVE notifications to the add-on."""
    if (entry := _loaded_entry(hass, connection, msg)) is None:
        return
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    connection.send_result(
        msg["id"],
        {"webhook_id": webhook_id, "path": webhook.async_generate_path(webhook_id)},
    )

"""PVE Backup companion integration: a thin, generic bridge to the PVE Backup add-on.

The add-on (the brain) connects over Home Assistant's websocket API, declares devices and
entities and pushes their states; this integration turns them into real entities, and
forwards service calls, button presses, select choices and the PVE webhook back to the
add-on on the same subscription. See docs/bridge-protocol.md.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aiohttp import hdrs
from aiohttp.web import Request, Response
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .blueprint import async_install_blueprint
from .bridge import PveBackupBridge
from .const import CONF_WEBHOOK_ID, DOMAIN, EVENT_WEBHOOK, LOGGER, PLATFORMS
from .frontend import async_register_card
from .repairs import async_register_repairs
from .services import async_register_services, async_unregister_services
from .websocket import async_register_commands

type PveBackupConfigEntry = ConfigEntry[PveBackupBridge]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

#: Request headers not forwarded to the add-on: Home Assistant's own credentials.
_PRIVATE_HEADERS = frozenset({hdrs.AUTHORIZATION.lower(), hdrs.COOKIE.lower()})


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the websocket commands (once; they look up the loaded entry per call)."""
    async_register_commands(hass)
    async_register_repairs(hass)
    await async_install_blueprint(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PveBackupConfigEntry) -> bool:
    """Create the bridge, its entities (from the stored declaration), webhook, services."""
    bridge = PveBackupBridge(hass, entry)
    await bridge.async_load()
    entry.runtime_data = bridge

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    async def handle_webhook(
        hass: HomeAssistant, webhook_id: str, request: Request
    ) -> Response | None:
        return await _async_forward_webhook(bridge, request)

    webhook.async_register(
        hass,
        DOMAIN,
        "PVE Backup notifications",
        entry.data[CONF_WEBHOOK_ID],
        handle_webhook,
        local_only=True,
        allowed_methods=[hdrs.METH_POST],
    )
    async_register_services(hass, bridge)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PveBackupConfigEntry) -> bool:
    """Unregister webhook and services, end the add-on subscription, unload platforms."""
    webhook.async_unregister(hass, entry.data[CONF_WEBHOOK_ID])
    async_unregister_services(hass)
    entry.runtime_data.async_shutdown()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: PveBackupConfigEntry) -> None:
    """Delete the stored declaration with the entry."""
    await PveBackupBridge(hass, entry).async_remove_store()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PveBackupConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only when the add-on no longer declares it."""
    declared = {d.key for d in entry.runtime_data.declaration.devices}
    return not any(d == DOMAIN and key in declared for d, key in device.identifiers)


async def _async_forward_webhook(bridge: PveBackupBridge, request: Request) -> Response | None:
    """Forward a PVE notification as a `webhook` event; 503 while the add-on is away."""
    body = await request.text()
    if not bridge.connected:
        LOGGER.warning(
            "PVE Backup webhook received while the add-on is not connected; answered 503"
        )
        return Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
    payload: Any
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = body  # PVE webhook bodies are templates: not necessarily JSON
    headers = {
        name.lower(): value
        for name, value in request.headers.items()
        if name.lower() not in _PRIVATE_HEADERS
    }
    bridge.async_send_event({"kind": EVENT_WEBHOOK, "payload": payload, "headers": headers})
    return None

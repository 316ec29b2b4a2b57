"""The `pve_backup.*` services: validated here, forwarded to the add-on as `service_call`.

Every service that changes something (PVE jobs, tiers, backups, notifications) is for
administrators only (permissions.py); `refresh` only reads and stays open to every user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import voluptuous as vol
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv

from .bridge import PveBackupBridge
from .const import DOMAIN
from .permissions import async_require_admin

#: vmids or device keys; numbers are passed on as strings.
GUESTS = vol.All(cv.ensure_list, [cv.string])
OPTIONAL_TEXT = vol.Any(None, cv.string)

_TARGET_KEYS: Final = frozenset(str(k) for k in cv.TARGET_SERVICE_FIELDS)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """Fields of one service; `target` services merge their device targets into guests.

    `admin`: the service changes something, so only administrators (and automations) may
    call it.
    """

    fields: dict[vol.Marker, Any]
    target: bool = False
    admin: bool = True


SERVICES: Final[dict[str, ServiceSpec]] = {
    "backup_now": ServiceSpec(
        {
            vol.Optional("guests", default=list): GUESTS,
            vol.Optional("tier", default=None): OPTIONAL_TEXT,
            vol.Optional("wait", default=False): cv.boolean,
        },
        target=True,
    ),
    "apply_policy": ServiceSpec({vol.Optional("dry_run", default=True): cv.boolean}),
    "set_guest_tier": ServiceSpec(
        {
            vol.Required("tier"): cv.string,
            vol.Optional("guests", default=list): GUESTS,
        },
        target=True,
    ),
    "configure_tier": ServiceSpec(
        {
            vol.Required("name"): cv.string,
            vol.Optional("schedule", default=None): OPTIONAL_TEXT,
            vol.Optional("keep_last", default=None): vol.Any(
                None, vol.All(vol.Coerce(int), vol.Range(min=1))
            ),
            vol.Optional("guests", default=None): vol.Any(None, GUESTS),
        }
    ),
    "backup_home_assistant": ServiceSpec(
        {
            vol.Optional("name", default=None): OPTIONAL_TEXT,
            # Left out: the add-on's defaults (back up, verify, do not configure).
            vol.Optional("backup"): cv.boolean,
            vol.Optional("verify"): cv.boolean,
            vol.Optional("configure"): cv.boolean,
        }
    ),
    "verify": ServiceSpec(
        {
            vol.Optional("guests", default=list): GUESTS,
            vol.Optional("tier", default=None): OPTIONAL_TEXT,
            vol.Optional("full", default=False): cv.boolean,
        },
        target=True,
    ),
    "snooze": ServiceSpec(
        {
            vol.Optional("hours", default=24): vol.All(vol.Coerce(int), vol.Range(min=1, max=168)),
            vol.Optional("guests", default=list): GUESTS,
        },
        target=True,
    ),
    "refresh": ServiceSpec({}, admin=False),
}


def service_schema(spec: ServiceSpec) -> vol.Schema:
    """The voluptuous schema of a service (target fields only where it has a target)."""
    fields = dict(spec.fields)
    if spec.target:
        fields.update(cv.TARGET_SERVICE_FIELDS)
    return vol.Schema(fields)


@callback
def async_register_services(hass: HomeAssistant, bridge: PveBackupBridge) -> None:
    """Register every service of the integration."""
    for name, spec in SERVICES.items():

        async def handle(call: ServiceCall, spec: ServiceSpec = spec) -> ServiceResponse:
            if spec.admin:
                await async_require_admin(hass, call.context)
            data = {k: v for k, v in call.data.items() if k not in _TARGET_KEYS}
            if spec.target:
                targeted = bridge.async_resolve_target(call)
                data["guests"] = list(dict.fromkeys([*data.get("guests", []), *targeted]))
            response = await bridge.async_call_service(call.service, data)
            return response if call.return_response else None

        hass.services.async_register(
            DOMAIN,
            name,
            handle,
            schema=service_schema(spec),
            supports_response=SupportsResponse.OPTIONAL,
        )


@callback
def async_unregister_services(hass: HomeAssistant) -> None:
    """Remove the services (config entry unloaded)."""
    for name in SERVICES:
        hass.services.async_remove(DOMAIN, name)

"""Base class of the entities the add-on declares."""

from __future__ import annotations

from typing import Any

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .bridge import PveBackupBridge
from .const import DOMAIN, UNIQUE_ID_PREFIX
from .protocol import DeviceDecl, EntityDecl


def device_info(device: DeviceDecl) -> DeviceInfo:
    """Device registry description of a declared device."""
    info = DeviceInfo(identifiers={(DOMAIN, device.key)}, name=device.name)
    if device.manufacturer is not None:
        info["manufacturer"] = device.manufacturer
    if device.model is not None:
        info["model"] = device.model
    if device.sw_version is not None:
        info["sw_version"] = device.sw_version
    if device.via_device is not None:
        info["via_device"] = (DOMAIN, device.via_device)
    if device.configuration_url is not None:
        info["configuration_url"] = device.configuration_url
    return info


def description_fields(decl: EntityDecl) -> dict[str, Any]:
    """EntityDescription keyword arguments every platform shares.

    `name` is the English fallback: when `translation_key` names an entry of this
    integration's translations, Home Assistant shows the translated name instead; a
    `null` name (and no translation) makes the entity the device's main feature.
    """
    return {
        "key": decl.key,
        "name": decl.name,
        "translation_key": decl.translation_key,
        "icon": decl.icon,
        "entity_category": (EntityCategory(decl.entity_category) if decl.entity_category else None),
        "entity_registry_enabled_default": decl.enabled_default,
    }


class PveBackupEntity(Entity):
    """An entity whose description and state come from the add-on."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, bridge: PveBackupBridge, decl: EntityDecl) -> None:
        self.bridge = bridge
        self.decl = decl
        self._added = False
        self._attr_unique_id = UNIQUE_ID_PREFIX + decl.key
        if (device := bridge.device_for(decl)) is not None:
            self._attr_device_info = device_info(device)
        value, attributes = bridge.initial_value(decl)
        self._set_value(value)
        self._attr_extra_state_attributes = attributes

    @property
    def available(self) -> bool:
        """Available while the add-on is connected."""
        return self.bridge.connected

    def _set_value(self, value: Any) -> None:
        """Store a converted state on the platform's attribute."""
        raise NotImplementedError

    @callback
    def async_set_value(self, value: Any, attributes: dict[str, Any]) -> None:
        """Apply a state sent by the add-on."""
        self._set_value(value)
        self._attr_extra_state_attributes = attributes
        self.async_write_if_added()

    @callback
    def async_write_if_added(self) -> None:
        """Write the state if the entity is in Home Assistant (not disabled, not pending)."""
        if self._added:
            self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        """Mark as added; from now on state changes are written."""
        self._added = True

    async def async_will_remove_from_hass(self) -> None:
        """Let the bridge forget this object."""
        self._added = False
        self.bridge.async_entity_removed(self)

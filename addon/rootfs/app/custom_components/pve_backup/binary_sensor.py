"""Binary sensors declared by the add-on (problem flags)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import PveBackupConfigEntry
from .bridge import PveBackupBridge
from .entity import PveBackupEntity, description_fields
from .protocol import EntityDecl


def convert_state(decl: EntityDecl, raw: Any) -> bool | None:
    """Wire state → is_on; only booleans (or null for unknown)."""
    if raw is None or isinstance(raw, bool):
        return raw
    raise ValueError("a binary_sensor state is a boolean or null")


class PveBackupBinarySensor(PveBackupEntity, BinarySensorEntity):
    """A declared binary sensor."""

    entity_description: BinarySensorEntityDescription

    def __init__(self, bridge: PveBackupBridge, decl: EntityDecl) -> None:
        self.entity_description = BinarySensorEntityDescription(
            **description_fields(decl),
            device_class=(
                BinarySensorDeviceClass(decl.device_class) if decl.device_class else None
            ),
        )
        super().__init__(bridge, decl)

    def _set_value(self, value: bool | None) -> None:
        self._attr_is_on = value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PveBackupConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Register the binary_sensor platform with the bridge."""
    entry.runtime_data.async_register_platform(
        Platform.BINARY_SENSOR, async_add_entities, PveBackupBinarySensor, convert_state
    )

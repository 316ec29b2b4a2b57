"""Sensors declared by the add-on (timestamps, enums, numbers, text)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from . import PveBackupConfigEntry
from .bridge import PveBackupBridge
from .entity import PveBackupEntity, description_fields
from .protocol import EntityDecl

_NON_NUMERIC = {SensorDeviceClass.DATE, SensorDeviceClass.ENUM, SensorDeviceClass.TIMESTAMP}


def _is_numeric(decl: EntityDecl) -> bool:
    """Mirror of HA's rule for sensors whose state must be a number."""
    if decl.device_class in _NON_NUMERIC:
        return False
    return any((decl.state_class, decl.unit_of_measurement, decl.device_class)) or (
        decl.suggested_display_precision is not None
    )


def convert_state(decl: EntityDecl, raw: Any) -> Any:
    """Wire state → native value; ValueError when the sensor cannot take it."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError("a sensor state is not a boolean")
    if decl.device_class == SensorDeviceClass.TIMESTAMP:
        parsed = dt_util.parse_datetime(raw) if isinstance(raw, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise ValueError("expected an ISO-8601 timestamp with offset")
        return parsed
    if decl.device_class == SensorDeviceClass.DATE:
        day = dt_util.parse_date(raw) if isinstance(raw, str) else None
        if day is None:
            raise ValueError("expected an ISO-8601 date")
        return day
    if decl.device_class == SensorDeviceClass.ENUM:
        if raw not in (decl.options or ()):
            raise ValueError(f"not one of the declared options {list(decl.options or ())}")
        return raw
    if _is_numeric(decl) and not isinstance(raw, (int, float)):
        try:
            return int(raw)
        except ValueError:
            return float(raw)  # raises ValueError for non-numbers
    return raw


class PveBackupSensor(PveBackupEntity, SensorEntity):
    """A declared sensor."""

    entity_description: SensorEntityDescription

    def __init__(self, bridge: PveBackupBridge, decl: EntityDecl) -> None:
        self.entity_description = SensorEntityDescription(
            **description_fields(decl),
            device_class=SensorDeviceClass(decl.device_class) if decl.device_class else None,
            state_class=SensorStateClass(decl.state_class) if decl.state_class else None,
            native_unit_of_measurement=decl.unit_of_measurement,
            suggested_unit_of_measurement=decl.suggested_unit_of_measurement,
            suggested_display_precision=decl.suggested_display_precision,
            options=list(decl.options) if decl.options is not None else None,
        )
        super().__init__(bridge, decl)

    def _set_value(self, value: str | float | datetime | date | None) -> None:
        self._attr_native_value = value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PveBackupConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Register the sensor platform with the bridge."""
    entry.runtime_data.async_register_platform(
        Platform.SENSOR, async_add_entities, PveBackupSensor, convert_state
    )

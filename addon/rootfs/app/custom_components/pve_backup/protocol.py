"""Wire shapes of the bridge protocol: voluptuous schemas and the declaration model.

Everything the add-on sends is validated here, field by field; a bad payload is answered
with Home Assistant's standard `invalid_format` error whose message names the field
(`... @ data['entities'][3]['options']`). The integration stays generic: it knows entity
and device descriptions, never what they mean.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Final

import voluptuous as vol
from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.button import ButtonDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv

from .const import PLATFORMS

KEY_PATTERN: Final = re.compile(r"^[a-z0-9_]+$")

KEY = vol.All(str, vol.Match(KEY_PATTERN, msg="expected a key matching [a-z0-9_]+"))
OPTIONAL_STR = vol.Any(None, str, msg="expected a string or null")
OPTIONAL_KEY = vol.Any(None, KEY, msg="expected null or a key matching [a-z0-9_]+")

DEVICE_SCHEMA: Final = vol.Schema(
    {
        vol.Required("key"): KEY,
        vol.Required("name"): str,
        vol.Optional("manufacturer", default=None): OPTIONAL_STR,
        vol.Optional("model", default=None): OPTIONAL_STR,
        vol.Optional("sw_version", default=None): OPTIONAL_STR,
        vol.Optional("via_device", default=None): OPTIONAL_KEY,
        vol.Optional("configuration_url", default=None): vol.Any(
            None, vol.Url(), msg="expected null or an http(s) URL"
        ),
    }
)

ENTITY_SCHEMA: Final = vol.Schema(
    {
        vol.Required("key"): KEY,
        vol.Optional("device", default=None): OPTIONAL_KEY,
        vol.Required("platform"): vol.In([str(p) for p in PLATFORMS]),
        vol.Optional("name", default=None): OPTIONAL_STR,
        vol.Optional("translation_key", default=None): OPTIONAL_KEY,
        vol.Optional("device_class", default=None): OPTIONAL_STR,
        vol.Optional("options", default=None): vol.Any(
            None, [str], msg="expected null or a list of strings"
        ),
        vol.Optional("state_class", default=None): vol.Any(
            None, vol.In([c.value for c in SensorStateClass])
        ),
        vol.Optional("unit_of_measurement", default=None): OPTIONAL_STR,
        vol.Optional("suggested_unit_of_measurement", default=None): OPTIONAL_STR,
        vol.Optional("suggested_display_precision", default=None): vol.Any(
            None,
            vol.All(int, vol.Range(min=0, max=9)),
            msg="expected null or a whole number from 0 to 9",
        ),
        vol.Optional("icon", default=None): vol.Any(
            None, cv.icon, msg="expected null or an icon like mdi:backup-restore"
        ),
        vol.Optional("entity_category", default=None): vol.Any(
            None, vol.In(["diagnostic", "config"])
        ),
        vol.Optional("enabled_default", default=True): bool,
    }
)

STATE_VALUE = vol.Any(None, bool, int, float, str, msg="expected a string, number, boolean or null")

STATE_SCHEMA: Final = vol.Schema(
    {
        vol.Required("key"): str,
        vol.Required("state"): STATE_VALUE,
        vol.Optional("attributes", default=dict): vol.Schema({str: object}),
    }
)

_DEVICE_CLASSES: Final[dict[str, frozenset[str]]] = {
    Platform.SENSOR: frozenset(c.value for c in SensorDeviceClass),
    Platform.BINARY_SENSOR: frozenset(c.value for c in BinarySensorDeviceClass),
    Platform.BUTTON: frozenset(c.value for c in ButtonDeviceClass),
    Platform.SELECT: frozenset(),
    Platform.CALENDAR: frozenset(),
}


#: Fields for numeric sensors only.
_SENSOR_ONLY: Final = (
    "state_class",
    "unit_of_measurement",
    "suggested_unit_of_measurement",
    "suggested_display_precision",
)


def _invalid(message: str, *path: str | int) -> vol.Invalid:
    return vol.Invalid(message, path=list(path))


def _check_entity(index: int, entity: dict[str, Any], device_keys: set[str]) -> None:
    """Reject combinations Home Assistant would refuse when writing the state."""
    platform = entity["platform"]
    where = ("entities", index)
    if entity["device"] is not None and entity["device"] not in device_keys:
        raise _invalid(f"unknown device '{entity['device']}'", *where, "device")
    device_class = entity["device_class"]
    if device_class is not None and device_class not in _DEVICE_CLASSES[platform]:
        raise _invalid(f"not a {platform} device class", *where, "device_class")
    if platform != Platform.SENSOR:
        for field in _SENSOR_ONLY:
            if entity[field] is not None:
                raise _invalid(f"only for sensors, not {platform}", *where, field)
    options = entity["options"]
    wants_options = platform == Platform.SELECT or (
        platform == Platform.SENSOR and device_class == SensorDeviceClass.ENUM
    )
    if wants_options and not options:
        raise _invalid("required (a non-empty list)", *where, "options")
    if not wants_options and options is not None:
        raise _invalid("only for select and enum sensor entities", *where, "options")
    if device_class == SensorDeviceClass.ENUM:
        for field in _SENSOR_ONLY:
            if entity[field] is not None:
                raise _invalid("not allowed on an enum sensor", *where, field)
    suggested = entity["suggested_unit_of_measurement"]
    if suggested is not None:
        # Home Assistant converts only within a device class's units (and otherwise ignores
        # the suggestion with a warning in its log).
        converter = UNIT_CONVERTERS.get(device_class)
        units = converter.VALID_UNITS if converter else frozenset()
        if entity["unit_of_measurement"] not in units or suggested not in units:
            raise _invalid(
                "needs a device_class that converts units, and both units among its own",
                *where,
                "suggested_unit_of_measurement",
            )


def check_declaration(msg: dict[str, Any]) -> dict[str, Any]:
    """Cross-field checks of a `pve_backup/connect` message: unique keys, references."""
    device_keys: set[str] = set()
    for index, device in enumerate(msg["devices"]):
        if device["key"] in device_keys:
            raise _invalid(f"duplicate device key '{device['key']}'", "devices", index, "key")
        device_keys.add(device["key"])
    for index, device in enumerate(msg["devices"]):
        via = device["via_device"]
        if via is not None and (via not in device_keys or via == device["key"]):
            raise _invalid(f"unknown device '{via}'", "devices", index, "via_device")
    entity_keys: set[str] = set()
    for index, entity in enumerate(msg["entities"]):
        if entity["key"] in entity_keys:
            raise _invalid(f"duplicate entity key '{entity['key']}'", "entities", index, "key")
        entity_keys.add(entity["key"])
        _check_entity(index, entity, device_keys)
    return msg


@dataclass(frozen=True, slots=True)
class DeviceDecl:
    """A device the add-on declares; identifier `("pve_backup", key)`."""

    key: str
    name: str
    manufacturer: str | None = None
    model: str | None = None
    sw_version: str | None = None
    via_device: str | None = None
    configuration_url: str | None = None


@dataclass(frozen=True, slots=True)
class EntityDecl:
    """An entity the add-on declares; unique_id `"pve_backup_" + key`."""

    key: str
    platform: str
    device: str | None = None
    name: str | None = None
    translation_key: str | None = None
    device_class: str | None = None
    options: tuple[str, ...] | None = None
    state_class: str | None = None
    unit_of_measurement: str | None = None
    suggested_unit_of_measurement: str | None = None
    suggested_display_precision: int | None = None
    icon: str | None = None
    entity_category: str | None = None
    enabled_default: bool = True

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> EntityDecl:
        """Build from a validated wire dict (lists become tuples so decls compare)."""
        options = data.get("options")
        return cls(**{**data, "options": None if options is None else tuple(options)})


@dataclass(frozen=True, slots=True)
class Declaration:
    """The whole catalogue the add-on declared on its last `connect`."""

    devices: tuple[DeviceDecl, ...] = ()
    entities: tuple[EntityDecl, ...] = ()
    addon_version: str | None = None

    @classmethod
    def from_wire(cls, msg: dict[str, Any]) -> Declaration:
        """Build from a validated `pve_backup/connect` message or a stored copy."""
        return cls(
            devices=tuple(DeviceDecl(**d) for d in msg["devices"]),
            entities=tuple(EntityDecl.from_wire(e) for e in msg["entities"]),
            addon_version=msg.get("addon_version"),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready copy (for the store and diagnostics)."""
        return {
            "addon_version": self.addon_version,
            "devices": [asdict(d) for d in self.devices],
            "entities": [
                {**asdict(e), "options": None if e.options is None else list(e.options)}
                for e in self.entities
            ],
        }


STORED_DECLARATION_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            vol.Optional("addon_version", default=None): OPTIONAL_STR,
            vol.Required("devices"): [DEVICE_SCHEMA],
            vol.Required("entities"): [ENTITY_SCHEMA],
        }
    ),
    check_declaration,
)

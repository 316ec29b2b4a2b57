"""Selects declared by the add-on; a choice is sent back as a `select_option` event."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import PveBackupConfigEntry
from .bridge import PveBackupBridge
from .const import EVENT_SELECT_OPTION
from .entity import PveBackupEntity, description_fields
from .permissions import async_require_admin
from .protocol import EntityDecl


def convert_state(decl: EntityDecl, raw: Any) -> str | None:
    """Wire state → current option; must be one of the declared options."""
    if raw is None:
        return None
    if raw not in (decl.options or ()):
        raise ValueError(f"not one of the declared options {list(decl.options or ())}")
    return raw


class PveBackupSelect(PveBackupEntity, SelectEntity):
    """A declared select."""

    entity_description: SelectEntityDescription

    def __init__(self, bridge: PveBackupBridge, decl: EntityDecl) -> None:
        self.entity_description = SelectEntityDescription(
            **description_fields(decl), options=list(decl.options or ())
        )
        super().__init__(bridge, decl)

    def _set_value(self, value: str | None) -> None:
        self._attr_current_option = value

    async def async_select_option(self, option: str) -> None:
        """Ask the add-on (administrators only); the option shown changes with its state."""
        await async_require_admin(self.hass, self._context, self.entity_id)
        self.bridge.async_send_event(
            {"kind": EVENT_SELECT_OPTION, "key": self.decl.key, "option": option}
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PveBackupConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Register the select platform with the bridge."""
    entry.runtime_data.async_register_platform(
        Platform.SELECT, async_add_entities, PveBackupSelect, convert_state
    )

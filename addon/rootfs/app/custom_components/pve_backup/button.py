"""Buttons declared by the add-on; a press is sent back as a `button_press` event."""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import PveBackupConfigEntry
from .bridge import PveBackupBridge
from .const import EVENT_BUTTON_PRESS
from .entity import PveBackupEntity, description_fields
from .permissions import async_require_admin
from .protocol import EntityDecl


def convert_state(decl: EntityDecl, raw: Any) -> None:
    """A button's state is the time of its last press, kept by HA; only attributes apply."""
    return


class PveBackupButton(PveBackupEntity, ButtonEntity):
    """A declared button."""

    entity_description: ButtonEntityDescription

    def __init__(self, bridge: PveBackupBridge, decl: EntityDecl) -> None:
        self.entity_description = ButtonEntityDescription(
            **description_fields(decl),
            device_class=ButtonDeviceClass(decl.device_class) if decl.device_class else None,
        )
        super().__init__(bridge, decl)

    def _set_value(self, value: None) -> None:
        pass

    async def async_press(self) -> None:
        """Tell the add-on (administrators only; raises when it is not connected).

        Home Assistant records the press time before calling this (its `_async_press_action`
        is final), so a refused press still shows as the button's last press.
        """
        await async_require_admin(self.hass, self._context, self.entity_id)
        self.bridge.async_send_event({"kind": EVENT_BUTTON_PRESS, "key": self.decl.key})


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PveBackupConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Register the button platform with the bridge."""
    entry.runtime_data.async_register_platform(
        Platform.BUTTON, async_add_entities, PveBackupButton, convert_state
    )

"""Config flow: one confirm step (user or Supervisor discovery), single instance."""

from __future__ import annotations

import secrets
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.service_info.hassio import HassioServiceInfo

from .const import CONF_WEBHOOK_ID, DOMAIN, WEBHOOK_ID_PREFIX

TITLE = "PVE Backup"


class PveBackupConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up the bridge; the add-on connects to it on its own afterwards."""

    VERSION = 1

    _addon_name: str = "PVE Backup"

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm adding the integration (no fields)."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        if user_input is not None:
            return self._create_entry()
        return self.async_show_form(step_id="user")

    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """The add-on announced itself through the Supervisor's discovery."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        self._addon_name = discovery_info.name or self._addon_name
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm the discovered add-on."""
        if user_input is not None:
            return self._create_entry()
        self._set_confirm_only()
        return self.async_show_form(
            step_id="hassio_confirm",
            description_placeholders={"addon": self._addon_name},
        )

    def _create_entry(self) -> ConfigFlowResult:
        return self.async_create_entry(
            title=TITLE,
            data={CONF_WEBHOOK_ID: f"{WEBHOOK_ID_PREFIX}{secrets.token_hex(16)}"},
        )

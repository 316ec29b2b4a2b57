"""Fixtures: a real Home Assistant (PHACC) with the integration set up, and a fake add-on.

The fake add-on is a real websocket client of that Home Assistant speaking the bridge
protocol (docs/bridge-protocol.md); nothing inside the integration is mocked.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.pve_backup.const import DOMAIN

WEBHOOK_ID = "pve_backup_0123456789abcdef0123456789abcdef"

HUB = {
    "key": "home",
    "name": "home (PVE cluster)",
    "manufacturer": "Proxmox VE",
    "model": "Cluster",
    "sw_version": "9.1.2",
    "via_device": None,
    "configuration_url": "https://10.0.0.5:8006/",
}
GUEST = {
    "key": "home_100",
    "name": "homeassistant (VM 100)",
    "manufacturer": "Proxmox VE",
    "model": "QEMU virtual machine",
    "sw_version": None,
    "via_device": "home",
    "configuration_url": "https://10.0.0.5:8006/#v1:0:=qemu%2F100",
}
STATUSES = ["ok", "late", "failed", "never", "not_in_job", "running", "unknown"]


def entity_decl(key: str, platform: str, **fields: Any) -> dict[str, Any]:
    """A complete EntityDecl as the add-on sends it."""
    return {
        "key": key,
        "device": "home_100",
        "platform": platform,
        "name": None,
        "translation_key": None,
        "device_class": None,
        "options": None,
        "state_class": None,
        "unit_of_measurement": None,
        "suggested_unit_of_measurement": None,
        "suggested_display_precision": None,
        "icon": None,
        "entity_category": None,
        "enabled_default": True,
        **fields,
    }


ENTITIES = [
    entity_decl(
        "home_100_last_backup",
        "sensor",
        name="Last backup",
        translation_key="last_backup",
        device_class="timestamp",
        icon="mdi:backup-restore",
    ),
    entity_decl(
        "home_100_backup_status",
        "sensor",
        name="Backup status",
        translation_key="backup_status",
        device_class="enum",
        options=STATUSES,
    ),
    entity_decl(
        "home_100_backup_problem",
        "binary_sensor",
        name="Backup problem",
        translation_key="backup_problem",
        device_class="problem",
    ),
    entity_decl(
        "home_100_backup_size",
        "sensor",
        name="Backup size",
        translation_key="backup_size",
        device_class="data_size",
        state_class="measurement",
        unit_of_measurement="B",
        suggested_unit_of_measurement="GB",
        suggested_display_precision=2,
        entity_category="diagnostic",
    ),
    entity_decl(
        "home_100_backup_now",
        "button",
        name="Back up now",
        translation_key="backup_now",
    ),
    entity_decl(
        "home_100_tier",
        "select",
        name="Backup tier",
        translation_key="tier",
        options=["P0", "P1", "P2"],
        entity_category="config",
    ),
    entity_decl(
        "home_failed_guests",
        "sensor",
        device="home",
        name="Failed guests",
        state_class="measurement",
        icon="mdi:alert",
    ),
]


def declaration() -> dict[str, Any]:
    """A fresh copy of the sample declaration (two devices, seven entities)."""
    return {"devices": copy.deepcopy([HUB, GUEST]), "entities": copy.deepcopy(ENTITIES)}


def entity_id(hass: HomeAssistant, platform: str, key: str) -> str:
    """The entity_id registered for a declared key (fails when there is none)."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"pve_backup_{key}")
    assert found is not None, f"no {platform} entity for {key}"
    return found


async def press_backup_now(hass: HomeAssistant, context: Context | None = None) -> None:
    """Press the sample guest's "Back up now" button (blocking)."""
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": entity_id(hass, "button", "home_100_backup_now")},
        blocking=True,
        context=context,
    )


class FakeAddon:
    """The add-on side of the bridge protocol over a real websocket connection."""

    def __init__(self, client: MockHAClientWebSocket) -> None:
        self.client = client
        self.subscription_id: int | None = None
        self._events: list[dict[str, Any]] = []

    async def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a command and return its result message; events seen meanwhile are kept."""
        await self.client.send_json_auto_id(message)
        sent_id = message["id"]
        while True:
            reply = await asyncio.wait_for(self.client.receive_json(), 5)
            if reply.get("type") == "event":
                self._events.append(reply)
                continue
            assert reply["id"] == sent_id, reply
            return reply

    async def connect(
        self, decl: dict[str, Any] | None = None, addon_version: str = "0.1.0"
    ) -> dict[str, Any]:
        """Open the `pve_backup/connect` subscription with a declaration."""
        reply = await self.command(
            {
                "type": "pve_backup/connect",
                "protocol": 1,
                "addon_version": addon_version,
                **(decl if decl is not None else declaration()),
            }
        )
        assert reply["success"], reply
        self.subscription_id = reply["id"]
        return reply

    async def states(self, *states: dict[str, Any]) -> dict[str, Any]:
        """Push a batch of states; returns the command's result."""
        reply = await self.command({"type": "pve_backup/states", "states": list(states)})
        assert reply["success"], reply
        return reply["result"]

    async def next_event(self) -> dict[str, Any]:
        """The next event on the subscription."""
        if self._events:
            message = self._events.pop(0)
        else:
            message = await asyncio.wait_for(self.client.receive_json(), 5)
        assert message["type"] == "event", message
        assert message["id"] == self.subscription_id, message
        return message["event"]

    async def assert_no_event(self, wait_s: float = 0.1) -> None:
        """Nothing arrives on the subscription (within a short wait)."""
        assert not self._events, self._events
        try:
            message = await asyncio.wait_for(self.client.receive_json(), wait_s)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message}")

    async def answer(self, call_id: str, **result: Any) -> dict[str, Any]:
        """Send a `service_result`."""
        return await self.command(
            {"type": "pve_backup/service_result", "call_id": call_id, **result}
        )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/pve_backup."""


@pytest.fixture
def config_entry(hass: HomeAssistant) -> MockConfigEntry:
    """The integration's config entry (added, not yet set up)."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="PVE Backup", unique_id=DOMAIN, data={"webhook_id": WEBHOOK_ID}
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The integration set up from its config entry."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
def new_addon(
    hass: HomeAssistant, setup_entry: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> Callable[[], Awaitable[FakeAddon]]:
    """Factory of fake add-ons, each on its own websocket connection (admin user)."""

    async def create() -> FakeAddon:
        return FakeAddon(await hass_ws_client(hass))

    return create


@pytest.fixture
async def addon(hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]) -> FakeAddon:
    """A fake add-on connected with the sample declaration."""
    fake = await new_addon()
    await fake.connect()
    await hass.async_block_till_done()
    return fake

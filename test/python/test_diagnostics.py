"""Config entry diagnostics: what the bridge holds, with secrets redacted."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import ENTITIES, WEBHOOK_ID, FakeAddon


@pytest.fixture
async def diagnostics_component(hass: HomeAssistant) -> None:
    """Set up before any client freezes the HTTP router."""
    assert await async_setup_component(hass, "diagnostics", {})


async def test_diagnostics_show_the_declaration_and_redact_secrets(
    hass: HomeAssistant,
    diagnostics_component: None,
    setup_entry: MockConfigEntry,
    addon: FakeAddon,
    hass_client: ClientSessionGenerator,
) -> None:
    await addon.states(
        {
            "key": "home_100_last_backup",
            "state": "2026-02-11T03:00:00+00:00",
            "attributes": {"storage": "nas", "api_token": "t0k", "nested": {"Password": "pw"}},
        }
    )
    client = await hass_client()

    response = await client.get(f"/api/diagnostics/config_entry/{setup_entry.entry_id}")

    assert response.status == 200
    body = await response.text()
    assert WEBHOOK_ID not in body
    assert "t0k" not in body and '"pw"' not in body
    data = (await response.json())["data"]
    assert data["entry"]["data"] == {"webhook_id": "**REDACTED**"}
    assert data["connection"] == {
        "connected": True,
        "addon_version": "0.1.0",
        "pending_service_calls": 0,
    }
    assert data["counts"] == {
        "devices": 2,
        "entities": len(ENTITIES),
        "entities_by_platform": {"sensor": 4, "binary_sensor": 1, "button": 1, "select": 1},
        "live_entities": len(ENTITIES),
        "states": 1,
    }
    assert [e["key"] for e in data["declaration"]["entities"]] == [e["key"] for e in ENTITIES]
    attributes = data["states"]["home_100_last_backup"]["attributes"]
    assert attributes == {
        "storage": "nas",
        "api_token": "**REDACTED**",
        "nested": {"Password": "**REDACTED**"},
    }

"""Home Assistant's own backups on the NAS: the hub's entities and the backup service's fields."""

from __future__ import annotations

from typing import Any

import pytest
import voluptuous as vol
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pve_backup.const import DOMAIN

from .conftest import FakeAddon, declaration, entity_decl, entity_id

HA_BACKUP_ENTITIES = [
    entity_decl(
        "home_ha_backup_last",
        "sensor",
        device="home",
        name="Last Home Assistant backup on the NAS",
        translation_key="ha_backup_last",
        device_class="timestamp",
    ),
    entity_decl(
        "home_ha_backup_next",
        "sensor",
        device="home",
        name="Next Home Assistant backup",
        translation_key="ha_backup_next",
        device_class="timestamp",
    ),
    entity_decl(
        "home_ha_backup_verification",
        "sensor",
        device="home",
        name="Home Assistant backup verification",
        translation_key="ha_backup_verification",
        device_class="enum",
        options=["ok", "failed", "unknown"],
    ),
    entity_decl(
        "home_ha_backup_problem",
        "binary_sensor",
        device="home",
        name="Home Assistant backup problem",
        translation_key="ha_backup_problem",
        device_class="problem",
    ),
]


def _with_ha_backups() -> dict[str, Any]:
    decl = declaration()
    decl["entities"] += HA_BACKUP_ENTITIES
    return decl


async def test_the_hub_shows_a_failed_verification_as_a_problem(
    hass: HomeAssistant, setup_entry: MockConfigEntry, new_addon: Any
) -> None:
    addon: FakeAddon = await new_addon()
    await addon.connect(_with_ha_backups())
    await hass.async_block_till_done()

    problem_id = entity_id(hass, "binary_sensor", "home_ha_backup_problem")
    verification_id = entity_id(hass, "sensor", "home_ha_backup_verification")
    assert hass.states.get(problem_id).state == STATE_UNKNOWN
    assert hass.states.get(problem_id).attributes["friendly_name"].endswith(
        "Home Assistant backup problem"
    )

    result = await addon.states(
        {
            "key": "home_ha_backup_last",
            "state": "2026-02-11T04:47:00.000Z",
            "attributes": {"size_bytes": 734003200, "agent": "hassio.nas_backups", "name": "Auto"},
        },
        {"key": "home_ha_backup_next", "state": "2026-02-12T04:45:00.000Z", "attributes": {}},
        {
            "key": "home_ha_backup_verification",
            "state": "failed",
            "attributes": {
                "checked_at": "2026-02-11T05:00:00.000Z",
                "message": "9f3c2a1b.tar changed since it was verified",
                "sha256": "a" * 64,
            },
        },
        {
            "key": "home_ha_backup_problem",
            "state": True,
            "attributes": {"problems": ["9f3c2a1b.tar changed since it was verified"]},
        },
    )
    await hass.async_block_till_done()

    assert result == {"applied": 4}
    last = hass.states.get(entity_id(hass, "sensor", "home_ha_backup_last"))
    assert last.state == "2026-02-11T04:47:00+00:00"
    assert last.attributes["agent"] == "hassio.nas_backups"
    assert last.attributes["size_bytes"] == 734003200
    verification = hass.states.get(verification_id)
    assert verification.state == "failed"
    assert verification.attributes["options"] == ["ok", "failed", "unknown"]
    assert verification.attributes["sha256"] == "a" * 64
    assert hass.states.get(problem_id).state == "on"


async def test_an_unknown_verification_result_is_not_applied(
    hass: HomeAssistant, setup_entry: MockConfigEntry, new_addon: Any
) -> None:
    addon: FakeAddon = await new_addon()
    await addon.connect(_with_ha_backups())
    result = await addon.states({"key": "home_ha_backup_verification", "state": "maybe"})
    assert result["applied"] == 0


async def test_backup_home_assistant_forwards_verify_only(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "backup_home_assistant",
            {"backup": False, "verify": True},
            blocking=True,
            return_response=True,
        )
    )
    event = await addon.next_event()
    assert event["data"] == {"name": None, "backup": False, "verify": True}
    await addon.answer(event["call_id"], success=True, response={"problems": []})
    assert await task == {"problems": []}


async def test_backup_home_assistant_refuses_a_field_that_is_not_a_boolean(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "backup_home_assistant", {"backup": "perhaps"}, blocking=True
        )


def test_the_hub_entities_are_translated() -> None:
    """Every translation key the add-on declares for them is in strings.json and en.json."""
    import json
    from pathlib import Path

    root = Path(__file__).parents[2] / "custom_components" / "pve_backup"
    for file in (root / "strings.json", root / "translations" / "en.json"):
        entity = json.loads(file.read_text())["entity"]
        for decl in HA_BACKUP_ENTITIES:
            assert entity[decl["platform"]][decl["translation_key"]]["name"] == decl["name"]
        assert set(entity["sensor"]["ha_backup_verification"]["state"]) == {"ok", "failed", "unknown"}

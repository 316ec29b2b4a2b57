"""After a restart the entities exist (unavailable) before the add-on reconnects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.const import ATTR_RESTORED, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pve_backup.const import DOMAIN

from .conftest import ENTITIES, STATUSES, FakeAddon, entity_id


async def test_entities_are_recreated_unavailable_from_the_stored_declaration(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    addon: FakeAddon,
    new_addon: Callable[[], Awaitable[FakeAddon]],
) -> None:
    await addon.states({"key": "home_100_backup_status", "state": "failed"})
    ent_reg = er.async_get(hass)
    before = {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(ent_reg, setup_entry.entry_id)
    }

    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()

    status = hass.states.get(entity_id(hass, "sensor", "home_100_backup_status"))
    assert status.state == STATE_UNAVAILABLE
    # A live entity rebuilt from the declaration, not the registry's placeholder state:
    assert ATTR_RESTORED not in status.attributes
    assert status.attributes["options"] == STATUSES
    assert status.attributes["friendly_name"] == "homeassistant (VM 100) Backup status"
    bridge = setup_entry.runtime_data
    assert sorted(bridge.entities) == sorted(e["key"] for e in ENTITIES)
    after = {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(ent_reg, setup_entry.entry_id)
    }
    assert after == before
    assert dr.async_get(hass).async_get_device(identifiers={(DOMAIN, "home_100")}) is not None

    # The add-on comes back: same entities, available again, no duplicates.
    second = await new_addon()
    await second.connect()
    await second.states({"key": "home_100_backup_status", "state": "ok"})
    await hass.async_block_till_done()
    assert hass.states.get(status.entity_id).state == "ok"
    assert len(er.async_entries_for_config_entry(ent_reg, setup_entry.entry_id)) == len(ENTITIES)


async def test_unloading_ends_the_subscription_and_removes_webhook_and_services(
    hass: HomeAssistant, setup_entry: MockConfigEntry, addon: FakeAddon
) -> None:
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()

    assert await addon.next_event() == {"kind": "closed", "reason": "unloaded"}
    assert not hass.services.has_service(DOMAIN, "backup_now")
    assert "pve_backup_0123456789abcdef0123456789abcdef" not in hass.data["webhook"]
    # The subscription is gone from the add-on's connection: unsubscribing finds nothing.
    reply = await addon.command(
        {"type": "unsubscribe_events", "subscription": addon.subscription_id}
    )
    assert reply["error"]["code"] == "not_found"

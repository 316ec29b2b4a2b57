"""`pve_backup/version`, `connect` and `states`: the declaration becomes real entities."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pve_backup.const import DOMAIN

from .conftest import (
    ENTITIES,
    STATUSES,
    FakeAddon,
    declaration,
    entity_id,
    press_backup_now,
)


async def _wait_for_state(hass: HomeAssistant, eid: str, expected: str) -> None:
    """Poll (bounded) until an entity reaches a state; websocket closes are async."""
    for _ in range(100):
        await hass.async_block_till_done()
        if (state := hass.states.get(eid)) is not None and state.state == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{eid} is {hass.states.get(eid)}, expected {expected}")


async def test_version_reports_protocol_and_manifest_version(
    new_addon: Callable[[], Awaitable[FakeAddon]],
) -> None:
    fake = await new_addon()

    reply = await fake.command({"type": "pve_backup/version"})

    assert reply["success"] is True
    assert reply["result"] == {"protocol": 1, "integration_version": "0.3.0"}


async def test_connect_registers_devices_and_entities_with_stable_ids(
    hass: HomeAssistant, setup_entry: MockConfigEntry, addon: FakeAddon
) -> None:
    dev_reg = dr.async_get(hass)
    ent_reg = er.async_get(hass)

    hub = dev_reg.async_get_device(identifiers={(DOMAIN, "home")})
    guest = dev_reg.async_get_device(identifiers={(DOMAIN, "home_100")})
    assert hub is not None and guest is not None
    assert guest.name == "homeassistant (VM 100)"
    assert guest.manufacturer == "Proxmox VE"
    assert guest.model == "QEMU virtual machine"
    assert guest.via_device_id == hub.id
    assert guest.configuration_url == "https://10.0.0.5:8006/#v1:0:=qemu%2F100"
    assert hub.sw_version == "9.1.2"
    assert len(dr.async_entries_for_config_entry(dev_reg, setup_entry.entry_id)) == 2

    entries = er.async_entries_for_config_entry(ent_reg, setup_entry.entry_id)
    assert sorted((e.domain, e.unique_id) for e in entries) == sorted(
        (e["platform"], f"pve_backup_{e['key']}") for e in ENTITIES
    )
    status = ent_reg.async_get(entity_id(hass, "sensor", "home_100_backup_status"))
    assert status.device_id == guest.id
    assert status.capabilities == {"options": STATUSES}
    assert status.translation_key == "backup_status"
    failed = ent_reg.async_get(entity_id(hass, "sensor", "home_failed_guests"))
    assert failed.device_id == hub.id
    size = ent_reg.async_get(entity_id(hass, "sensor", "home_100_backup_size"))
    assert size.entity_category == "diagnostic"

    # Connected, no state pushed yet: available but unknown.
    assert hass.states.get(entity_id(hass, "sensor", "home_100_last_backup")).state == STATE_UNKNOWN


async def test_entity_names_come_from_translations_and_devices(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    button = hass.states.get(entity_id(hass, "button", "home_100_backup_now"))
    select = hass.states.get(entity_id(hass, "select", "home_100_tier"))

    assert button.attributes["friendly_name"] == "homeassistant (VM 100) Back up now"
    assert select.attributes["friendly_name"] == "homeassistant (VM 100) Backup tier"
    assert select.attributes["options"] == ["P0", "P1", "P2"]


async def test_a_states_batch_sets_every_kind_of_entity(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    result = await addon.states(
        {
            "key": "home_100_last_backup",
            "state": "2026-02-11T04:00:00+01:00",
            "attributes": {"volid": "nas:backup/vzdump-qemu-100.vma.zst", "size": 123456789},
        },
        {"key": "home_100_backup_status", "state": "late", "attributes": {"reason": "2 days"}},
        {"key": "home_100_backup_problem", "state": True},
        {"key": "home_100_backup_size", "state": 123456789},
        {"key": "home_100_tier", "state": "P1"},
        {"key": "home_failed_guests", "state": 0},
        {"key": "home_999_unknown", "state": "ok"},
    )
    await hass.async_block_till_done()

    assert result == {"applied": 6}
    last = hass.states.get(entity_id(hass, "sensor", "home_100_last_backup"))
    assert last.state == "2026-02-11T03:00:00+00:00"
    assert last.attributes["device_class"] == "timestamp"
    assert last.attributes["volid"] == "nas:backup/vzdump-qemu-100.vma.zst"
    assert last.attributes["icon"] == "mdi:backup-restore"
    status = hass.states.get(entity_id(hass, "sensor", "home_100_backup_status"))
    assert status.state == "late"
    assert status.attributes["reason"] == "2 days"
    assert status.attributes["options"] == STATUSES
    assert (
        hass.states.get(entity_id(hass, "binary_sensor", "home_100_backup_problem")).state == "on"
    )
    # Sent in bytes, shown in the suggested unit with the suggested decimals.
    size_id = entity_id(hass, "sensor", "home_100_backup_size")
    size = hass.states.get(size_id)
    assert float(size.state) == pytest.approx(0.123456789)
    assert size.attributes["unit_of_measurement"] == "GB"
    assert size.attributes["device_class"] == "data_size"
    assert size.attributes["state_class"] == "measurement"
    assert er.async_get(hass).async_get(size_id).options["sensor"] == {
        "suggested_display_precision": 2
    }
    assert hass.states.get(entity_id(hass, "select", "home_100_tier")).state == "P1"
    assert hass.states.get(entity_id(hass, "sensor", "home_failed_guests")).state == "0"


async def test_states_an_entity_cannot_take_are_not_applied(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    await addon.states({"key": "home_100_backup_status", "state": "ok"})

    result = await addon.states(
        {"key": "home_100_backup_status", "state": "exploded"},
        {"key": "home_100_last_backup", "state": "2026-02-11 03:00"},
        {"key": "home_100_backup_problem", "state": "yes"},
        {"key": "home_100_tier", "state": "P9"},
        {"key": "home_100_backup_size", "state": "big"},
    )
    await hass.async_block_till_done()

    assert result == {"applied": 0}
    assert hass.states.get(entity_id(hass, "sensor", "home_100_backup_status")).state == "ok"


async def test_null_states_show_unknown(hass: HomeAssistant, addon: FakeAddon) -> None:
    await addon.states({"key": "home_100_backup_problem", "state": True})
    await addon.states({"key": "home_100_backup_problem", "state": None})
    await hass.async_block_till_done()

    assert hass.states.get(entity_id(hass, "binary_sensor", "home_100_backup_problem")).state == (
        STATE_UNKNOWN
    )


async def test_reconnecting_with_the_same_declaration_creates_no_duplicates(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    addon: FakeAddon,
    new_addon: Callable[[], Awaitable[FakeAddon]],
) -> None:
    before = {
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), setup_entry.entry_id)
    }

    second = await new_addon()
    await second.connect()
    await second.states({"key": "home_100_tier", "state": "P2"})
    await hass.async_block_till_done()

    after = er.async_entries_for_config_entry(er.async_get(hass), setup_entry.entry_id)
    assert {e.entity_id for e in after} == before
    assert len(after) == len(ENTITIES)
    assert len(dr.async_entries_for_config_entry(dr.async_get(hass), setup_entry.entry_id)) == 2
    assert hass.states.get(entity_id(hass, "select", "home_100_tier")).state == "P2"


async def test_reconnecting_without_an_entity_or_device_removes_it(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    addon: FakeAddon,
    new_addon: Callable[[], Awaitable[FakeAddon]],
) -> None:
    ent_reg = er.async_get(hass)
    tier_id = entity_id(hass, "select", "home_100_tier")
    decl = declaration()
    decl["entities"] = [
        e for e in decl["entities"] if e["key"] not in ("home_100_tier", "home_failed_guests")
    ]
    decl["devices"] = [d for d in decl["devices"] if d["key"] == "home_100"]
    decl["devices"][0]["via_device"] = None

    second = await new_addon()
    await second.connect(decl)
    await hass.async_block_till_done()

    assert ent_reg.async_get(tier_id) is None
    assert hass.states.get(tier_id) is None
    remaining = er.async_entries_for_config_entry(ent_reg, setup_entry.entry_id)
    assert len(remaining) == len(ENTITIES) - 2
    dev_reg = dr.async_get(hass)
    assert dev_reg.async_get_device(identifiers={(DOMAIN, "home")}) is None
    guest = dev_reg.async_get_device(identifiers={(DOMAIN, "home_100")})
    assert guest is not None and guest.via_device_id is None


async def test_reconnecting_with_a_changed_description_updates_the_entity_in_place(
    hass: HomeAssistant, addon: FakeAddon, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    tier_id = entity_id(hass, "select", "home_100_tier")
    await addon.states({"key": "home_100_tier", "state": "P1"})
    decl = declaration()
    tier = next(e for e in decl["entities"] if e["key"] == "home_100_tier")
    tier["options"] = ["P1", "P2", "P3"]
    tier["icon"] = "mdi:layers"
    decl["devices"][1]["name"] = "ha (VM 100)"

    second = await new_addon()
    await second.connect(decl)
    await hass.async_block_till_done()

    assert entity_id(hass, "select", "home_100_tier") == tier_id
    state = hass.states.get(tier_id)
    assert state.attributes["options"] == ["P1", "P2", "P3"]
    assert state.attributes["icon"] == "mdi:layers"
    assert state.state == "P1"  # the last state survives the re-creation
    assert er.async_get(hass).async_get(tier_id).capabilities == {"options": ["P1", "P2", "P3"]}
    guest = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, "home_100")})
    assert guest.name == "ha (VM 100)"


async def test_closing_the_add_on_socket_makes_entities_unavailable(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    await addon.states({"key": "home_100_backup_status", "state": "ok"})
    status_id = entity_id(hass, "sensor", "home_100_backup_status")
    await hass.async_block_till_done()
    assert hass.states.get(status_id).state == "ok"

    await addon.client.close()

    await _wait_for_state(hass, status_id, STATE_UNAVAILABLE)
    assert hass.states.get(entity_id(hass, "select", "home_100_tier")).state == STATE_UNAVAILABLE


async def test_unsubscribing_makes_entities_unavailable_and_a_new_connect_restores_them(
    hass: HomeAssistant, addon: FakeAddon, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    await addon.states({"key": "home_100_backup_status", "state": "ok"})
    status_id = entity_id(hass, "sensor", "home_100_backup_status")

    reply = await addon.command(
        {"type": "unsubscribe_events", "subscription": addon.subscription_id}
    )
    assert reply["success"] is True
    await _wait_for_state(hass, status_id, STATE_UNAVAILABLE)

    second = await new_addon()
    await second.connect()
    await hass.async_block_till_done()
    assert hass.states.get(status_id).state == "ok"


async def test_a_new_connect_replaces_the_previous_subscription(
    hass: HomeAssistant, addon: FakeAddon, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    second = await new_addon()
    await second.connect()
    status_id = entity_id(hass, "sensor", "home_100_backup_status")

    assert await addon.next_event() == {"kind": "closed", "reason": "replaced"}
    # The old socket closing no longer matters: the second connection is the add-on now.
    await addon.client.close()
    await asyncio.sleep(0.05)
    await hass.async_block_till_done()

    assert hass.states.get(status_id).state == STATE_UNKNOWN
    await press_backup_now(hass)
    assert await second.next_event() == {"kind": "button_press", "key": "home_100_backup_now"}

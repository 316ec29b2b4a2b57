"""Only the add-on speaks for the add-on (docs/bridge-protocol.md, "Who speaks for the add-on").

While its subscription lives, another user's connection can neither take it over (and so
rewrite or empty the registry) nor push states or answer its service calls; the add-on itself
reconnects on a new socket as before. An empty declaration never empties the registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pve_backup.const import DOMAIN

from .conftest import ENTITIES, FakeAddon, declaration, entity_id, press_backup_now

type NewAddon = Callable[[], Awaitable[FakeAddon]]


async def _other_admin(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> FakeAddon:
    """A fake add-on on the connection of another administrator."""
    user = await hass.auth.async_create_user("Another admin", group_ids=[GROUP_ID_ADMIN])
    refresh = await hass.auth.async_create_refresh_token(user, "http://localhost/")
    return FakeAddon(await hass_ws_client(hass, hass.auth.async_create_access_token(refresh)))


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {e.entity_id for e in entries}


def _refresh(hass: HomeAssistant) -> asyncio.Task[ServiceResponse]:
    """A `refresh` call, waiting in the background for the add-on's answer."""
    return hass.async_create_task(
        hass.services.async_call(DOMAIN, "refresh", {}, blocking=True, return_response=True)
    )


async def _connect(fake: FakeAddon, decl: dict) -> dict:
    return await fake.command(
        {"type": "pve_backup/connect", "protocol": 1, "addon_version": "0.1.0", **decl}
    )


async def test_another_admin_cannot_take_over_the_live_add_on(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    addon: FakeAddon,
    hass_ws_client: WebSocketGenerator,
) -> None:
    before = _registered(hass, setup_entry)
    intruder = await _other_admin(hass, hass_ws_client)
    one_entity = declaration()
    one_entity["entities"] = one_entity["entities"][:1]

    for decl in (one_entity, {"devices": [], "entities": []}):
        reply = await _connect(intruder, decl)
        assert reply["success"] is False
        assert reply["error"]["code"] == "unauthorized"
    await hass.async_block_till_done()

    assert _registered(hass, setup_entry) == before
    # The add-on keeps its subscription: no `closed` event, and presses still reach it.
    await press_backup_now(hass)
    assert await addon.next_event() == {"kind": "button_press", "key": "home_100_backup_now"}


async def test_only_the_add_on_connection_pushes_states(
    hass: HomeAssistant,
    addon: FakeAddon,
    new_addon: NewAddon,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await addon.states({"key": "home_100_backup_status", "state": "ok"})
    status = entity_id(hass, "sensor", "home_100_backup_status")
    intruder = await _other_admin(hass, hass_ws_client)
    unsubscribed = await new_addon()  # the add-on's own user, but no subscription

    failed = {"key": "home_100_backup_status", "state": "failed"}
    for other in (intruder, unsubscribed):
        reply = await other.command({"type": "pve_backup/states", "states": [failed]})
        assert reply["success"] is False
        assert reply["error"]["code"] == "unauthorized"
    await hass.async_block_till_done()

    assert hass.states.get(status).state == "ok"


async def test_states_without_any_add_on_are_refused(
    hass: HomeAssistant, new_addon: NewAddon
) -> None:
    fake = await new_addon()

    reply = await fake.command({"type": "pve_backup/states", "states": []})

    assert reply["error"]["code"] == "unauthorized"


async def test_another_admin_cannot_answer_the_add_on_s_service_calls(
    hass: HomeAssistant, addon: FakeAddon, hass_ws_client: WebSocketGenerator
) -> None:
    task = _refresh(hass)
    event = await addon.next_event()
    intruder = await _other_admin(hass, hass_ws_client)

    forged = await intruder.answer(event["call_id"], success=True, response={"forged": True})
    assert forged["success"] is False
    assert forged["error"]["code"] == "unauthorized"
    assert not task.done()

    await addon.answer(event["call_id"], success=True, response={"refreshed": True})
    assert await task == {"refreshed": True}


async def test_the_add_on_answers_on_its_new_socket_before_connecting_again(
    hass: HomeAssistant, addon: FakeAddon, new_addon: NewAddon
) -> None:
    task = _refresh(hass)
    event = await addon.next_event()
    await addon.client.close()
    reconnected = await new_addon()

    reply = await reconnected.answer(event["call_id"], success=True, response={"late": True})

    assert reply["success"] is True
    assert await task == {"late": True}
    await reconnected.connect()


async def test_the_add_on_reconnects_on_a_new_socket_while_the_old_one_looks_alive(
    hass: HomeAssistant, setup_entry: MockConfigEntry, addon: FakeAddon, new_addon: NewAddon
) -> None:
    before = _registered(hass, setup_entry)
    reconnected = await new_addon()

    await reconnected.connect()
    await reconnected.states({"key": "home_100_tier", "state": "P2"})
    await hass.async_block_till_done()

    assert await addon.next_event() == {"kind": "closed", "reason": "replaced"}
    assert _registered(hass, setup_entry) == before
    assert hass.states.get(entity_id(hass, "select", "home_100_tier")).state == "P2"


async def test_another_user_may_connect_once_the_add_on_is_gone(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    addon: FakeAddon,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await addon.client.close()
    moved = await _other_admin(hass, hass_ws_client)  # e.g. the add-on got a new token

    for _ in range(100):
        reply = await _connect(moved, declaration())
        if reply["success"]:
            break
        await asyncio.sleep(0.02)  # the old socket's close is handled asynchronously
    assert reply["success"] is True
    assert len(_registered(hass, setup_entry)) == len(ENTITIES)


async def test_an_empty_declaration_never_empties_the_registry(
    hass: HomeAssistant, setup_entry: MockConfigEntry, addon: FakeAddon
) -> None:
    before = _registered(hass, setup_entry)

    reply = await _connect(addon, {"devices": [], "entities": []})
    await hass.async_block_till_done()

    assert reply["success"] is False
    assert reply["error"]["code"] == "not_allowed"
    assert _registered(hass, setup_entry) == before


async def test_an_empty_declaration_is_fine_while_nothing_is_registered(
    new_addon: NewAddon,
) -> None:
    fake = await new_addon()

    await fake.connect({"devices": [], "entities": []})

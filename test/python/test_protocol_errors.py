"""Bad payloads get HA's standard `invalid_format` error naming the field; admin only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from .conftest import FakeAddon, declaration


def _with_entity(**changes: Any) -> dict[str, Any]:
    decl = declaration()
    decl["entities"][0].update(changes)
    return decl


def _with_size(**changes: Any) -> dict[str, Any]:
    decl = declaration()
    size = next(e for e in decl["entities"] if e["key"] == "home_100_backup_size")
    size.update(changes)
    return decl


def _with_device(**changes: Any) -> dict[str, Any]:
    decl = declaration()
    decl["devices"][1].update(changes)
    return decl


def _dup_entity() -> dict[str, Any]:
    decl = declaration()
    decl["entities"].append(dict(decl["entities"][0]))
    return decl


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {"protocol": 2, **declaration()},
            "unsupported protocol version for dictionary value @ data['protocol']",
        ),
        ({"protocol": 1, "devices": []}, "required key not provided @ data['entities']"),
        (
            {"protocol": 1, **_with_entity(key="Home-100")},
            "@ data['entities'][0]['key']",
        ),
        (
            {"protocol": 1, **_with_entity(platform="light")},
            "@ data['entities'][0]['platform']",
        ),
        (
            {"protocol": 1, **_with_entity(device="home_999")},
            "unknown device 'home_999' @ data['entities'][0]['device']",
        ),
        (
            {"protocol": 1, **_with_entity(device_class="not_a_class")},
            "not a sensor device class @ data['entities'][0]['device_class']",
        ),
        (
            {"protocol": 1, **_with_entity(icon="backup")},
            "@ data['entities'][0]['icon']",
        ),
        (
            {"protocol": 1, **_with_entity(colour="red")},
            "extra keys not allowed @ data['entities'][0]['colour']",
        ),
        (
            {"protocol": 1, **_with_entity(enabled_default="yes")},
            "@ data['entities'][0]['enabled_default']",
        ),
        (
            {"protocol": 1, **_with_entity(platform="select", device_class=None)},
            "required (a non-empty list) @ data['entities'][0]['options']",
        ),
        (
            {"protocol": 1, **_with_entity(options=["a"])},
            "only for select and enum sensor entities @ data['entities'][0]['options']",
        ),
        (
            {
                "protocol": 1,
                **_with_entity(platform="button", device_class=None, unit_of_measurement="B"),
            },
            "@ data['entities'][0]['unit_of_measurement']",
        ),
        (
            {"protocol": 1, **_with_entity(suggested_unit_of_measurement="GB")},
            "needs a device_class that converts units, and both units among its own "
            "@ data['entities'][0]['suggested_unit_of_measurement']",
        ),
        (
            {"protocol": 1, **_with_size(suggested_unit_of_measurement="°C")},
            "@ data['entities'][3]['suggested_unit_of_measurement']",
        ),
        (
            {"protocol": 1, **_with_size(suggested_display_precision=12)},
            "@ data['entities'][3]['suggested_display_precision']",
        ),
        (
            {
                "protocol": 1,
                **_with_entity(
                    platform="button", device_class=None, suggested_display_precision=1
                ),
            },
            "only for sensors, not button @ data['entities'][0]['suggested_display_precision']",
        ),
        (
            {"protocol": 1, **_with_device(via_device="nowhere")},
            "unknown device 'nowhere' @ data['devices'][1]['via_device']",
        ),
        (
            {"protocol": 1, **_with_device(configuration_url="not a url")},
            "@ data['devices'][1]['configuration_url']",
        ),
        (
            {"protocol": 1, **_with_device(name=None)},
            "@ data['devices'][1]['name']",
        ),
        ({"protocol": 1, **_dup_entity()}, "duplicate entity key 'home_100_last_backup'"),
    ],
)
async def test_a_bad_declaration_is_refused_naming_the_field(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    new_addon: Callable[[], Awaitable[FakeAddon]],
    message: dict[str, Any],
    expected: str,
) -> None:
    fake = await new_addon()

    reply = await fake.command({"type": "pve_backup/connect", **message})

    assert reply["success"] is False
    assert reply["error"]["code"] == "invalid_format"
    assert expected in reply["error"]["message"]
    assert er.async_entries_for_config_entry(er.async_get(hass), setup_entry.entry_id) == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {"type": "pve_backup/states", "states": [{"key": "a", "state": {"nested": 1}}]},
            "@ data['states'][0]['state']",
        ),
        (
            {"type": "pve_backup/states", "states": [{"state": "ok"}]},
            "required key not provided @ data['states'][0]['key']",
        ),
        (
            {"type": "pve_backup/states", "states": [{"key": "a", "state": 1, "attributes": []}]},
            "@ data['states'][0]['attributes']",
        ),
        (
            {"type": "pve_backup/service_result", "call_id": "c1", "success": False},
            "a failed result needs an error message (error)",
        ),
        (
            {"type": "pve_backup/service_result", "call_id": 7, "success": True},
            "@ data['call_id']",
        ),
    ],
)
async def test_bad_states_and_results_are_refused_naming_the_field(
    addon: FakeAddon, message: dict[str, Any], expected: str
) -> None:
    reply = await addon.command(message)

    assert reply["success"] is False
    assert reply["error"]["code"] == "invalid_format"
    assert expected in reply["error"]["message"]


async def test_an_unknown_call_id_is_not_found(addon: FakeAddon) -> None:
    reply = await addon.answer("c-never-sent", success=True)

    assert reply["error"] == {"code": "not_found", "message": "Unknown or expired call_id"}


async def test_commands_need_an_admin(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    fake = FakeAddon(await hass_ws_client(hass, hass_read_only_access_token))

    for command in (
        {"type": "pve_backup/version"},
        {"type": "pve_backup/connect", "protocol": 1, **declaration()},
        {"type": "pve_backup/states", "states": []},
        {"type": "pve_backup/webhook"},
    ):
        reply = await fake.command(command)
        assert reply["success"] is False
        assert reply["error"]["code"] == "unauthorized"


async def test_commands_without_a_loaded_entry_answer_not_found(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    new_addon: Callable[[], Awaitable[FakeAddon]],
) -> None:
    fake = await new_addon()
    await hass.config_entries.async_unload(setup_entry.entry_id)

    reply = await fake.command({"type": "pve_backup/connect", "protocol": 1, **declaration()})

    assert reply["error"]["code"] == "not_found"
    assert (await fake.command({"type": "pve_backup/version"}))["success"] is True

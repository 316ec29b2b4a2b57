"""Services are forwarded as `service_call` events and answered by `service_result`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from unittest.mock import patch

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_all_descriptions
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pve_backup.const import DOMAIN

from .conftest import FakeAddon, entity_id

SERVICES = [
    "backup_now",
    "apply_policy",
    "set_guest_tier",
    "configure_tier",
    "backup_home_assistant",
    "verify",
    "snooze",
    "refresh",
]


def _call(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any] | None = None,
    target: dict[str, Any] | None = None,
    return_response: bool = True,
) -> asyncio.Task[ServiceResponse]:
    return hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            service,
            data or {},
            target=target,
            blocking=True,
            return_response=return_response,
        )
    )


def _guest_device_id(hass: HomeAssistant) -> str:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, "home_100")})
    assert device is not None
    return device.id


async def test_every_service_is_registered_with_a_description(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]

    assert sorted(descriptions) == sorted(SERVICES)
    assert descriptions["backup_now"]["target"] == {"device": [{"integration": DOMAIN}]}
    assert set(descriptions["backup_now"]["fields"]) == {"guests", "tier", "wait"}
    assert descriptions["snooze"]["fields"]["hours"]["selector"]["number"]["max"] == 168
    assert descriptions["configure_tier"]["fields"]["name"]["required"] is True
    assert descriptions["backup_now"]["name"] == "Back up now"


async def test_backup_now_resolves_device_targets_and_returns_the_response(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = _call(
        hass,
        "backup_now",
        {"guests": [101, "home_102"], "wait": True},
        target={"device_id": [_guest_device_id(hass)]},
    )

    event = await addon.next_event()
    assert event["kind"] == "service_call"
    assert event["service"] == "backup_now"
    assert event["data"] == {"guests": ["101", "home_102", "home_100"], "tier": None, "wait": True}
    reply = await addon.answer(
        event["call_id"], success=True, response={"tasks": [{"vmid": 100, "upid": "UPID:pve:1"}]}
    )
    assert reply["success"] is True

    assert await task == {"tasks": [{"vmid": 100, "upid": "UPID:pve:1"}]}


async def test_an_entity_target_resolves_to_its_device(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = _call(
        hass,
        "snooze",
        {"hours": 48},
        target={"entity_id": entity_id(hass, "sensor", "home_100_backup_status")},
    )

    event = await addon.next_event()
    assert event["data"] == {"hours": 48, "guests": ["home_100"]}
    await addon.answer(event["call_id"], success=True)

    assert await task == {}


async def test_verify_forwards_the_targeted_guest_tier_and_depth(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = _call(hass, "verify", {"tier": "P0"}, target={"device_id": _guest_device_id(hass)})

    event = await addon.next_event()
    assert event["service"] == "verify"
    assert event["data"] == {"tier": "P0", "full": False, "guests": ["home_100"]}
    await addon.answer(event["call_id"], success=True, response={"results": []})
    assert await task == {"results": []}

    task = _call(hass, "verify", {"full": True})
    event = await addon.next_event()
    assert event["data"] == {"tier": None, "full": True, "guests": []}
    await addon.answer(event["call_id"], success=True)
    await task


async def test_services_without_a_response_return_none(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = _call(hass, "apply_policy", return_response=False)

    event = await addon.next_event()
    assert event["data"] == {"dry_run": True}
    await addon.answer(event["call_id"], success=True, response={"plan": []})

    assert await task is None


async def test_a_failed_result_raises_the_add_on_error(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = _call(hass, "set_guest_tier", {"tier": "P1", "guests": ["999"]})

    event = await addon.next_event()
    assert event["data"] == {"tier": "P1", "guests": ["999"]}
    await addon.answer(event["call_id"], success=False, error="guest 999 does not exist")

    with pytest.raises(HomeAssistantError, match=r"^guest 999 does not exist$"):
        await task


async def test_a_call_without_the_add_on_fails_at_once(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    with pytest.raises(HomeAssistantError, match=r"^PVE Backup add-on is not connected$"):
        await _call(hass, "refresh")


async def test_a_call_the_add_on_never_answers_times_out(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    with patch("custom_components.pve_backup.const.SERVICE_TIMEOUT_S", 0.05):
        task = _call(hass, "verify")
        event = await addon.next_event()
        with pytest.raises(HomeAssistantError, match=r"did not answer within 0\.05 s"):
            await task

    # The answer arriving late is refused: the call id has expired.
    reply = await addon.answer(event["call_id"], success=True)
    assert reply["success"] is False
    assert reply["error"]["code"] == "not_found"


async def test_a_target_that_is_not_a_pve_backup_device_is_refused(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    demo_entry = MockConfigEntry(domain="demo")
    demo_entry.add_to_hass(hass)
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=demo_entry.entry_id, identifiers={("demo", "lamp")}
    )

    with pytest.raises(ServiceValidationError, match="Not a PVE Backup device") as caught:
        await _call(hass, "backup_now", target={"device_id": other.id})
    assert caught.value.translation_key == "unknown_target"
    await addon.assert_no_event()


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("snooze", {"hours": 0}),
        ("snooze", {"hours": 169}),
        ("configure_tier", {"keep_last": 3}),
        ("configure_tier", {"name": "P1", "keep_last": 0}),
        ("set_guest_tier", {}),
        ("refresh", {"guests": ["100"]}),
    ],
)
async def test_invalid_service_data_is_refused_before_reaching_the_add_on(
    hass: HomeAssistant, addon: FakeAddon, service: str, data: dict[str, Any]
) -> None:
    with pytest.raises(vol.Invalid):
        await _call(hass, service, data)


async def test_configure_tier_forwards_every_field(hass: HomeAssistant, addon: FakeAddon) -> None:
    task = _call(
        hass,
        "configure_tier",
        {"name": "P3", "schedule": "sat 02:00", "keep_last": "5", "guests": ["104", "105"]},
    )

    event = await addon.next_event()
    assert event["data"] == {
        "name": "P3",
        "schedule": "sat 02:00",
        "keep_last": 5,
        "guests": ["104", "105"],
    }
    await addon.answer(event["call_id"], success=True, response=["not", "an", "object"])

    assert await task == {"result": ["not", "an", "object"]}


async def test_unloading_fails_the_calls_still_waiting(
    hass: HomeAssistant, setup_entry: MockConfigEntry, addon: FakeAddon
) -> None:
    task = _call(hass, "backup_home_assistant", {"name": "before upgrade"})
    event = await addon.next_event()
    assert event["data"] == {"name": "before upgrade"}

    await hass.config_entries.async_unload(setup_entry.entry_id)

    with pytest.raises(HomeAssistantError, match=r"^PVE Backup add-on is not connected$"):
        await task


async def test_a_call_the_add_on_refuses_is_a_translated_validation_error(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    task = _call(hass, "set_guest_tier", {"tier": "P9", "guests": ["100"]})
    event = await addon.next_event()

    reply = await addon.answer(
        event["call_id"], success=False, error="unknown tier P9", error_kind="input"
    )

    assert reply["success"] is True
    with pytest.raises(ServiceValidationError, match=r"^unknown tier P9$") as caught:
        await task
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == "addon_input_error"
    assert caught.value.translation_placeholders == {"error": "unknown tier P9"}


@pytest.mark.parametrize("kind", [{"error_kind": "upstream"}, {"error_kind": None}, {}])
async def test_an_upstream_failure_or_one_of_no_kind_is_not_a_validation_error(
    hass: HomeAssistant, addon: FakeAddon, kind: dict[str, Any]
) -> None:
    task = _call(hass, "backup_now", {"guests": ["100"]})
    event = await addon.next_event()

    await addon.answer(event["call_id"], success=False, error="PVE did not answer", **kind)

    with pytest.raises(HomeAssistantError, match=r"^PVE did not answer$") as caught:
        await task
    assert not isinstance(caught.value, ServiceValidationError)
    assert caught.value.translation_key == "addon_error"
    assert caught.value.translation_placeholders == {"error": "PVE did not answer"}


async def test_an_unknown_error_kind_is_refused(hass: HomeAssistant, addon: FakeAddon) -> None:
    with patch("custom_components.pve_backup.const.SERVICE_TIMEOUT_S", 0.5):
        task = _call(hass, "verify")
        event = await addon.next_event()

        reply = await addon.answer(event["call_id"], success=False, error="x", error_kind="oops")

        assert reply["error"]["code"] == "invalid_format"
        with pytest.raises(HomeAssistantError, match="did not answer"):
            await task


async def test_a_refused_call_over_the_websocket_is_a_validation_error_without_a_traceback(
    hass: HomeAssistant,
    addon: FakeAddon,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await hass_ws_client(hass)
    await user.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "backup_now",
            "service_data": {"guests": ["999"]},
        }
    )
    event = await addon.next_event()
    await addon.answer(
        event["call_id"], success=False, error="guest 999 does not exist", error_kind="input"
    )

    reply = await user.receive_json()

    assert reply["success"] is False
    assert reply["error"]["code"] == "service_validation_error"
    assert reply["error"]["translation_key"] == "addon_input_error"
    assert reply["error"]["translation_placeholders"] == {"error": "guest 999 does not exist"}
    assert "Unexpected exception" not in caplog.text
    # HA logs the refusal as one error line; a traceback only at debug level.
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.INFO]

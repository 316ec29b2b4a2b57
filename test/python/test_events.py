"""Button presses, select choices and the PVE webhook reach the add-on as events."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import WEBHOOK_ID, FakeAddon, entity_id, press_backup_now


async def test_pressing_a_button_sends_button_press(hass: HomeAssistant, addon: FakeAddon) -> None:
    await press_backup_now(hass)

    assert await addon.next_event() == {"kind": "button_press", "key": "home_100_backup_now"}


async def test_selecting_an_option_sends_select_option_and_keeps_the_old_one(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    tier_id = entity_id(hass, "select", "home_100_tier")
    await addon.states({"key": "home_100_tier", "state": "P1"})

    await hass.services.async_call(
        "select", "select_option", {"entity_id": tier_id, "option": "P0"}, blocking=True
    )

    assert await addon.next_event() == {
        "kind": "select_option",
        "key": "home_100_tier",
        "option": "P0",
    }
    assert hass.states.get(tier_id).state == "P1"
    await addon.states({"key": "home_100_tier", "state": "P0"})
    await hass.async_block_till_done()
    assert hass.states.get(tier_id).state == "P0"


async def test_a_webhook_post_is_forwarded_with_payload_and_headers(
    hass: HomeAssistant, addon: FakeAddon, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()

    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        json={"title": "vzdump backup status (pve): backup successful", "severity": "info"},
        headers={"X-Pve-Secret": "s3", "Authorization": "Bearer not-for-the-add-on"},
    )

    assert response.status == 200
    event = await addon.next_event()
    assert event["kind"] == "webhook"
    assert event["payload"] == {
        "title": "vzdump backup status (pve): backup successful",
        "severity": "info",
    }
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-pve-secret"] == "s3"
    assert "authorization" not in event["headers"]


async def test_a_webhook_body_that_is_not_json_is_forwarded_as_text(
    hass: HomeAssistant, addon: FakeAddon, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()

    response = await client.post(f"/api/webhook/{WEBHOOK_ID}", data="backup of 100 failed")

    assert response.status == 200
    assert (await addon.next_event())["payload"] == "backup of 100 failed"


async def test_a_webhook_without_the_add_on_answers_503_and_warns(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hass_client_no_auth()

    with caplog.at_level(logging.WARNING):
        response = await client.post(f"/api/webhook/{WEBHOOK_ID}", json={"title": "x"})

    assert response.status == 503
    assert "add-on is not connected" in caplog.text


async def test_webhook_command_names_the_webhook(
    new_addon: Callable[[], Awaitable[FakeAddon]],
) -> None:
    fake = await new_addon()

    reply = await fake.command({"type": "pve_backup/webhook"})

    assert reply["result"] == {"webhook_id": WEBHOOK_ID, "path": f"/api/webhook/{WEBHOOK_ID}"}


async def test_the_webhook_accepts_only_post(
    hass: HomeAssistant, addon: FakeAddon, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()

    response = await client.put(f"/api/webhook/{WEBHOOK_ID}", json={})

    assert response.status == 405

"""Writes are for administrators: services, button presses and select choices.

Home Assistant's own rule for admin services: a call that carries a user must come from an
administrator; a call without a user (an automation) is the system acting and passes.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_READ_ONLY, GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pve_backup import const
from custom_components.pve_backup.const import DOMAIN
from custom_components.pve_backup.services import SERVICES

from .conftest import FakeAddon, entity_id, press_backup_now

#: Every service that changes something, with the fields it needs.
WRITE_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("backup_now", {"guests": ["100"]}),
    ("apply_policy", {"dry_run": False}),
    ("set_guest_tier", {"tier": "P1", "guests": ["100"]}),
    ("configure_tier", {"name": "P1", "schedule": "03:00"}),
    ("backup_home_assistant", {}),
    ("verify", {}),
    ("snooze", {"hours": 2}),
]


@pytest.fixture(autouse=True)
def short_service_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call that wrongly reaches the add-on fails in a second instead of a minute."""
    monkeypatch.setattr(const, "SERVICE_TIMEOUT_S", 1.0)


async def _user(hass: HomeAssistant, group: str) -> User:
    return await hass.auth.async_create_user(f"{group} user", group_ids=[group])


async def _ws_as(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, user: User
) -> Any:
    refresh = await hass.auth.async_create_refresh_token(user, "http://localhost/")
    return await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))


def test_every_service_but_refresh_is_admin_only() -> None:
    assert sorted(n for n, s in SERVICES.items() if s.admin) == sorted(n for n, _ in WRITE_CALLS)


@pytest.mark.parametrize("group", [GROUP_ID_USER, GROUP_ID_READ_ONLY])
@pytest.mark.parametrize(("service", "data"), WRITE_CALLS)
async def test_a_non_admin_cannot_call_a_write_service(
    hass: HomeAssistant, addon: FakeAddon, group: str, service: str, data: dict[str, Any]
) -> None:
    user = await _user(hass, group)

    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN, service, data, blocking=True, context=Context(user_id=user.id)
        )

    await addon.assert_no_event()


async def test_an_unknown_user_cannot_call_a_write_service(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            DOMAIN, "backup_now", {}, blocking=True, context=Context(user_id="no-such-user")
        )

    await addon.assert_no_event()


async def test_an_admin_calls_a_write_service(hass: HomeAssistant, addon: FakeAddon) -> None:
    admin = await _user(hass, GROUP_ID_ADMIN)
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "backup_now",
            {"guests": ["100"]},
            blocking=True,
            context=Context(user_id=admin.id),
        )
    )

    event = await addon.next_event()
    assert event["service"] == "backup_now"
    await addon.answer(event["call_id"], success=True)
    await task


async def test_a_read_only_user_may_refresh(hass: HomeAssistant, addon: FakeAddon) -> None:
    reader = await _user(hass, GROUP_ID_READ_ONLY)
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN, "refresh", {}, blocking=True, context=Context(user_id=reader.id)
        )
    )

    event = await addon.next_event()
    assert event["service"] == "refresh"
    await addon.answer(event["call_id"], success=True)
    await task


@pytest.mark.parametrize("group", [GROUP_ID_USER, GROUP_ID_READ_ONLY])
async def test_a_non_admin_cannot_press_a_button_or_choose_a_tier(
    hass: HomeAssistant, addon: FakeAddon, group: str
) -> None:
    context = Context(user_id=(await _user(hass, group)).id)
    tier = entity_id(hass, "select", "home_100_tier")

    with pytest.raises(Unauthorized):
        await press_backup_now(hass, context)
    for service, data in (("select_option", {"option": "P2"}), ("select_next", {})):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                "select", service, {"entity_id": tier, **data}, blocking=True, context=context
            )

    await addon.assert_no_event()


async def test_an_admin_presses_a_button_and_chooses_a_tier(
    hass: HomeAssistant, addon: FakeAddon
) -> None:
    context = Context(user_id=(await _user(hass, GROUP_ID_ADMIN)).id)

    await press_backup_now(hass, context)
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": entity_id(hass, "select", "home_100_tier"), "option": "P2"},
        blocking=True,
        context=context,
    )

    assert await addon.next_event() == {"kind": "button_press", "key": "home_100_backup_now"}
    assert await addon.next_event() == {
        "kind": "select_option",
        "key": "home_100_tier",
        "option": "P2",
    }


@pytest.mark.parametrize("group", [GROUP_ID_USER, GROUP_ID_READ_ONLY])
async def test_a_non_admin_websocket_call_is_refused_as_unauthorized(
    hass: HomeAssistant,
    addon: FakeAddon,
    hass_ws_client: WebSocketGenerator,
    group: str,
) -> None:
    client = await _ws_as(hass, hass_ws_client, await _user(hass, group))

    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "set_guest_tier",
            "service_data": {"tier": "P0", "guests": ["100"]},
        }
    )
    reply = await client.receive_json()

    assert reply["success"] is False
    assert reply["error"]["message"] == "Unauthorized"
    await addon.assert_no_event()

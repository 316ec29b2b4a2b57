"""The backup calendar entity: events from the add-on, served by Home Assistant's calendar API."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import FakeAddon, declaration, entity_decl, entity_id

CALENDAR = entity_decl("home_backup_calendar", "calendar", device="home", name="Backup calendar")


def _at(hours: float) -> datetime.datetime:
    return dt_util.utcnow().replace(microsecond=0) + datetime.timedelta(hours=hours)


def _event(uid: str, summary: str, start_h: float, end_h: float, description: Any = None) -> dict[str, Any]:
    """An event as the add-on writes it (times ISO-8601 UTC)."""
    return {
        "uid": uid,
        "summary": summary,
        "start": _at(start_h).isoformat().replace("+00:00", "Z"),
        "end": _at(end_h).isoformat().replace("+00:00", "Z"),
        "description": description,
    }


def _events() -> list[dict[str, Any]]:
    """The run after next, a past failed run, the next run: out of order on purpose."""
    return [
        _event("job-2@pve-backup", "Backup pve-backup-p0", 37, 37.5, "Scheduled (03:00)."),
        _event("task-a@pve-backup", "Backup failed: 100, 102", -10, -9.9, "100: ok\n102: failed"),
        _event("job-1@pve-backup", "Backup pve-backup-p0", 13, 13.5),
    ]


async def _connect(new_addon: Callable[[], Awaitable[FakeAddon]]) -> FakeAddon:
    decl = declaration()
    decl["entities"].append(CALENDAR)
    fake = await new_addon()
    await fake.connect(decl)
    return fake


async def _push(hass: HomeAssistant, fake: FakeAddon, events: Any) -> str:
    await fake.states(
        {"key": "home_backup_calendar", "state": None, "attributes": {"events": events}}
    )
    await hass.async_block_till_done()
    return entity_id(hass, "calendar", "home_backup_calendar")


def _iso(value: str) -> str:
    parsed = dt_util.parse_datetime(value)
    assert parsed is not None
    return parsed.isoformat()


async def test_calendar_lists_the_add_on_events_through_the_calendar_api(
    hass: HomeAssistant,
    new_addon: Callable[[], Awaitable[FakeAddon]],
    hass_client: ClientSessionGenerator,
) -> None:
    events = _events()
    eid = await _push(hass, await _connect(new_addon), events)

    state = hass.states.get(eid)
    assert state is not None
    # Off between runs; the next run is the state's event; the list is not a state attribute.
    assert state.state == "off"
    assert state.attributes["message"] == "Backup pve-backup-p0"
    assert state.attributes["start_time"] == dt_util.as_local(_at(13)).strftime("%Y-%m-%d %H:%M:%S")
    assert "events" not in state.attributes

    client = await hass_client()
    response = await client.get(
        f"/api/calendars/{eid}",
        params={"start": _at(-24).isoformat(), "end": _at(48).isoformat()},
    )
    assert response.status == HTTPStatus.OK
    body = await response.json()
    assert [(e["uid"], e["summary"]) for e in body] == [
        ("task-a@pve-backup", "Backup failed: 100, 102"),
        ("job-1@pve-backup", "Backup pve-backup-p0"),
        ("job-2@pve-backup", "Backup pve-backup-p0"),
    ]
    assert _iso(body[0]["start"]["dateTime"]) == dt_util.as_local(_at(-10)).isoformat()
    assert body[0]["description"] == "100: ok\n102: failed"

    # A narrower window: only what overlaps it.
    response = await client.get(
        f"/api/calendars/{eid}",
        params={"start": _at(13.25).isoformat(), "end": _at(20).isoformat()},
    )
    assert [e["uid"] for e in await response.json()] == ["job-1@pve-backup"]


async def test_calendar_is_on_during_a_run_and_follows_new_events(
    hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    fake = await _connect(new_addon)
    eid = await _push(hass, fake, [_event("now@pve-backup", "Backup running: 100", -0.1, 0.4)])
    assert hass.states.get(eid).state == "on"

    await _push(hass, fake, [])
    state = hass.states.get(eid)
    assert state.state == "off"
    assert "message" not in state.attributes


async def test_calendar_leaves_out_malformed_events(
    hass: HomeAssistant,
    new_addon: Callable[[], Awaitable[FakeAddon]],
    hass_client: ClientSessionGenerator,
) -> None:
    good = _event("good@pve-backup", "Backup pve-backup-p0", 13, 13.5)
    bad = [
        "not an object",
        {"summary": "no times"},
        {**good, "start": "2026-03-28T02:00:00", "end": "2026-03-28T03:00:00"},
        {**good, "start": good["end"], "end": good["start"]},
        {**good, "summary": 7},
        {**good, "start": 1},
        {**good, "uid": 5, "description": 9, "summary": "odd uid"},
        good,
    ]
    fake = await _connect(new_addon)
    eid = await _push(hass, fake, bad)
    client = await hass_client()
    response = await client.get(
        f"/api/calendars/{eid}", params={"start": _at(-1).isoformat(), "end": _at(48).isoformat()}
    )
    assert sorted((e["summary"], e.get("uid")) for e in await response.json()) == [
        ("Backup pve-backup-p0", "good@pve-backup"),
        ("odd uid", None),
    ]

    # Not a list at all: no events, no error.
    await _push(hass, fake, "x")
    assert hass.states.get(eid).state == "off"


async def test_calendar_is_unavailable_without_the_add_on(
    hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    fake = await _connect(new_addon)
    eid = await _push(hass, fake, _events())
    await fake.client.close()
    for _ in range(100):
        await hass.async_block_till_done()
        if hass.states.get(eid).state == "unavailable":
            break
        await asyncio.sleep(0.02)
    assert hass.states.get(eid).state == "unavailable"

"""The backup calendar the add-on declares: scheduled and past backup runs.

The add-on sends the events as the entity's `events` attribute (a list of `{uid, summary,
start, end, description}`, times ISO-8601); the entity keeps them to itself rather than as
state attributes (the recorder would store the whole list on every change) and serves them
through Home Assistant's calendar API (`GET /api/calendars/<entity_id>`, the calendar card,
`calendar.get_events`).
"""

from __future__ import annotations

import datetime
from typing import Any

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from . import PveBackupConfigEntry
from .bridge import PveBackupBridge
from .const import LOGGER
from .entity import PveBackupEntity, description_fields
from .protocol import EntityDecl

#: The attribute the events travel in.
ATTR_EVENTS = "events"


def convert_state(decl: EntityDecl, raw: Any) -> None:
    """A calendar's state is its current or next event: the wire state carries nothing."""
    return None


def _instant(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    parsed = dt_util.parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def parse_events(raw: Any) -> list[CalendarEvent]:
    """The events of an `events` attribute, sorted by start; malformed ones are left out."""
    if not isinstance(raw, list):
        return []
    events: list[CalendarEvent] = []
    skipped = 0
    for item in raw:
        if not isinstance(item, dict):
            skipped += 1
            continue
        start = _instant(item.get("start"))
        end = _instant(item.get("end"))
        summary = item.get("summary")
        if start is None or end is None or end <= start or not isinstance(summary, str):
            skipped += 1
            continue
        description = item.get("description")
        uid = item.get("uid")
        events.append(
            CalendarEvent(
                start=start,
                end=end,
                summary=summary,
                description=description if isinstance(description, str) else None,
                uid=uid if isinstance(uid, str) else None,
            )
        )
    if skipped:
        LOGGER.warning("Ignored %d malformed backup calendar event(s) from the add-on", skipped)
    events.sort(key=lambda e: (e.start_datetime_local, e.uid or ""))
    return events


class PveBackupCalendar(PveBackupEntity, CalendarEntity):
    """A declared calendar: the add-on's backup runs."""

    entity_description: CalendarEntityDescription

    def __init__(self, bridge: PveBackupBridge, decl: EntityDecl) -> None:
        self.entity_description = CalendarEntityDescription(**description_fields(decl))
        self._events: list[CalendarEvent] = []
        super().__init__(bridge, decl)
        self._take_events(self._attr_extra_state_attributes)

    def _set_value(self, value: Any) -> None:
        """Nothing to set: the events are the value (see `async_set_value`)."""

    def _take_events(self, attributes: dict[str, Any] | None) -> None:
        attributes = dict(attributes or {})
        self._events = parse_events(attributes.pop(ATTR_EVENTS, None))
        self._attr_extra_state_attributes = attributes

    @callback
    def async_set_value(self, value: Any, attributes: dict[str, Any]) -> None:
        """Apply the events sent by the add-on."""
        self._take_events(attributes)
        self.async_write_if_added()

    @property
    def event(self) -> CalendarEvent | None:
        """The event under way, else the next one."""
        now = dt_util.now()
        for event in self._events:
            if event.end_datetime_local > now:
                return event
        return None

    async def async_get_events(
        self,
        hass: HomeAssistant,
        start_date: datetime.datetime,
        end_date: datetime.datetime,
    ) -> list[CalendarEvent]:
        """The events that overlap `[start_date, end_date)`."""
        return [
            e
            for e in self._events
            if e.start_datetime_local < end_date and e.end_datetime_local > start_date
        ]

    async def async_will_remove_from_hass(self) -> None:
        """Forget the bridge's reference and the calendar's start/end alarms."""
        await PveBackupEntity.async_will_remove_from_hass(self)
        await CalendarEntity.async_will_remove_from_hass(self)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PveBackupConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Register the calendar platform with the bridge."""
    entry.runtime_data.async_register_platform(
        Platform.CALENDAR, async_add_entities, PveBackupCalendar, convert_state
    )

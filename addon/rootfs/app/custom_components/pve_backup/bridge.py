"""The bridge: one add-on connection, its declaration, the entities built from it.

The add-on opens the `pve_backup/connect` subscription (the Node-RED companion pattern):
the bridge keeps the websocket connection and the subscription's message id, sends events
on it, and registers itself in `connection.subscriptions` so a closed socket (or
`unsubscribe_events`) ends the connection and turns every entity unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.components import websocket_api
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_DEVICE_ID, ENTITY_MATCH_NONE
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
)
from homeassistant.helpers import (
    device_registry as dr,
)
from homeassistant.helpers import (
    entity_registry as er,
)
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.storage import Store
from homeassistant.util.ulid import ulid_now

from . import const

try:  # Home Assistant 2025.8+: target selection moved to helpers.target
    from homeassistant.helpers.target import (
        async_extract_referenced_entity_ids as _extract_target,
    )

    try:
        from homeassistant.helpers.target import TargetSelection as _Selection
    except ImportError:  # its first name, in the releases that introduced helpers.target
        from homeassistant.helpers.target import TargetSelectorData as _Selection

    def _referenced(hass: HomeAssistant, call: ServiceCall) -> Any:
        return _extract_target(hass, _Selection(call.data), expand_group=False)

except ImportError:  # before 2025.8 (removed from helpers.service in 2026.8)
    from homeassistant.helpers.service import (
        async_extract_referenced_entity_ids as _extract_service,
    )

    def _referenced(hass: HomeAssistant, call: ServiceCall) -> Any:
        return _extract_service(hass, call, expand_group=False)

from .const import DOMAIN, LOGGER, STORAGE_VERSION, UNIQUE_ID_PREFIX
from .protocol import STORED_DECLARATION_SCHEMA, Declaration, DeviceDecl, EntityDecl

if TYPE_CHECKING:
    from .entity import PveBackupEntity

type EntityFactory = Callable[[PveBackupBridge, EntityDecl], PveBackupEntity]
type StateConverter = Callable[[EntityDecl, Any], Any]


@dataclass(slots=True)
class _PlatformHook:
    add_entities: AddEntitiesCallback
    factory: EntityFactory
    convert: StateConverter


class BridgeRefused(HomeAssistantError):
    """A bridge command from a connection that may not send it; `code` is the websocket code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class _PendingCall:
    future: asyncio.Future[ServiceResult]
    #: The Home Assistant user of the add-on connection the call was sent on.
    user_id: str


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """The add-on's answer to a forwarded service call.

    `error_kind`: "input" when the call itself was wrong (unknown guest or tier, …),
    "upstream" when PVE or another system failed; None (an add-on that does not say) counts
    as upstream.
    """

    success: bool
    response: Any = None
    error: str | None = None
    error_kind: str | None = None


def not_connected_error() -> HomeAssistantError:
    """The error every action raises while no add-on is connected."""
    return HomeAssistantError(
        "PVE Backup add-on is not connected",
        translation_domain=DOMAIN,
        translation_key=const.ERR_NOT_CONNECTED,
    )


def _parents_first(devices: Iterable[DeviceDecl]) -> list[DeviceDecl]:
    """Order devices so a `via_device` is created before the devices behind it."""
    by_key = {d.key: d for d in devices}
    ordered: list[DeviceDecl] = []
    placed: set[str] = set()

    def place(device: DeviceDecl, seen: frozenset[str]) -> None:
        if device.key in placed:
            return
        via = device.via_device
        if via in by_key and via not in seen:  # a cycle is placed as it comes
            place(by_key[via], seen | {device.key})
        placed.add(device.key)
        ordered.append(device)

    for device in by_key.values():
        place(device, frozenset())
    return ordered


class PveBackupBridge:
    """Holds the add-on connection and turns its declaration into entities and devices."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self.declaration = Declaration()
        self.entities: dict[str, PveBackupEntity] = {}
        #: Last state received per key, as sent (raw state, attributes).
        self.values: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}"
        )
        self._platforms: dict[str, _PlatformHook] = {}
        self._connection: websocket_api.ActiveConnection | None = None
        self._subscription_id: int | None = None
        self._pending: dict[str, _PendingCall] = {}
        self._lock = asyncio.Lock()
        self._saved: dict[str, Any] | None = None

    # ---- state -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the add-on's `connect` subscription lives."""
        return self._connection is not None

    @property
    def pending_calls(self) -> int:
        """Forwarded service calls still waiting for their result."""
        return len(self._pending)

    def _decl_by_key(self) -> dict[str, EntityDecl]:
        return {e.key: e for e in self.declaration.entities}

    def _device_by_key(self) -> dict[str, DeviceDecl]:
        return {d.key: d for d in self.declaration.devices}

    def device_for(self, decl: EntityDecl) -> DeviceDecl | None:
        """The declared device an entity belongs to, if any."""
        return None if decl.device is None else self._device_by_key().get(decl.device)

    # ---- persistence ---------------------------------------------------------------------

    async def async_load(self) -> None:
        """Load the last declaration, so entities exist (unavailable) before the add-on."""
        stored = await self._store.async_load()
        if not stored:
            return
        try:
            self.declaration = Declaration.from_wire(STORED_DECLARATION_SCHEMA(stored))
            self._saved = stored
        except vol.Invalid as err:
            # A declaration stored by another version; the add-on sends a fresh one.
            LOGGER.warning("Ignoring the stored PVE Backup declaration: %s", err)

    async def async_remove_store(self) -> None:
        """Delete the stored declaration (config entry removed)."""
        await self._store.async_remove()

    # ---- platforms -------------------------------------------------------------------------

    @callback
    def async_register_platform(
        self,
        platform: str,
        add_entities: AddEntitiesCallback,
        factory: EntityFactory,
        convert: StateConverter,
    ) -> None:
        """Called by each platform's setup; adds the entities declared so far."""
        self._platforms[platform] = _PlatformHook(add_entities, factory, convert)
        self._add_missing_entities(platform)

    @callback
    def _add_missing_entities(self, platform: str) -> None:
        hook = self._platforms.get(platform)
        if hook is None:
            return
        new = [
            hook.factory(self, decl)
            for decl in self.declaration.entities
            if decl.platform == platform and decl.key not in self.entities
        ]
        for entity in new:
            self.entities[entity.decl.key] = entity
        if new:
            hook.add_entities(new)

    @callback
    def async_entity_removed(self, entity: PveBackupEntity) -> None:
        """Forget an entity object that left Home Assistant."""
        if self.entities.get(entity.decl.key) is entity:
            del self.entities[entity.decl.key]

    def initial_value(self, decl: EntityDecl) -> tuple[Any, dict[str, Any]]:
        """The converted last state for a (re)created entity."""
        raw, attributes = self.values.get(decl.key, (None, {}))
        hook = self._platforms.get(decl.platform)
        try:
            return (hook.convert(decl, raw) if hook else None), attributes
        except ValueError:
            return None, attributes

    # ---- the add-on connection -------------------------------------------------------------

    def _check_may_connect(
        self, connection: websocket_api.ActiveConnection, declaration: Declaration
    ) -> None:
        """Who may declare (docs/bridge-protocol.md, "Who speaks for the add-on").

        While a subscription lives, only its own user may take over: that is the add-on
        reconnecting on a new socket before Home Assistant noticed the old one died. Another
        user's connection would silence the add-on and rewrite its catalogue. A declaration
        without entities never empties a registry that holds some.
        """
        live = self._connection
        if live is not None and live is not connection and live.user.id != connection.user.id:
            raise BridgeRefused(
                websocket_api.ERR_UNAUTHORIZED,
                "Another PVE Backup add-on connection is live (user "
                f"{live.user.name or live.user.id}); only that user may connect while it lasts",
            )
        if not declaration.entities and er.async_entries_for_config_entry(
            er.async_get(self.hass), self.entry.entry_id
        ):
            raise BridgeRefused(
                websocket_api.ERR_NOT_ALLOWED,
                "A declaration without entities would remove every PVE Backup entity; "
                "remove the integration to start over",
            )

    def _check_is_addon(self, connection: websocket_api.ActiveConnection) -> None:
        """Only the connection that holds the live subscription speaks for the add-on."""
        if self._connection is None or connection is not self._connection:
            raise BridgeRefused(
                websocket_api.ERR_UNAUTHORIZED,
                "Only the connection that holds the pve_backup/connect subscription may send this",
            )

    async def async_connect(
        self,
        connection: websocket_api.ActiveConnection,
        msg_id: int,
        declaration: Declaration,
    ) -> None:
        """Take over as the add-on connection and apply its whole declaration.

        Raises BridgeRefused when the connection may not (see `_check_may_connect`).
        """
        async with self._lock:
            self._check_may_connect(connection, declaration)
            self._end_subscription(const.CLOSED_REPLACED)
            self._connection = connection
            self._subscription_id = msg_id
            connection.subscriptions[msg_id] = lambda: self._async_subscription_ended(
                connection, msg_id
            )
            LOGGER.info(
                "PVE Backup add-on %s connected: %d devices, %d entities",
                declaration.addon_version,
                len(declaration.devices),
                len(declaration.entities),
            )
            try:
                await self._async_apply(declaration)
            except Exception:
                # Not connected with a half-applied catalogue: the add-on gets the error.
                connection.subscriptions.pop(msg_id, None)
                self._connection = None
                self._subscription_id = None
                raise
            wire = declaration.as_dict()
            if wire != self._saved:
                await self._store.async_save(wire)
                self._saved = wire
            self._write_all()

    @callback
    def _async_subscription_ended(
        self, connection: websocket_api.ActiveConnection, msg_id: int
    ) -> None:
        if self._connection is not connection or self._subscription_id != msg_id:
            return  # an older subscription that was already replaced
        LOGGER.info("PVE Backup add-on disconnected")
        self._connection = None
        self._subscription_id = None
        self._write_all()

    @callback
    def _end_subscription(self, reason: str) -> None:
        """End the current subscription (replaced or unloading), telling the add-on why.

        Home Assistant has no message that ends a subscription from the server side, so
        a last `closed` event says it; the add-on re-sends `connect` after `unloaded`.
        """
        if self._connection is not None and self._subscription_id is not None:
            self._connection.subscriptions.pop(self._subscription_id, None)
            self._connection.send_message(
                websocket_api.event_message(
                    self._subscription_id, {"kind": const.EVENT_CLOSED, "reason": reason}
                )
            )
        self._connection = None
        self._subscription_id = None

    @callback
    def async_shutdown(self) -> None:
        """Config entry unloads: end the subscription, fail calls still waiting."""
        self._end_subscription(const.CLOSED_UNLOADED)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(not_connected_error())
        self._pending.clear()

    @callback
    def _write_all(self) -> None:
        for entity in self.entities.values():
            entity.async_write_if_added()

    @callback
    def async_send_event(self, event: Mapping[str, Any]) -> None:
        """Send one event on the add-on's subscription."""
        if self._connection is None or self._subscription_id is None:
            raise not_connected_error()
        self._connection.send_message(
            websocket_api.event_message(self._subscription_id, dict(event))
        )
        LOGGER.debug(
            "Sent %s %s to the add-on",
            event["kind"],
            event.get("service") or event.get("key") or "",
        )

    # ---- declaration -------------------------------------------------------------------------

    async def _async_apply(self, declaration: Declaration) -> None:
        """Make registries and live entities match the declaration (the whole catalogue)."""
        entry_id = self.entry.entry_id
        dev_reg = dr.async_get(self.hass)
        ent_reg = er.async_get(self.hass)
        self.declaration = declaration
        declared = self._decl_by_key()

        for device in _parents_first(declaration.devices):
            entry = dev_reg.async_get_or_create(
                config_entry_id=entry_id,
                identifiers={(DOMAIN, device.key)},
                name=device.name,
                manufacturer=device.manufacturer,
                model=device.model,
                sw_version=device.sw_version,
                configuration_url=device.configuration_url,
                via_device=(DOMAIN, device.via_device) if device.via_device else None,
            )
            if device.via_device is None and entry.via_device_id is not None:
                dev_reg.async_update_device(entry.id, via_device_id=None)

        # Live entities: drop undeclared ones, re-create those whose description changed
        # (name, device class, options … are cached by HA and copied into the registry
        # only when an entity is added; the registry entry and entity_id are kept).
        for key, entity in list(self.entities.items()):
            decl = declared.get(key)
            if decl == entity.decl:
                continue
            del self.entities[key]
            if decl is not None and decl.platform == entity.decl.platform:
                await entity.async_remove()
            elif entity.registry_entry is None:
                await entity.async_remove(force_remove=True)
            # else: removed below together with its registry entry

        for reg_entry in er.async_entries_for_config_entry(ent_reg, entry_id):
            decl = declared.get(reg_entry.unique_id.removeprefix(UNIQUE_ID_PREFIX))
            if decl is None or decl.platform != reg_entry.domain:
                LOGGER.debug("Removing undeclared entity %s", reg_entry.entity_id)
                ent_reg.async_remove(reg_entry.entity_id)

        device_keys = {d.key for d in declaration.devices}
        for device_entry in dr.async_entries_for_config_entry(dev_reg, entry_id):
            keys = {value for domain, value in device_entry.identifiers if domain == DOMAIN}
            if not keys & device_keys:
                LOGGER.debug("Removing undeclared device %s", device_entry.name)
                dev_reg.async_update_device(device_entry.id, remove_config_entry_id=entry_id)

        self.values = {k: v for k, v in self.values.items() if k in declared}
        for platform in self._platforms:
            self._add_missing_entities(platform)

    # ---- states ----------------------------------------------------------------------------

    @callback
    def async_apply_states(
        self, connection: websocket_api.ActiveConnection, states: Iterable[Mapping[str, Any]]
    ) -> int:
        """Apply a batch of states from the add-on's connection; returns how many applied.

        Raises BridgeRefused for any other connection.
        """
        self._check_is_addon(connection)
        declared = self._decl_by_key()
        applied = 0
        for item in states:
            key = item["key"]
            decl = declared.get(key)
            hook = None if decl is None else self._platforms.get(decl.platform)
            if decl is None or hook is None:
                LOGGER.debug("Ignoring the state of undeclared key %s", key)
                continue
            try:
                value = hook.convert(decl, item["state"])
            except ValueError as err:
                LOGGER.warning("Ignoring state %r of %s: %s", item["state"], key, err)
                continue
            attributes = dict(item.get("attributes") or {})
            self.values[key] = (item["state"], attributes)
            if (entity := self.entities.get(key)) is not None:
                entity.async_set_value(value, attributes)
            applied += 1
        return applied

    # ---- service calls ------------------------------------------------------------------------

    @callback
    def async_resolve_target(self, call: ServiceCall) -> list[str]:
        """Device keys of the devices (or their entities) a service call targets."""
        dev_reg = dr.async_get(self.hass)
        ent_reg = er.async_get(self.hass)
        selected = _referenced(self.hass, call)
        explicit_devices = [
            d for d in cv.ensure_list(call.data.get(ATTR_DEVICE_ID)) if d != ENTITY_MATCH_NONE
        ]
        device_ids = list(dict.fromkeys([*explicit_devices, *sorted(selected.referenced_devices)]))
        unknown: list[str] = []
        for entity_id in sorted(selected.referenced):
            reg_entry = ent_reg.async_get(entity_id)
            if reg_entry is None or reg_entry.platform != DOMAIN or not reg_entry.device_id:
                unknown.append(entity_id)
            elif reg_entry.device_id not in device_ids:
                device_ids.append(reg_entry.device_id)
        keys: list[str] = []
        for device_id in device_ids:
            device = dev_reg.async_get(device_id)
            key = next(
                (v for d, v in (device.identifiers if device else ()) if d == DOMAIN),
                None,
            )
            if key is not None:
                keys.append(key)
            elif device_id in explicit_devices:
                unknown.append(device_id)
            # devices of other integrations in a targeted area are simply not ours
        if unknown:
            raise ServiceValidationError(
                f"Not a PVE Backup device or entity: {', '.join(unknown)}",
                translation_domain=DOMAIN,
                translation_key=const.ERR_UNKNOWN_TARGET,
                translation_placeholders={"targets": ", ".join(unknown)},
            )
        return keys

    async def async_call_service(self, service: str, data: dict[str, Any]) -> dict[str, Any]:
        """Forward a service call and wait for the add-on's `service_result`."""
        if self._connection is None:
            raise not_connected_error()
        call_id = ulid_now()
        future: asyncio.Future[ServiceResult] = self.hass.loop.create_future()
        self._pending[call_id] = _PendingCall(future, self._connection.user.id)
        try:
            self.async_send_event(
                {
                    "kind": const.EVENT_SERVICE_CALL,
                    "call_id": call_id,
                    "service": service,
                    "data": data,
                }
            )
            async with asyncio.timeout(const.SERVICE_TIMEOUT_S):
                result = await future
        except TimeoutError:
            raise HomeAssistantError(
                f"PVE Backup add-on did not answer within {const.SERVICE_TIMEOUT_S:g} s",
                translation_domain=DOMAIN,
                translation_key=const.ERR_TIMEOUT,
                translation_placeholders={"seconds": f"{const.SERVICE_TIMEOUT_S:g}"},
            ) from None
        finally:
            self._pending.pop(call_id, None)
        if not result.success:
            error = result.error or "the add-on reported a failure without a message"
            # A refused call is the caller's to fix (HA logs one line, no traceback); anything
            # else is a failure behind the add-on.
            refused = result.error_kind == const.ERROR_KIND_INPUT
            raise (ServiceValidationError if refused else HomeAssistantError)(
                error,
                translation_domain=DOMAIN,
                translation_key=const.ERR_ADDON_INPUT if refused else const.ERR_ADDON,
                translation_placeholders={"error": error},
            )
        response = result.response
        if response is None:
            return {}
        # Service responses must be objects; wrap anything else.
        return response if isinstance(response, dict) else {"result": response}

    @callback
    def async_resolve_call(
        self, connection: websocket_api.ActiveConnection, call_id: str, result: ServiceResult
    ) -> bool:
        """Deliver a `service_result`; False for an unknown or expired call id.

        The answer may come on a newer socket of the add-on (its client re-sends what it
        queued while reconnecting, before it connects again), so it is taken from the user
        the call was sent to; BridgeRefused for any other user.
        """
        pending = self._pending.get(call_id)
        if pending is None or pending.future.done():
            return False
        if connection.user.id != pending.user_id:
            raise BridgeRefused(
                websocket_api.ERR_UNAUTHORIZED,
                "Only the PVE Backup add-on's user may answer its service calls",
            )
        del self._pending[call_id]
        pending.future.set_result(result)
        return True

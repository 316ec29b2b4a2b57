"""Constants of the PVE Backup companion integration (see docs/bridge-protocol.md)."""

from __future__ import annotations

import logging
from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "pve_backup"
LOGGER = logging.getLogger(__package__)

PROTOCOL_VERSION: Final = 1

#: Platforms the add-on may declare entities on, in set-up order.
PLATFORMS: Final = (
    Platform.SENSOR,
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SELECT,
    Platform.CALENDAR,
)

CONF_WEBHOOK_ID: Final = "webhook_id"
WEBHOOK_ID_PREFIX: Final = "pve_backup_"

#: Entity unique_id = UNIQUE_ID_PREFIX + declared key.
UNIQUE_ID_PREFIX: Final = "pve_backup_"

#: How long a forwarded service call waits for `pve_backup/service_result`.
SERVICE_TIMEOUT_S: float = 60.0

STORAGE_VERSION: Final = 1

# Event kinds sent on the `pve_backup/connect` subscription.
EVENT_SERVICE_CALL: Final = "service_call"
EVENT_BUTTON_PRESS: Final = "button_press"
EVENT_SELECT_OPTION: Final = "select_option"
EVENT_WEBHOOK: Final = "webhook"
EVENT_CLOSED: Final = "closed"
# Reasons of a `closed` event.
CLOSED_REPLACED: Final = "replaced"
CLOSED_UNLOADED: Final = "unloaded"

# `error_kind` of a failed `service_result`.
ERROR_KIND_INPUT: Final = "input"
ERROR_KIND_UPSTREAM: Final = "upstream"

# Translation keys of the exceptions in strings.json.
ERR_NOT_CONNECTED: Final = "not_connected"
ERR_TIMEOUT: Final = "timeout"
ERR_ADDON: Final = "addon_error"
ERR_ADDON_INPUT: Final = "addon_input_error"
ERR_UNKNOWN_TARGET: Final = "unknown_target"

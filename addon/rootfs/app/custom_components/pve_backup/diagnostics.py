"""Config entry diagnostics: declaration, connection state, counts; secrets redacted."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from . import PveBackupConfigEntry
from .const import CONF_WEBHOOK_ID

_SECRET_NAME = re.compile(r"token|secret|password|passwd|api_?key", re.IGNORECASE)


def _secret_keys(data: Any, found: set[str]) -> set[str]:
    """Every mapping key below `data` that looks like it names a secret."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _SECRET_NAME.search(key):
                found.add(key)
            _secret_keys(value, found)
    elif isinstance(data, (list, tuple)):
        for item in data:
            _secret_keys(item, found)
    return found


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PveBackupConfigEntry
) -> dict[str, Any]:
    """What the bridge holds right now."""
    bridge = entry.runtime_data
    declaration = bridge.declaration
    data = {
        "entry": {"title": entry.title, "version": entry.version, "data": dict(entry.data)},
        "connection": {
            "connected": bridge.connected,
            "addon_version": declaration.addon_version,
            "pending_service_calls": bridge.pending_calls,
        },
        "counts": {
            "devices": len(declaration.devices),
            "entities": len(declaration.entities),
            "entities_by_platform": dict(Counter(e.platform for e in declaration.entities)),
            "live_entities": len(bridge.entities),
            "states": len(bridge.values),
        },
        "declaration": declaration.as_dict(),
        "states": {
            key: {"state": state, "attributes": attributes}
            for key, (state, attributes) in sorted(bridge.values.items())
        },
    }
    return async_redact_data(data, _secret_keys(data, {CONF_WEBHOOK_ID}))

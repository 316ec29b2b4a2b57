"""Delivery of the dashboard card: the integration serves its bundle and loads it on every page.

The card module (built by `npm run build` into `frontend/pve-backup-card.js` beside this file)
is served at a fixed URL and added to the frontend's extra modules with a content-hash query,
so a new build is fetched despite the 31-day cache headers, and no dashboard resource has to
be added by hand. The built file is committed, so HACS and manual installs carry it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

CARD_FILE = Path(__file__).parent / "frontend" / "pve-backup-card.js"
CARD_URL = f"/{DOMAIN}/pve-backup-card.js"
_DATA_CARD_URL = f"{DOMAIN}_card_url"


def _version_of(path: Path) -> str | None:
    """Short content hash of the bundle, None when it was not built."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except FileNotFoundError:
        return None


async def async_register_card(hass: HomeAssistant) -> str | None:
    """Serve the card and load it on every frontend page; the versioned URL, or None.

    Once per Home Assistant run: static routes cannot be removed again, so a reloaded entry
    keeps the registration it had.
    """
    if (url := hass.data.get(_DATA_CARD_URL)) is not None:
        return url
    version = await hass.async_add_executor_job(_version_of, CARD_FILE)
    if version is None:
        LOGGER.warning(
            "The PVE Backup dashboard card is missing (%s); build it with `npm run build`",
            CARD_FILE,
        )
        return None
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    url = f"{CARD_URL}?v={version}"
    if DATA_EXTRA_MODULE_URL in hass.data:
        add_extra_js_url(hass, url)
    else:
        LOGGER.warning(
            "The frontend is not loaded: add %s as a dashboard resource to use the card", url
        )
    hass.data[_DATA_CARD_URL] = url
    return url

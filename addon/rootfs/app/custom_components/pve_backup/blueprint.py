"""The blueprint the integration ships: copied into Home Assistant's blueprint folder.

Home Assistant imports blueprints from `<config>/blueprints/<domain>/`; the integration puts
its "notify me when a guest's backup is stale or failed" automation blueprint there at set-up,
once: a copy that is already there (perhaps edited by the user) is left alone, unless it is an
earlier version exactly as shipped, which is brought up to date.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Final

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

BLUEPRINT_NAME: Final = "backup_stale_or_failed.yaml"
SHIPPED: Final = Path(__file__).parent / "blueprints" / "automation" / DOMAIN / BLUEPRINT_NAME
#: SHA-256 of the earlier shipped versions: a copy equal to one of them was not edited.
EARLIER: Final = frozenset({"a5538efbb680fb414927293a3e8c9d347c9a448183fa80d2ec42d5134535e6c0"})


def _install(target: Path) -> bool:
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() not in EARLIER:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    shutil.copyfile(SHIPPED, tmp)
    tmp.replace(target)
    return True


async def async_install_blueprint(hass: HomeAssistant) -> None:
    """Copy the automation blueprint in unless a copy is there; never fails the set-up."""
    target = Path(hass.config.path("blueprints", "automation", DOMAIN, BLUEPRINT_NAME))
    try:
        if await hass.async_add_executor_job(_install, target):
            LOGGER.info("PVE Backup: added the blueprint %s", target)
    except OSError as err:
        LOGGER.warning("PVE Backup: could not add the blueprint %s: %s", target, err)

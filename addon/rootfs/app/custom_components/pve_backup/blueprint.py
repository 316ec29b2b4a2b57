"""The blueprint the integration ships: copied into Home Assistant's blueprint folder.

Home Assistant imports blueprints from `<config>/blueprints/<domain>/`; the integration puts
its "notify me when a guest's backup is stale or failed" automation blueprint there at set-up,
once: a copy that is already there (perhaps edited by the user) is left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

BLUEPRINT_NAME: Final = "backup_stale_or_failed.yaml"
SHIPPED: Final = Path(__file__).parent / "blueprints" / "automation" / DOMAIN / BLUEPRINT_NAME


def _install(target: Path) -> bool:
    if target.exists():
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

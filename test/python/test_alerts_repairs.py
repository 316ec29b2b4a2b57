"""`pve_backup/repairs`: the add-on's conditions become Repairs, and go when no longer listed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.pve_backup.const import DOMAIN

from .conftest import FakeAddon

INSTALLED_VERSION: str = json.loads(
    (Path(__file__).parents[2] / "custom_components" / "pve_backup" / "manifest.json").read_text()
)["version"]

MISSING = {
    "issue_id": "job_missing_storage_home_backup_7c1e4a52_9b0d",
    "translation_key": "job_missing_storage",
    "placeholders": {
        "cluster": "home",
        "job": "backup-7c1e4a52-9b0d (nightly critical)",
        "storage": "synology-nas-storage",
        "state": "disabled",
    },
    "learn_more_url": "https://10.0.0.5:8006",
}
PRIVILEGE = {
    "issue_id": "token_privilege_home",
    "translation_key": "token_privilege",
    "placeholders": {
        "cluster": "home",
        "token": "pve-backup@pve!addon",
        "missing": "run backups (VM.Backup on /vms)",
        "pveum": "pveum role add PVEBackupPanel --privs \"VM.Backup\"",
    },
}


def repairs(issues: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "pve_backup/repairs", "addon_version": "0.1.0", "issues": issues, **extra}


def ours(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    return {i: e for (d, i), e in ir.async_get(hass).issues.items() if d == DOMAIN}


async def test_creates_the_listed_issues_and_deletes_those_no_longer_listed(
    hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    fake = await new_addon()

    reply = await fake.command(repairs([MISSING, PRIVILEGE]))

    assert reply["success"] is True
    issues = ours(hass)
    assert set(issues) == {MISSING["issue_id"], PRIVILEGE["issue_id"]}
    missing = issues[MISSING["issue_id"]]
    assert missing.translation_key == "job_missing_storage"
    assert missing.translation_placeholders == MISSING["placeholders"]
    assert missing.learn_more_url == "https://10.0.0.5:8006"
    assert missing.severity == ir.IssueSeverity.WARNING
    assert issues[PRIVILEGE["issue_id"]].severity == ir.IssueSeverity.ERROR

    reply = await fake.command(repairs([PRIVILEGE]))

    assert reply["result"] == {"issues": [PRIVILEGE["issue_id"]], "deleted": [MISSING["issue_id"]]}
    assert set(ours(hass)) == {PRIVILEGE["issue_id"]}


async def test_flags_an_integration_that_differs_from_the_one_the_addon_ships(
    hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    fake = await new_addon()
    installed = INSTALLED_VERSION.split(".")
    next_minor = f"{installed[0]}.{int(installed[1]) + 1}.0"
    next_patch = f"{installed[0]}.{installed[1]}.{int(installed[2]) + 1}"

    await fake.command(repairs([], shipped_integration_version=next_minor))

    issue = ours(hass)["version_mismatch"]
    assert issue.translation_placeholders == {
        "addon": "0.1.0",
        "shipped": next_minor,
        "installed": INSTALLED_VERSION,
    }

    await fake.command(repairs([], shipped_integration_version=next_patch))

    assert ours(hass) == {}


async def test_refuses_an_unknown_kind_or_the_reserved_id(
    hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    fake = await new_addon()

    bad_kind = await fake.command(repairs([{**MISSING, "translation_key": "something_else"}]))
    reserved = await fake.command(repairs([{**MISSING, "issue_id": "version_mismatch"}]))

    assert bad_kind["success"] is False and bad_kind["error"]["code"] == "invalid_format"
    assert reserved["success"] is False and "reserved" in reserved["error"]["message"]
    assert ours(hass) == {}


@pytest.fixture
def no_blueprints(hass: HomeAssistant) -> Iterator[Path]:
    """The test config folder outlives a run: the blueprint folder starts and ends empty."""
    folder = Path(hass.config.path("blueprints", "automation", DOMAIN))
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


async def test_setup_adds_the_blueprint_once_and_keeps_an_edited_copy(
    hass: HomeAssistant, no_blueprints: Path, setup_entry: Any
) -> None:
    from custom_components.pve_backup.blueprint import SHIPPED, async_install_blueprint

    target = Path(hass.config.path("blueprints", "automation", DOMAIN, SHIPPED.name))
    assert target.read_text() == SHIPPED.read_text()

    target.write_text("# edited by the user\n")
    await async_install_blueprint(hass)

    assert target.read_text() == "# edited by the user\n"


async def test_setup_updates_an_unedited_earlier_copy_of_the_blueprint(
    hass: HomeAssistant, no_blueprints: Path
) -> None:
    from custom_components.pve_backup.blueprint import SHIPPED, async_install_blueprint

    earlier = Path(__file__).parent / "fixtures" / "backup_stale_or_failed.v1.yaml"
    target = Path(hass.config.path("blueprints", "automation", DOMAIN, SHIPPED.name))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(earlier.read_bytes())
    await async_install_blueprint(hass)

    assert target.read_text() == SHIPPED.read_text()


def test_the_shipped_blueprint_passes_home_assistants_blueprint_schema() -> None:
    from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
    from homeassistant.components.blueprint.models import Blueprint
    from homeassistant.util.yaml import load_yaml_dict

    from custom_components.pve_backup.blueprint import SHIPPED

    blueprint = Blueprint(
        load_yaml_dict(str(SHIPPED)), expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )
    assert set(blueprint.inputs) == {"guests", "tiers", "statuses", "notify_action", "hour"}


async def test_takes_the_verification_kinds_with_their_severities(
    hass: HomeAssistant, new_addon: Callable[[], Awaitable[FakeAddon]]
) -> None:
    fake = await new_addon()
    placeholders = {"cluster": "home", "vmid": "102", "name": "vaultwarden", "message": "m"}
    reply = await fake.command(
        repairs(
            [
                {
                    "issue_id": "verification_failed_home_102",
                    "translation_key": "verification_failed",
                    "placeholders": placeholders,
                },
                {
                    "issue_id": "crash_consistent_home_100",
                    "translation_key": "crash_consistent",
                    "placeholders": placeholders,
                },
            ]
        )
    )

    assert reply["success"] is True
    issues = ours(hass)
    assert issues["verification_failed_home_102"].severity == ir.IssueSeverity.ERROR
    assert issues["crash_consistent_home_100"].severity == ir.IssueSeverity.WARNING

"""The integration serves the dashboard card and loads it on every frontend page."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.components.onboarding.const import STEPS
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pve_backup import frontend
from custom_components.pve_backup.const import DOMAIN

BUNDLE = b"customElements.define('pve-backup-card', class extends HTMLElement {});\n"


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A card bundle in place of the built one (the build is the Node side's business)."""
    path = tmp_path / "pve-backup-card.js"
    path.write_bytes(BUNDLE)
    monkeypatch.setattr(frontend, "CARD_FILE", path)
    return path


def expected_url(content: bytes) -> str:
    return f"/pve_backup/pve-backup-card.js?v={hashlib.sha256(content).hexdigest()[:12]}"


async def test_card_is_served_and_loaded_on_every_page(
    hass: HomeAssistant,
    bundle: Path,
    hass_client: ClientSessionGenerator,
    hass_storage: dict[str, Any],
) -> None:
    # An onboarded instance, so that / is the app's index.html and not the onboarding page.
    hass_storage["onboarding"] = {"version": 4, "key": "onboarding", "data": {"done": list(STEPS)}}
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    url = expected_url(BUNDLE)
    # In the frontend's extra modules: index.html lists them and open pages get them pushed.
    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls
    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert await response.read() == BUNDLE
    assert "javascript" in response.headers["Content-Type"]
    # Cached for long: the version query is what makes a new build load.
    assert "max-age=" in response.headers.get("Cache-Control", "")
    index = await (await client.get("/")).text()
    assert url in index


async def test_registering_twice_keeps_one_url(hass: HomeAssistant, bundle: Path) -> None:
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    # A second call (e.g. the integration set up again in the same run) must not raise on the
    # already registered route nor add a second module.
    assert await frontend.async_register_card(hass) == expected_url(BUNDLE)
    urls = [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if "pve-backup-card" in u]
    assert urls == [expected_url(BUNDLE)]


async def test_a_new_build_gets_a_new_url(
    hass: HomeAssistant, bundle: Path, hass_client: ClientSessionGenerator
) -> None:
    bundle.write_bytes(BUNDLE + b"// v2\n")
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    assert expected_url(BUNDLE + b"// v2\n") in hass.data[DATA_EXTRA_MODULE_URL].urls
    assert expected_url(BUNDLE) not in hass.data[DATA_EXTRA_MODULE_URL].urls


async def test_missing_bundle_is_a_warning_not_a_failed_setup(
    hass: HomeAssistant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(frontend, "CARD_FILE", tmp_path / "absent.js")
    assert await async_setup_component(hass, "frontend", {})
    with caplog.at_level(logging.WARNING):
        assert await async_setup_component(hass, DOMAIN, {})
    assert "npm run build" in caplog.text
    assert not [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if "pve-backup-card" in u]
    client = await hass_client()
    assert (await client.get("/pve_backup/pve-backup-card.js")).status == 404

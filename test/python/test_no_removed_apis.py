"""The integration uses no Home Assistant API that a release since 2025.1 removed.

The test suite runs against the pinned Home Assistant (2025.1.x, the newest this machine's
Python can run), so an API removed later would pass every other test and still break the
integration on the Home Assistant people run today. This scan reads the integration's source
(Python's own parser: comments and strings never match) for each removal listed below, with the
release that removed it and where that was announced. A new removal goes into REMOVED.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).parents[2] / "custom_components" / "pve_backup"


@dataclass(frozen=True)
class Removed:
    """One removed API and how to recognise its use in a syntax tree."""

    api: str
    replacement: str
    removed_in: str
    reference: str
    #: Attribute names whose access is the use (`x.register_static_path`).
    attributes: tuple[str, ...] = ()
    #: (module, name) imports that are the use.
    imports: tuple[tuple[str, str], ...] = ()
    #: Attribute names that are a use when assigned to on `self`.
    self_assignments: tuple[str, ...] = ()
    #: Names an attribute of `hass`/`self.hass` must not have (`hass.helpers`).
    hass_attributes: tuple[str, ...] = ()
    #: A snippet that uses it, for the scan's own test.
    example: str = ""


_TARGET_REMOVAL = (
    "homeassistant.helpers.target.async_extract_referenced_entity_ids(hass, "
    "TargetSelection(call.data), expand_group) (helpers.target exists from 2025.8 on, its "
    "selection class first named TargetSelectorData: import from there and fall back to "
    "helpers.service before 2025.8)"
)

REMOVED: tuple[Removed, ...] = (
    Removed(
        api="hass.async_add_job / hass.async_run_job",
        replacement="hass.async_create_task, entry.async_create_task or hass.async_add_executor_job",
        removed_in="2025.4",
        reference="developers.home-assistant.io/blog/2024/03/13/deprecate_add_run_job; core#113260",
        attributes=("async_add_job", "async_run_job"),
        example="hass.async_add_job(do)\n",
    ),
    Removed(
        api="hass.components",
        replacement="import the integration's module and call it with hass",
        removed_in="2025.5",
        reference="developers.home-assistant.io/blog/2024/02/27/deprecate-bind-hass-and-hass-components; core#141947",
        hass_attributes=("components",),
        example="hass.components.persistent_notification.async_create('x')\n",
    ),
    Removed(
        api="hass.helpers",
        replacement="import from homeassistant.helpers and pass hass",
        removed_in="2025.5",
        reference="developers.home-assistant.io/blog/2024/03/30/deprecate-hass-helpers; core#143514",
        hass_attributes=("helpers",),
        example="self.hass.helpers.storage.Store(self.hass, 1, 'k')\n",
    ),
    Removed(
        api="hass.config_entries.async_forward_entry_setup (singular)",
        replacement="await hass.config_entries.async_forward_entry_setups(entry, platforms)",
        removed_in="2025.6",
        reference="developers.home-assistant.io/blog/2024/06/12/async_forward_entry_setups",
        attributes=("async_forward_entry_setup",),
        example="hass.async_create_task(hass.config_entries.async_forward_entry_setup(e, 'sensor'))\n",
    ),
    Removed(
        api="hass.http.register_static_path",
        replacement="await hass.http.async_register_static_paths([StaticPathConfig(url, path, cache)])",
        removed_in="2025.7",
        reference="developers.home-assistant.io/blog/2024/06/18/async_register_static_paths; core#148303",
        attributes=("register_static_path",),
        example="hass.http.register_static_path('/x', '/y', True)\n",
    ),
    Removed(
        api="OptionsFlow: self.config_entry = config_entry",
        replacement="drop the assignment; OptionsFlow provides self.config_entry",
        removed_in="2025.12",
        reference="developers.home-assistant.io/blog/2024/11/12/options-flow; core#146480",
        self_assignments=("config_entry",),
        example="class F:\n    def __init__(self, entry):\n        self.config_entry = entry\n",
    ),
    Removed(
        api="homeassistant.helpers.service.async_extract_referenced_entity_ids / SelectedEntities / ServiceTargetSelector",
        replacement=_TARGET_REMOVAL,
        removed_in="2026.8",
        reference="core#175611 (deprecated in 2025.8, 'breaks_in_ha_version=2026.8')",
        imports=(
            ("homeassistant.helpers.service", "async_extract_referenced_entity_ids"),
            ("homeassistant.helpers.service", "SelectedEntities"),
            ("homeassistant.helpers.service", "ServiceTargetSelector"),
        ),
        attributes=("async_extract_referenced_entity_ids",),
        example="from homeassistant.helpers.service import (\n    async_extract_referenced_entity_ids,\n)\n",
    ),
)


def _is_hass(node: ast.expr) -> bool:
    """`hass`, `self.hass` or `self._hass`."""
    if isinstance(node, ast.Name):
        return node.id == "hass"
    return isinstance(node, ast.Attribute) and node.attr in ("hass", "_hass")


def _fallback_imports(tree: ast.AST) -> set[int]:
    """Ids of imports inside `except ImportError:`: the old name kept for older releases."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name):
            if node.type.id in ("ImportError", "ModuleNotFoundError"):
                ids.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return ids


def find_removed(source: str) -> list[tuple[int, Removed]]:
    """(line, removal) for every use of a removed API in `source`."""
    found: list[tuple[int, Removed]] = []
    tree = ast.parse(source)
    fallbacks = _fallback_imports(tree)
    for node in ast.walk(tree):
        for removed in REMOVED:
            if isinstance(node, ast.ImportFrom) and node.module and id(node) not in fallbacks:
                if any((node.module, a.name) in removed.imports for a in node.names):
                    found.append((node.lineno, removed))
            elif isinstance(node, ast.Attribute):
                # `helpers.target.async_extract_referenced_entity_ids` is the replacement.
                owner = node.value
                through_target = isinstance(owner, ast.Attribute) and owner.attr == "target"
                through_target |= isinstance(owner, ast.Name) and owner.id == "target"
                if node.attr in removed.attributes and not through_target:
                    found.append((node.lineno, removed))
                if node.attr in removed.hass_attributes and _is_hass(node.value):
                    found.append((node.lineno, removed))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                        and target.attr in removed.self_assignments
                    ):
                        found.append((node.lineno, removed))
    return found


@pytest.mark.parametrize("removed", REMOVED, ids=lambda r: r.api.split(" ")[0])
def test_the_scan_recognises_each_removal(removed: Removed) -> None:
    assert [r for _, r in find_removed(removed.example)] == [removed]


def test_the_scan_ignores_comments_strings_and_the_replacements() -> None:
    source = (
        "# hass.helpers.storage and register_static_path are gone\n"
        "DOC = 'hass.async_add_job'\n"
        "from homeassistant.helpers.target import async_extract_referenced_entity_ids\n"
        "from homeassistant.helpers import target\n"
        "target.async_extract_referenced_entity_ids(hass, sel)\n"
        "await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)\n"
        "await hass.http.async_register_static_paths([])\n"
        "entry.runtime_data = bridge\n"
        "try:\n"
        "    from homeassistant.helpers.target import TargetSelection\n"
        "except ImportError:  # before 2025.8\n"
        "    from homeassistant.helpers.service import async_extract_referenced_entity_ids\n"
    )
    assert find_removed(source) == []


def test_the_integration_uses_no_removed_api() -> None:
    files = sorted(SOURCE.glob("*.py"))
    assert files, f"no Python files under {SOURCE}"
    problems = [
        f"{path.relative_to(SOURCE.parents[1])}:{line}: {r.api} (removed in Home Assistant "
        f"{r.removed_in}; {r.reference}) -> {r.replacement}"
        for path in files
        for line, r in find_removed(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)

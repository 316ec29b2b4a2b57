#!/usr/bin/env bash
# Runs the companion integration's pytest suite against a newer Home Assistant than the pinned
# 2025.1.4, when this machine has a Python that can run it (HA 2025.2-2026.2 need >= 3.13.2;
# 2026.3 and later need >= 3.14.2). Without one it says so and exits 0: the pinned suite and
# test/python/test_no_removed_apis.py still run. Its venv lives in the user cache, apart from .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

# Newest first: the newest Home Assistant the interpreter allows, with the PHACC release whose
# pinned homeassistant it is.
targets=(
  "3.14.2 homeassistant==2026.8.0 pytest-homeassistant-custom-component==0.13.354"
  "3.13.2 homeassistant==2026.2.0 pytest-homeassistant-custom-component==0.13.313"
)

candidates=()
root="${PYENV_ROOT:-$HOME/.pyenv}/versions"
if [ -d "$root" ]; then
  for dir in "$root"/3.*/bin/python; do
    [ -x "$dir" ] && candidates+=("$dir")
  done
fi
for name in python3.14 python3.13 python3; do
  path="$(command -v "$name" 2>/dev/null || true)"
  if [ -n "$path" ]; then
    candidates+=("$path")
  fi
done

at_least() { # interpreter, minimum version x.y.z
  "$1" -c "import sys; sys.exit(0 if sys.version_info[:3] >= tuple(map(int, '$2'.split('.'))) else 1)" 2>/dev/null
}

# pyenv shims exist even when the version behind them is not installed: keep what runs.
usable=()
seen=""
for py in "${candidates[@]}"; do
  if version="$("$py" -c 'import platform; print(platform.python_version())' 2>/dev/null)"; then
    usable+=("$py")
    seen="$seen $version"
  fi
done

for target in "${targets[@]}"; do
  read -r floor ha phacc <<<"$target"
  for py in "${usable[@]}"; do
    if at_least "$py" "$floor"; then
      echo "newer-ha: $ha with $py ($("$py" --version 2>&1))"
      venv="${XDG_CACHE_HOME:-$HOME/.cache}/pve-backup/venv-newer"
      if [ ! -x "$venv/bin/python" ] || ! at_least "$venv/bin/python" "$floor"; then
        rm -rf "$venv"
        "$py" -m venv "$venv"
      fi
      "$venv/bin/python" -m pip install --quiet --upgrade pip
      "$venv/bin/python" -m pip install --quiet "$ha" "$phacc"
      "$venv/bin/python" -m pytest -q -p no:cacheprovider test/python
      echo "newer-ha: ran test/python against $ha"
      exit 0
    fi
  done
done
echo "newer-ha: skipped: no Python >= 3.13.2 here (found:${seen:- none}); ran only Home Assistant 2025.1.4"

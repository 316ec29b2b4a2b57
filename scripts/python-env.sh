#!/usr/bin/env bash
# Creates (or reuses) .venv with Home Assistant Core and the pytest stack from
# requirements-test.txt. Idempotent: skips the install when the stamp file holds the hash of
# the requirements and the interpreter. Used by `npm run test:python` and by the end-to-end
# tests that start a real `hass` from this venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
req=requirements-test.txt
stamp="$venv/.requirements.sha256"

# HA 2025.1.x needs Python >= 3.12; 2025.2+ needs >= 3.13.2, which is why the pin stays on 2025.1.
pick_python() {
  local candidates=()
  local root="${PYENV_ROOT:-$HOME/.pyenv}/versions"
  if [ -d "$root" ]; then
    # newest patch first within each minor: 3.13.x, then 3.12.x
    mapfile -t -O "${#candidates[@]}" candidates < <(ls -d "$root"/3.13.*/bin/python 2>/dev/null | sort -rV)
    mapfile -t -O "${#candidates[@]}" candidates < <(ls -d "$root"/3.12.*/bin/python 2>/dev/null | sort -rV)
  fi
  local name path
  for name in python3.13 python3.12; do
    path="$(command -v "$name" 2>/dev/null || true)"
    [ -n "$path" ] && candidates+=("$path")
  done
  local py
  for py in "${candidates[@]}"; do
    # pyenv shims exist even when the version behind them is not installed: ask the interpreter.
    if "$py" -c 'import sys; sys.exit(0 if (3, 12) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
      echo "$py"
      return 0
    fi
  done
  return 1
}

venv_ok() {
  [ -x "$venv/bin/python" ] &&
    "$venv/bin/python" -c 'import sys; sys.exit(0 if (3, 12) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null
}

if ! venv_ok; then
  if ! py="$(pick_python)"; then
    found="$(command -v python3 >/dev/null && python3 --version 2>&1 || echo 'no python3')"
    echo "python-env: Home Assistant 2025.1 needs Python 3.12 or 3.13 (pyenv 3.13.x/3.12.x, or" >&2
    echo "python-env: python3.13/python3.12 on PATH); found only: $found" >&2
    exit 1
  fi
  echo "python-env: creating $venv with $py ($("$py" --version 2>&1))"
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi

want="$( { cat "$req"; "$venv/bin/python" --version 2>&1; } | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "python-env: $venv is up to date ($("$venv/bin/python" --version 2>&1))"
  exit 0
fi

echo "python-env: installing $req into $venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
echo "$want" >"$stamp"
echo "python-env: ready ($("$venv/bin/python" --version 2>&1))"

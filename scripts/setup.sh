#!/usr/bin/env bash
# Installs everything tracegraph needs into .venv (idempotent; safe to run again).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.tracegraph-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  # quiet: pip prints only warnings and errors (pyproject.toml and setup.py give setuptools nothing to warn about)
  pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check --no-input)
  "${pip[@]}" install --upgrade pip
  "${pip[@]}" install -e ".[dev]"
  touch "$stamp"
fi

# The browser test drives Debian's chromium; Chinese text needs a CJK font to show as text.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'wqy\|cjk'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    # Wait for another apt (a second set-up, unattended upgrades) instead of failing on its lock.
    apt=(apt-get -o DPkg::Lock::Timeout=600)
    "${apt[@]}" install -y -q chromium fonts-wqy-zenhei >/dev/null 2>&1 \
      || { "${apt[@]}" update -q >/dev/null && "${apt[@]}" install -y -q chromium fonts-wqy-zenhei >/dev/null; }
  else
    echo "note: install Debian's chromium and fonts-wqy-zenhei for the browser test (needs root)" >&2
  fi
fi

#!/usr/bin/env bash
# Runs every test: installs what the browser tests need (Debian's Chromium, the pinned
# playwright-core from npm) when it is missing, then `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing Chromium (Debian package chromium)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "== installing playwright-core (pinned in tests/browser/package-lock.json)"
  (cd tests/browser && npm ci --no-audit --no-fund)
fi

cargo test --workspace "$@"

#!/usr/bin/env bash
# Runs every test: installs what the browser tests need (Debian's Chromium, the pinned
# playwright-core and protocol clients from npm, Debian's protoc) and the CORS scanner the
# security tests run (CORScanner from PyPI, pinned, in .venv-scanner) when they are missing,
# then `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing Chromium (Debian package chromium)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# The store tests start private servers of their own (cors-conformance's store_servers), on
# free ports in temporary directories: a system service the packages may start is never used.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  NEED_POSTGRES=postgresql
fi
if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
  NEED_REDIS=redis-server
fi
if [ -n "${NEED_POSTGRES:-}${NEED_REDIS:-}" ]; then
  echo "== installing ${NEED_POSTGRES:-} ${NEED_REDIS:-} (Debian packages, for the store tests)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    ${NEED_POSTGRES:-} ${NEED_REDIS:-} >/dev/null
fi
# The protocol servers' build (examples/build.rs) and their browser test generate the demo
# service's code with protoc.
if ! command -v "${PROTOC:-protoc}" >/dev/null; then
  echo "== installing protoc (Debian package protobuf-compiler)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    protobuf-compiler >/dev/null
fi
# The protocol browser test's npm clients, bundler and playwright-core (pinned in
# tests/protocols/package-lock.json), installed again whenever the lock file changes.
if ! cmp -s tests/protocols/package-lock.json tests/protocols/node_modules/.installed-lock.json; then
  echo "== installing the protocol clients (pinned in tests/protocols/package-lock.json)"
  (cd tests/protocols && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock.json)
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "== installing playwright-core (pinned in tests/browser/package-lock.json)"
  (cd tests/browser && npm ci --no-audit --no-fund)
fi

if [ ! -x .venv-scanner/bin/cors ]; then
  echo "== installing CORScanner (PyPI package cors, pinned in tests/scanner/requirements.txt)"
  python3 -m venv .venv-scanner
  .venv-scanner/bin/pip install -q --disable-pip-version-check -r tests/scanner/requirements.txt
fi

# --no-fail-fast: one run reports every failing test binary, not just the first.
cargo test --workspace --no-fail-fast "$@"
# The bench's rows of looked-up origins are a feature of the bench (see bench/Cargo.toml):
# its zero-allocation test covers a lookup cache hit only with it.
# With every request counted (feature metrics), no allocation is added either.
cargo test -p cors-bench --features lookup,metrics --test zero_alloc "$@"
# The engine's features build alone too (the workspace build turns most of them on at once).
cargo check -p cors-core --no-default-features --features metrics

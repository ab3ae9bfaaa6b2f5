#!/usr/bin/env bash
# Runs every test: engine and CLI (unit, fixture snapshots, property tests), the web app's state
# machine, the CLI's SARIF against the SARIF 2.1.0 schema, the settings audit against real
# Django's `check --deploy` (a virtualenv with the pinned Django 5.2), the profile-guided CLI build
# against the plain one, the engine's wasm32 build, the release
# bundle with its size budget, and the browser end-to-end tests in headless Chromium. Installs
# whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
# Snapshots are compared, never written, here.
export INSTA_UPDATE=no CI=true

# The wasm's gzip size may not exceed this (bytes).
WASM_GZIP_BUDGET=${WASM_GZIP_BUDGET:-819200}

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "formatting"
cargo fmt --all --check

step "engine, CLI and web-app tests (native)"
cargo test --workspace --exclude djreview-bench --quiet

step "the CLI's SARIF against the SARIF 2.1.0 schema"
cargo build -p djreview-cli --quiet
node tests/sarif/validate.mjs "${CARGO_TARGET_DIR:-target}/debug/djreview"

step "settings audit against Django 5.2's check --deploy (differential, generated settings)"
tests/settings-parity/run.sh "${CARGO_TARGET_DIR:-target}/debug/djreview"

step "the profile-guided CLI build (scripts/build-cli.sh) reports exactly what the plain build reports"
./scripts/build-cli.sh --check

step "the engine builds for wasm32-unknown-unknown"
cargo check -p djreview-engine --target wasm32-unknown-unknown --quiet

step "release bundle (trunk + wasm-opt)"
trunk build --release

step "wasm size budget"
wasm=$(ls dist/*_bg.wasm)
raw=$(stat -c%s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf 'wasm: %d bytes raw, %d bytes gzip (budget %d)\n' "$raw" "$gz" "$WASM_GZIP_BUDGET"
if [ "$gz" -gt "$WASM_GZIP_BUDGET" ]; then
  echo "the wasm is over its gzip budget" >&2
  exit 1
fi

step "browser end-to-end tests (headless Chromium)"
node tests/e2e/run.mjs dist

step "all tests passed"

#!/usr/bin/env bash
# Builds the Node binding and runs its whole test suite against the simulator.
# Run from the repo root after `cargo build -p procore-simulator`. Installs npm packages into
# bindings-node/node_modules only; starts nothing global (each test file starts its own simulator).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/bindings-node"
export PROCORE_SIMULATOR_BIN="${PROCORE_SIMULATOR_BIN:-$ROOT/target/debug/procore-simulator}"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

if [[ ! -x "$PROCORE_SIMULATOR_BIN" ]]; then
  echo "procore-simulator not found at $PROCORE_SIMULATOR_BIN (run: cargo build -p procore-simulator)" >&2
  exit 1
fi

cd "$PKG"
echo "== npm ci (dev dependencies: typescript, @types/node, @napi-rs/cli)"
npm ci --ignore-scripts --no-audit --no-fund

echo "== build the native addon (cargo build --release -p procore-node)"
node scripts/build.js

echo "== install the package from the folder into examples/node (npm install ../../bindings-node)"
(cd "$ROOT/examples/node" && npm install --no-audit --no-fund --no-package-lock)

echo "== tsc --noEmit --strict on examples/node/*.ts against index.d.ts"
"$PKG/node_modules/.bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext \
  --types node --typeRoots "$PKG/node_modules/@types" "$ROOT"/examples/node/*.ts

echo "== the addon's own unit tests (cargo test --release -p procore-node --lib)"
(cd "$ROOT" && cargo test --release -q -p procore-node --lib)

echo "== node --test"
node --test --test-concurrency=1 test/*.test.js

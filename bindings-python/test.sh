#!/usr/bin/env bash
# Builds the `procore` Python package (release, abi3) into bindings-python/.venv and runs its
# pytest suite against the simulator (each test session starts its own on a free port).
# Assumes `cargo build -p procore-simulator` already ran. Run from the repo root or anywhere.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
PYTHON="${PYTHON:-python3}"
VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# requests, httpx, aiohttp: the benchmark's contenders (bench/bench.py). sniffio: httpcore 1.0
# imports it on every request and, since anyio >= 4.11 no longer pulls it in, pays a failed
# import (a sys.path search) each time without it (encode/httpcore PR #1103).
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.7,<2" "pytest>=7" "mypy>=1.10" requests httpx aiohttp sniffio pyreqwest
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
maturin develop --release --quiet
export PROCORE_SIMULATOR_BIN="${PROCORE_SIMULATOR_BIN:-$HERE/../target/debug/procore-simulator}"
if [ ! -x "$PROCORE_SIMULATOR_BIN" ]; then
    echo "simulator not found at $PROCORE_SIMULATOR_BIN: run 'cargo build -p procore-simulator' first" >&2
    exit 1
fi
python -m pytest tests -q -p no:cacheprovider "$@"

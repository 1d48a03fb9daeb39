#!/usr/bin/env bash
# Builds the uniffi bindings and runs their whole test suite:
#   1. the release cdylib and the uniffi-bindgen generator (cargo, shared target/),
#   2. the Rust tests of the crate, including the check that the committed Swift bindings
#      match freshly generated ones,
#   3. the Kotlin bindings: generated, compiled and JUnit-tested by Maven against the
#      simulator (dependencies from Maven Central into ~/.m2),
#   4. the Swift package's XCTest suite where a Swift toolchain exists.
# Assumes `cargo build -p procore-simulator` ran (it is built here if missing).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
export PROCORE_SIMULATOR_BIN="${PROCORE_SIMULATOR_BIN:-$target/debug/procore-simulator}"

if [[ ! -x "$PROCORE_SIMULATOR_BIN" ]]; then
  echo "== building the simulator"
  cargo build -p procore-simulator
fi

echo "== building libprocore_uniffi (release) and uniffi-bindgen"
cargo build --release -p procore-uniffi --features cli

echo "== Rust tests (unit + Swift bindings freshness)"
PROCORE_UNIFFI_LIB="$target/release/libprocore_uniffi.so" \
  cargo test --release -p procore-uniffi --features cli

echo "== Kotlin: generate, compile, JUnit (mvn verify)"
if ! command -v mvn >/dev/null 2>&1; then
  echo "maven is required (apt-get install maven)" >&2
  exit 1
fi
kotlin_status=0
rm -rf bindings-uniffi/kotlin/target/surefire-reports  # count only this run
(cd bindings-uniffi/kotlin && mvn -q -B -ntp -Dstyle.color=never verify -Dprocore.native.dir="$target/release") || kotlin_status=$?
reports=(bindings-uniffi/kotlin/target/surefire-reports/TEST-*.xml)
if [[ -e "${reports[0]}" ]]; then
  sum() { grep -ho "<testsuite [^>]*" "${reports[@]}" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{ n += $1 } END { print n + 0 }'; }
  echo
  tests=$(sum tests); failures=$(sum failures); errors=$(sum errors); skipped=$(sum skipped)
  echo "kotlin: $((tests - failures - errors - skipped)) passed, $((failures + errors)) failed, $skipped skipped"
fi
if [[ $kotlin_status -ne 0 ]]; then
  echo "Kotlin tests failed (mvn exit $kotlin_status)" >&2
  exit "$kotlin_status"
fi

echo "== Swift"
if command -v swift >/dev/null 2>&1; then
  PROCORE_NATIVE_DIR="$target/release" swift test --package-path bindings-uniffi/swift
else
  echo "swift tests skipped: no swift toolchain on this machine"
fi

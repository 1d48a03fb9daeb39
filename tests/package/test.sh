#!/usr/bin/env bash
# The packages as a user gets them: builds dist/ with scripts/package, checks that the Python
# sdist builds from source, then, with cargo and rustc gone from PATH and in a fresh temporary
# folder,
#   1. Python: a new venv installs the wheel (no index) and runs smoke.py (sync and asyncio);
#   2. Node: a new folder installs the two npm tarballs and runs smoke.js, then compiles
#      examples/node/quickstart.ts with `tsc --strict` against the installed types and runs it;
#      a second folder installs the main tarball with --omit=optional and gets the clear error;
#   3. Kotlin: a new Maven project depending only on com.procore:procore-sdk-kotlin (from the
#      dist/maven repository) compiles and runs a call, with no jna.library.path;
#   4. the version every package carries is the one scripts/version prints.
# All calls go to the simulator (the debug binary, started here on a free port).
#   PROCORE_PACKAGE_REUSE=1   use an existing dist/ instead of building it
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SIM="${PROCORE_SIMULATOR_BIN:-$CARGO_TARGET_DIR/debug/procore-simulator}"
DIST="${PROCORE_DIST:-$ROOT/dist}"
VERSION=$(scripts/version)

[ -x "$SIM" ] || cargo build -p procore-simulator
if [ "${PROCORE_PACKAGE_REUSE:-}" != 1 ] || [ ! -f "$DIST/SHA256SUMS" ]; then
  PROCORE_DIST="$DIST" scripts/package
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/procore-package.XXXXXX")
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The sdist is for platforms without a wheel: it must build from source (with cargo, through
# pip's PEP 517 build in an isolated environment that fetches maturin from PyPI).
echo "== Python: the sdist builds from source"
python3 -m venv "$WORK/sdist-venv"
"$WORK/sdist-venv/bin/python" -m pip install -q --disable-pip-version-check "$DIST/python/procore_sdk-$VERSION.tar.gz"
(cd "$WORK" && "$WORK/sdist-venv/bin/python" -c "import procore; assert procore.__version__ == '$VERSION'; assert 'site-packages' in procore.__file__; print('python: the sdist built and imports', procore.__version__)")

# From here on, no Rust toolchain: drop every PATH entry that holds cargo or rustc.
clean_path=""
IFS=: read -r -a entries <<< "$PATH"
for d in "${entries[@]}"; do
  [ -n "$d" ] || continue
  if [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ]; then continue; fi
  clean_path="${clean_path:+$clean_path:}$d"
done
export PATH="$clean_path"
unset CARGO RUSTC RUSTUP_TOOLCHAIN CARGO_HOME RUSTUP_HOME
if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
  echo "package test: cargo or rustc is still on PATH" >&2
  exit 1
fi
echo "== no cargo, no rustc on PATH"

# The simulator on a free port; its first stdout line names the address.
mkfifo "$WORK/sim.out"
"$SIM" --port 0 > "$WORK/sim.out" &
sim_pid=$!
exec 3< "$WORK/sim.out"  # kept open: the simulator never writes to a closed pipe
read -r line <&3
BASE_URL=${line##* }
case "$BASE_URL" in http://127.0.0.1:*) ;; *) echo "simulator said: $line" >&2; exit 1 ;; esac
export PROCORE_BASE_URL="$BASE_URL" PROCORE_VERSION="$VERSION"
echo "== simulator at $BASE_URL"

echo "== Python: the wheel in a new venv"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index "$DIST"/python/procore_sdk-"$VERSION"-*.whl
(cd "$WORK" && "$WORK/venv/bin/python" "$ROOT/tests/package/smoke.py")

echo "== Node: the tarballs in a new folder"
app="$WORK/node-app"
mkdir -p "$app"
cp tests/package/smoke.js tests/package/missing-platform.js examples/node/quickstart.ts "$app/"
(cd "$app" && printf '{ "name": "procore-package-smoke", "private": true }\n' > package.json \
  && npm install --no-audit --no-fund --loglevel=error \
       "$DIST/npm/procore-sdk-node-linux-x64-gnu-$VERSION.tgz" "$DIST/npm/procore-sdk-node-$VERSION.tgz" \
       "typescript@~5.9.3" "@types/node@^20.19.0" \
  && [ ! -e node_modules/@procore-sdk/node/scripts/build.js ] \
  && node smoke.js \
  && node_modules/.bin/tsc --strict --target es2022 --module nodenext --moduleResolution nodenext \
       --types node --outDir out quickstart.ts \
  && PROCORE_BASE_URL="$BASE_URL" node out/quickstart.js > quickstart.log \
  && echo "node: examples/node/quickstart.ts compiled with tsc --strict and ran ($(wc -l < quickstart.log) lines)")
bare="$WORK/node-bare"
mkdir -p "$bare"
cp tests/package/missing-platform.js "$bare/"
(cd "$bare" && printf '{ "name": "procore-package-bare", "private": true }\n' > package.json \
  && npm install --no-audit --no-fund --loglevel=error --omit=optional "$DIST/npm/procore-sdk-node-$VERSION.tgz" \
  && [ ! -e node_modules/@procore-sdk/node-linux-x64-gnu ] \
  && node missing-platform.js)

echo "== Kotlin: a new Maven project on the published jar"
cp -r tests/package/kotlin "$WORK/kotlin-app"
(cd "$WORK/kotlin-app" \
  && mvn -q -B -ntp -Dstyle.color=never -Dprocore.version="$VERSION" -Dprocore.repo="file://$DIST/maven" \
       package dependency:build-classpath -Dmdep.outputFile=cp.txt \
  && grep -q "procore-sdk-kotlin-$VERSION.jar" cp.txt \
  && java -cp "target/classes:$(cat cp.txt)" SmokeKt "$BASE_URL" "$VERSION")

echo "== one version"
for f in "$DIST/npm/procore-sdk-node-$VERSION.tgz" "$DIST/npm/procore-sdk-node-linux-x64-gnu-$VERSION.tgz" \
         "$DIST/maven/com/procore/procore-sdk-kotlin/$VERSION/procore-sdk-kotlin-$VERSION.pom" \
         "$DIST/python/procore_sdk-$VERSION.tar.gz" \
         "$DIST/crates/procore-$VERSION.crate" "$DIST/crates/procore-simulator-$VERSION.crate" "$DIST/crates/procore-cli-$VERSION.crate" \
         "$DIST/swift/procore-swift-$VERSION.tar.gz"; do
  [ -f "$f" ] || { echo "missing $f" >&2; exit 1; }
done
tar -xzOf "$DIST/npm/procore-sdk-node-$VERSION.tgz" package/package.json \
  | node -e "const p=JSON.parse(require('fs').readFileSync(0,'utf8')); const v=p.optionalDependencies['@procore-sdk/node-linux-x64-gnu']; if (p.version!=='$VERSION'||v!=='$VERSION') { console.error('npm versions', p.version, v); process.exit(1) }"
for doc in rust/procore/index.html python/procore.html node/index.html kotlin/index.html; do
  [ -s "$DIST/docs/$doc" ] || { echo "missing the reference $DIST/docs/$doc" >&2; exit 1; }
done
echo "package: every artifact carries $VERSION; the references are in $DIST/docs"

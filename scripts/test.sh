#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs from the registries
# (npm for the oidc-provider interop peer), then the Rust workspace tests, which include the
# Gherkin features against the embedded simulated cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_rust
need_node
# A one-off build gains nothing from incremental caches, which would double the target/ size.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
echo "== installing the oidc-provider interop peer (npm ci)"
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error

echo "== cargo test (core, simulated cloud, harness features, interop)"
cargo test --workspace --locked

echo "== Kotlin bindings on the JVM (generated from the built core; Maven, JUnit 5, JNA, coroutines)"
need_java
bash scripts/bindings.sh
mvn -B --no-transfer-progress -f bindings/kotlin/pom.xml test \
  -Dsmarthems.lib.dir="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug"

echo "== the core's keychain store against the real Linux kernel keyring (in a fresh session keyring)"
command -v keyctl >/dev/null || apt_install keyutils
keyctl session - cargo test --locked -p smarthems --lib keychain -- --ignored

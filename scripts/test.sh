#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs from the registries
# (rustup components, npm for the oidc-provider interop peer, Chromium, playwright-core and tmux
# for QA's tools, Java + Maven, CJK fonts for the Android screenshots, debootstrap for the Swift root, keyutils), then each suite in turn, and ends with one line per suite and a total.
#
# Every cargo step builds the workspace with one feature set (`--workspace`), so the build made by
# the first step serves the ones after it instead of being made again with other features.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_rust
need_node
need_rust_tools
# A one-off build gains nothing from incremental caches, which would double the target/ size.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
target_dir="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"

names=()
results=()
times=()
# Runs a suite, keeping its name, result and time for the summary; the run goes on after a failure.
suite() {
  local name=$1
  shift
  local started=$SECONDS
  echo
  echo "== $name"
  if "$@"; then results+=(passed); else results+=(FAILED); fi
  names+=("$name")
  times+=($((SECONDS - started)))
}

rust_tests() {
  echo "== installing the oidc-provider interop peer (npm ci)"
  npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error || return 1
  cargo test --workspace --locked
}

lints() {
  cargo fmt --all --check && cargo clippy --workspace --all-targets --locked -- -D warnings || return 1
  # Licences, duplicate major versions the workspace causes, crates.io only (deny.toml). The
  # advisories need the RustSec database, which CI cannot fetch here: README, "Dependencies".
  need_cargo_deny || return 1
  cargo deny --locked check --hide-inclusion-graph licenses bans sources
}

kotlin_tests() {
  need_java
  bash scripts/bindings.sh || return 1
  mvn -B --no-transfer-progress -f bindings/kotlin/pom.xml test -Dsmarthems.lib.dir="$target_dir/debug"
}

keyring_test() {
  command -v keyctl >/dev/null || apt_install keyutils
  # --workspace keeps the feature set of the build above: nothing is compiled again.
  keyctl session - cargo test --locked --workspace --lib keychain -- --ignored
}

suite "Rust: core, simulated cloud, harness features, interop" rust_tests
suite "Lints: cargo fmt --check, cargo clippy -D warnings, cargo deny (licences, bans, sources)" lints
suite "QA tools: report in headless Chromium, harness walk in tmux, harness load" bash scripts/qa-check.sh
suite "Kotlin bindings on the JVM (Maven, JUnit 5, JNA)" kotlin_tests
suite "Android shell: type check and screenshot test (Maven; android/check, android/ui)" bash scripts/android-check.sh
suite "Swift package on Linux (XCTest in a Debian trixie root)" env SMARTHEMS_SWIFT_SKIP_BINDINGS=1 bash scripts/swift-test.sh
suite "Keychain store against the Linux kernel keyring" keyring_test

echo
echo "== summary"
passed=0
failed=0
for i in "${!names[@]}"; do
  printf '%-7s %5ss  %s\n' "${results[$i]}" "${times[$i]}" "${names[$i]}"
  if [ "${results[$i]}" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]

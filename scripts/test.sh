#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs from the registries
# (rustup components, npm for the oidc-provider interop peer, Chromium, playwright-core and tmux
# for QA's tools, Java + Maven, CJK fonts for the Android screenshots, debootstrap for the Swift
# root, keyutils), then each suite in turn, and ends with one line per suite and a total.
#
# The workspace is compiled once (issue 13), by the Build suite: `cargo build --workspace
# --all-targets`, every target of every member (what `cargo clippy --workspace --all-targets`
# checks, and every test binary, library and program the later suites run), with clippy-driver
# compiling the workspace's crates (scripts/lib.sh, use_clippy_driver), so the same compilation is
# the lint. Every later cargo command selects the same packages and features with the same
# environment, so cargo finds everything fresh; the last line of the summary checks that nothing
# was compiled after the Build suite.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_rust
need_node
use_clippy_driver
# A one-off build gains nothing from incremental caches, which would double the target/ size.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
target_dir="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"

# The oidc-provider peer (npm) waits on the network, not on the 2 cores: installed beside the build.
npm_log="$target_dir/npm-ci-interop.log"
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1 &
npm_pid=$!

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

build_once() {
  # --timings: target/cargo-timings/cargo-timing.html shows where the build's time goes.
  cargo build --workspace --all-targets --locked --timings || return 1
  touch "$target_dir/.built-once"
}

rust_tests() {
  echo "== the oidc-provider interop peer (npm ci, started beside the build)"
  wait "$npm_pid" || { cat "$npm_log"; return 1; }
  cat "$npm_log"
  cargo test --workspace --locked
}

lints() {
  local status=0
  cargo fmt --all --check || status=1
  # Clippy with `-D warnings`, the workspace lints of Cargo.toml and clippy.toml, on every target:
  # what the Build suite's compilations reported, replayed by cargo from its fresh build (nothing
  # is compiled here); any warning or error fails.
  cargo build --workspace --all-targets --locked --message-format=json | node scripts/workspace-warnings.mjs || status=1
  # Licences, duplicate major versions the workspace causes, crates.io only (deny.toml). The
  # advisories need the RustSec database, which CI cannot fetch here: README, "Dependencies".
  { need_cargo_deny && cargo deny --locked check --hide-inclusion-graph licenses bans sources; } || status=1
  return $status
}

kotlin_tests() {
  need_java
  bash scripts/bindings.sh || return 1
  mvn -B --no-transfer-progress -f bindings/kotlin/pom.xml test -Dsmarthems.lib.dir="$target_dir/debug"
}

keyring_test() {
  command -v keyctl >/dev/null || apt_install keyutils
  # --workspace: the packages and features of the Build suite (--lib only picks which tests run).
  keyctl session - cargo test --locked --workspace --lib keychain -- --ignored
}

# Compiled after the Build suite: anything cargo wrote there since is a second build (a step whose
# packages, features, profile or environment differ from the Build suite's).
compiled_once() {
  local later
  [ -f "$target_dir/.built-once" ] || { echo "the Build suite did not finish"; return 1; }
  later=$(find "$target_dir/debug/deps" "$target_dir/debug/build" "$target_dir/debug/.fingerprint" \
    -newer "$target_dir/.built-once" -type f 2>/dev/null)
  if [ -n "$later" ]; then
    echo "compiled again after the Build suite:"
    echo "$later" | sed 's|.*/||' | sort | head -50
    return 1
  fi
  echo "nothing was compiled after the Build suite"
}

suite "Build: the workspace once, every target (clippy-driver compiling the workspace crates)" build_once
suite "Lints: cargo fmt --check, clippy -D warnings (from the build), cargo deny (licences, bans, sources)" lints
suite "Rust: core, simulated cloud, harness features, interop" rust_tests
suite "QA tools: report in headless Chromium, harness walk in tmux, harness load" bash scripts/qa-check.sh
suite "Kotlin bindings on the JVM (Maven, JUnit 5, JNA)" kotlin_tests
suite "Android shell: type check and screenshot test (Maven; android/check, android/ui)" bash scripts/android-check.sh
suite "Swift package on Linux (XCTest in a Debian trixie root)" env SMARTHEMS_SWIFT_SKIP_BINDINGS=1 bash scripts/swift-test.sh
suite "Keychain store against the Linux kernel keyring" keyring_test
suite "One build: nothing compiled after the Build suite" compiled_once

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

#!/usr/bin/env bash
# Builds the core for this machine and generates its Kotlin and Swift bindings from the built
# library (uniffi-bindgen in library mode; names from uniffi.toml). Output: bindings/generated/
# (git-ignored: generated code is never edited or committed). Also builds the simulated cloud the
# binding tests start. Phones: see android/README.md and ios/README.md for their own builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_rust
use_clippy_driver

# The selection and environment of every other cargo step (the whole workspace, every target: the
# features `cargo test` resolves), so after scripts/test.sh's build nothing is compiled here.
cargo build --locked --workspace --all-targets
# Cargo's output directory: target/ unless CARGO_TARGET_DIR moves it (Maven is then told the same
# with -Dsmarthems.lib.dir, as scripts/test.sh does).
debug="${CARGO_TARGET_DIR:-target}/debug"
lib=$debug/libsmarthems.so
[ "$(uname)" = Darwin ] && lib=$debug/libsmarthems.dylib
rm -rf bindings/generated
for language in kotlin swift; do
  "$debug/uniffi-bindgen" generate --library "$lib" --language "$language" \
    --out-dir "bindings/generated/$language" --config uniffi.toml --no-format
done
echo "bindings: $(find bindings/generated -type f | wc -l) files in bindings/generated"

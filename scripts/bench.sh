#!/usr/bin/env bash
# The core's size and speed in one table (issue 13), each figure beside its target:
#   - the shipped library: the cdylib built alone with LTO (as android/build-rust.sh builds it),
#     fully stripped, and gzipped (-9);
#   - the pure flow (update, view), one save, a whole façade tap and a cold start, medians and
#     99th percentiles (rust-core/src/bin/bench.rs, release profile);
#   - requests per flow A and B, counted by the simulated cloud, against the protocol minimum
#     (tests/harness/tests/requests.rs, a debug test build the test command shares).
# Fails when the stripped library grows past 4.0 MiB or a flow makes more requests than its
# minimum. Timings never fail it: they depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_rust

target_dir="${CARGO_TARGET_DIR:-target}"
max_bytes=$((4 * 1024 * 1024))

# Two release builds of the dependencies on a first run: for the cdylib alone cargo compiles
# them as LTO bitcode only, for the bench binary as objects too.
echo "== release build: the cdylib alone (LTO), then the bench"
cargo rustc --release --locked -p smarthems --lib --crate-type cdylib
cargo build --release --locked -p smarthems --bin bench
lib="$target_dir/release/libsmarthems.so"
[ "$(uname)" = Darwin ] && lib="$target_dir/release/libsmarthems.dylib"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$lib" "$work/lib"
strip "$work/lib"
stripped=$(stat -c %s "$work/lib" 2>/dev/null || stat -f %z "$work/lib")
gzipped=$(gzip -9 -c "$work/lib" | wc -c | tr -d ' ')

echo "== timings"
"$target_dir/release/bench" "${BENCH_ROUNDS:-300}" >"$work/rows"

echo "== requests per flow (simulated cloud)"
cargo test --locked --workspace --test requests -- --nocapture >"$work/requests" 2>&1 || true
count() { sed -nE "s/^requests flow $1: ([0-9]+) \(minimum ([0-9]+)\)$/\1 \2/p" "$work/requests" | head -n 1; }
read -r flow_a min_a <<<"$(count A)" || true
read -r flow_b min_b <<<"$(count B)" || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == 0) print ""; else printf "%.2f", a / b }'; }
echo
echo "| figure | now | p99 | target | now / target |"
echo "|---|---|---|---|---|"
printf '| shipped library (cdylib, LTO), fully stripped | %s B | | %s B (4.0 MiB) | %s |\n' \
  "$stripped" "$max_bytes" "$(ratio "$stripped" "$max_bytes")"
printf '| the same, gzip -9 | %s B | | | |\n' "$gzipped"
while IFS='|' read -r _ what median p99 target; do
  printf '| %s | %s µs | %s µs | %s | %s |\n' "$what" "$median" "$p99" \
    "${target:+≤ $target µs}" "$(ratio "$median" "$target")"
done <"$work/rows"
printf '| requests, flow A | %s | | %s (protocol minimum) | %s |\n' "${flow_a:-?}" "${min_a:-10}" "$(ratio "${flow_a:-0}" "${min_a:-10}")"
printf '| requests, flow B | %s | | %s (protocol minimum) | %s |\n' "${flow_b:-?}" "${min_b:-5}" "$(ratio "${flow_b:-0}" "${min_b:-5}")"
echo '| Kotlin: UniFFI call vs plain JNA call | not measured here (see README) | | | |'
echo

status=0
if [ "$stripped" -gt "$max_bytes" ]; then
  echo "FAILED: the stripped library is $stripped B, over $max_bytes B (4.0 MiB)" >&2
  status=1
fi
if [ -z "${flow_a:-}" ] || [ -z "${flow_b:-}" ] || ! grep -q "test result: ok" "$work/requests"; then
  echo "FAILED: the requests-per-flow test did not pass:" >&2
  tail -n 30 "$work/requests" >&2
  status=1
fi
exit $status

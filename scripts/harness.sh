#!/usr/bin/env bash
# QA's main job: the harness runs the Gherkin features against the embedded simulated cloud, one
# line per step (the screens in full when a scenario fails, or always with --verbose).
# Pass a feature file or folder to run only that; `walk` and `load` are the other modes.
# Each run writes target/qa-report/<time>/ (index.html, junit.xml, coverage.txt, flow.md) and
# points target/qa-report/latest at it. See docs/qa.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_rust
use_clippy_driver
# Not --quiet: a first run builds the workspace for several minutes, and cargo's progress says so.
# The whole workspace with its tests, as scripts/test.sh builds it: one feature set, one build.
echo "== building the harness (cargo; the first build takes several minutes)" >&2
cargo build --locked --workspace --all-targets
# Mermaid, which draws the flow picture with the run's path in the HTML report (the report shows
# the picture's source without it).
need_node
npm ci --prefix tests/harness/report-check --no-audit --no-fund --loglevel=error >&2 \
  || echo "harness: Mermaid could not be installed; the report shows the flow picture's source" >&2
exec "${CARGO_TARGET_DIR:-target}/debug/harness" "$@"

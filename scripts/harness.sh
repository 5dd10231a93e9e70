#!/usr/bin/env bash
# QA's main job: the harness runs the Gherkin features against the embedded simulated cloud,
# printing every screen the app shows. Pass a feature file or folder to run only that.
# Reports: target/qa-report/index.html and junit.xml. See docs/qa.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_rust
cargo run --quiet --locked -p smarthems-harness --bin harness -- "$@"

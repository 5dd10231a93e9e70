#!/usr/bin/env bash
# Checks QA's tools as QA uses them, on the harness binary the test build made:
# - the HTML report in a real headless Chromium (Debian's chromium, driven by playwright-core
#   from npm): a run with one passing and one failing scenario; the page shows the counts, the
#   coverage line and the failing step's reason without a click;
# - `harness walk` in tmux: keys sent, the pane read: log in through the browser, accept the
#   terms, restart the app, decline the speaker, Home, quit;
# - `harness load` with a few users.
# Ends with `N passed, N failed` over the three checks.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_rust
need_node
use_clippy_driver
target="${CARGO_TARGET_DIR:-target}"
# The selection and environment of scripts/test.sh's build: fresh there, nothing compiled.
cargo build --locked --workspace --all-targets || exit 1
harness="$target/debug/harness"
passed=0
failed=0
check() {
  local name=$1
  shift
  echo "-- $name"
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

report_check() {
  command -v chromium >/dev/null || apt_install chromium
  npm ci --prefix tests/harness/report-check --no-audit --no-fund --loglevel=error || return 1
  local dir="$target/qa-report-check"
  # One scenario passes, one fails on purpose: the run itself must fail.
  if SMARTHEMS_REPORT_DIR="$dir" "$harness" tests/harness/report-check/features >"$dir.log" 2>&1; then
    echo "the run with a failing scenario passed"; return 1
  fi
  tail -4 "$dir.log"
  node tests/harness/report-check/check.mjs "$(cd "$dir/latest" && pwd)/index.html" 1 1 '「存在しない画面」'
}

walk_check() {
  command -v tmux >/dev/null || apt_install tmux
  local session="qa-walk-$$" pane
  tmux new-session -d -s "$session" -x 160 -y 50 "$harness walk; sleep 30"
  # Waits until the pane shows the text, or fails after 30 s.
  wait_for() {
    for _ in $(seq 60); do
      pane=$(tmux capture-pane -p -t "$session" -S -200)
      if grep -qF "$1" <<<"$pane"; then return 0; fi
      sleep 0.5
    done
    echo "the pane never showed: $1"; echo "$pane" | tail -25; return 1
  }
  local ok=0
  {
    wait_for "1. CLUB Panasonic ログイン画面へ" &&
      tmux send-keys -t "$session" "1" Enter && wait_for "画面: CLUB Panasonic ログイン" &&
      tmux send-keys -t "$session" "b" Enter && wait_for "[AppTerms]" &&
      tmux send-keys -t "$session" "1" Enter && wait_for "[SpeakerPrompt]" &&
      tmux send-keys -t "$session" "r" Enter && wait_for "> r" &&
      tmux send-keys -t "$session" "2" Enter && wait_for "[Home]" &&
      tmux send-keys -t "$session" "q" Enter && wait_for "bye"
  } || ok=1
  echo "$pane" | tail -12
  tmux kill-session -t "$session" 2>/dev/null
  return $ok
}

load_check() {
  local out="$target/qa-load-check.txt"
  "$harness" load --users 5 --concurrency 4 --seconds 120 --out "$out" || return 1
  grep -q "10 completed, 0 failed" "$out"
}

check "QA report in headless Chromium" report_check
check "harness walk through tmux" walk_check
check "harness load, 5 users" load_check
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

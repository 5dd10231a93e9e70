# Shared by the scripts: install a missing toolchain from the registries this project may use.

apt_install() {
  if command -v apt-get >/dev/null; then
    echo "== installing $* (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null
  else
    echo "missing: $* (install it and run again)" >&2
    exit 1
  fi
}

# The workspace needs Rust 1.88 or newer (Cargo.toml rust-version; Cargo.lock v4): distribution
# packages are often older, so a missing or old toolchain is installed with rustup.
need_rust() {
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  command -v cc >/dev/null || apt_install build-essential
  command -v curl >/dev/null || apt_install curl ca-certificates
  if ! rust_is_recent; then
    if command -v rustup >/dev/null; then
      echo "== updating Rust (rustup)"
      rustup toolchain install stable --profile minimal >/dev/null
      rustup default stable >/dev/null
    else
      echo "== installing Rust (rustup, minimal profile)"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >/dev/null || true
      export PATH="$HOME/.cargo/bin:$PATH"
    fi
  fi
  # Where rustup's server is out of reach, Debian's packages are the last resort.
  rust_is_recent || apt_install cargo rustc
  rust_is_recent || { echo "Rust 1.88 or newer is needed; found: $(rustc --version 2>&1)" >&2; exit 1; }
}

rust_is_recent() {
  command -v rustc >/dev/null && command -v cargo >/dev/null || return 1
  local minor
  minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
  [ "${minor:-0}" -ge 88 ] 2>/dev/null
}

need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
}

need_java() {
  command -v javac >/dev/null || apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null || apt_install maven
}

# rustfmt and clippy: a minimal rustup profile leaves them out.
need_rust_tools() {
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null; then
      echo "== installing rustfmt and clippy (rustup)"
      rustup component add rustfmt clippy >/dev/null
    else
      apt_install rustfmt rust-clippy
    fi
  fi
}

# One build of the workspace for every step (issue 13): the workspace's own crates are compiled by
# clippy-driver, as `cargo clippy` runs it (RUSTC_WORKSPACE_WRAPPER; the lint arguments in
# CLIPPY_ARGS, joined by `__CLIPPY_HACKERY__`), but with code generated, so one compilation both
# lints and makes the test binaries and libraries; dependencies are compiled once by plain rustc.
# clippy-driver is a whole rustc: besides the lints it turns MIR optimisations off (its MIR lints
# need unoptimised MIR); LLVM makes up for most of it (the core's unit tests, built both ways,
# 2026-11-29: 38.3 s of CPU against 37.1 s built by rustc). Lints stay warnings
# here (a lint does not stop the tests from being built); scripts/test.sh's Lints suite fails on
# any warning the build reported (scripts/workspace-warnings.mjs). Cargo's fingerprint of a
# workspace crate includes the wrapper and CLIPPY_ARGS, so every script that builds the workspace
# calls this, or its build would compile the workspace crates again; release builds (bench.sh,
# the phones' libraries) do not: they are compiled by rustc alone.
use_clippy_driver() {
  need_rust_tools
  local driver
  driver="$(rustc --print sysroot)/bin/clippy-driver"
  [ -x "$driver" ] || driver=$(command -v clippy-driver) || {
    echo "clippy-driver not found (rustup component add clippy)" >&2
    return 1
  }
  export RUSTC_WORKSPACE_WRAPPER="$driver"
  export CLIPPY_ARGS=""
}

# cargo-deny for the Lints suite (deny.toml). Built from crates.io with `cargo install --locked`
# once (github.com, where its prebuilt binaries are, is out of reach here); the binary stays in
# ~/.cargo/bin. Measured 2026-11-29: 70 min wall time at nice 19 on the shared 2-core machine
# while three other builds ran (not yet measured on an idle one); the check itself takes 3 s.
# A cargo-binstall found on the machine is used instead.
CARGO_DENY_VERSION=0.20.2
need_cargo_deny() {
  if cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then return 0; fi
  if command -v cargo-binstall >/dev/null; then
    echo "== installing cargo-deny $CARGO_DENY_VERSION (cargo binstall)"
    cargo binstall -y --locked "cargo-deny@$CARGO_DENY_VERSION" >/dev/null && return 0
  fi
  echo "== installing cargo-deny $CARGO_DENY_VERSION (cargo install --locked; several minutes, once)"
  # Compiled by rustc alone: the clippy-driver of use_clippy_driver is for this workspace's crates.
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo install --locked --quiet "cargo-deny@$CARGO_DENY_VERSION"
}

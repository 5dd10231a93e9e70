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
  cargo install --locked --quiet "cargo-deny@$CARGO_DENY_VERSION"
}

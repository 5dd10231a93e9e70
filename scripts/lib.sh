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

need_rust() {
  command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] || apt_install cargo
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  command -v cc >/dev/null || apt_install build-essential
}

need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
}

need_java() {
  command -v javac >/dev/null || apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null || apt_install maven
}

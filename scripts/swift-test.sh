#!/usr/bin/env bash
# The Swift package in ios/ built and tested on Linux: the generated Swift bindings and the
# hand-written helpers, against the core's Linux debug library and the simulated cloud process.
#
# Debian trixie's `swiftlang` (6.0.3, with Foundation, Dispatch and XCTest) runs in a trixie root
# made once with debootstrap and reused (../shared/TOOLCHAIN.md, "Swift on this Linux machine"):
#   ${SMARTHEMS_SWIFT_ROOT:-$HOME/.cache/smarthems/swift-trixie}   about 2.7 GB; a marker file says
#   it is complete, so a root left half-made by an interrupted run is made again.
# Needs root (debootstrap, chroot, mount). Prints swift test's summary, then `N passed, N failed`;
# exits non-zero on any failure.
#
#   bash scripts/swift-test.sh            builds the core and its bindings first (scripts/bindings.sh)
#   SMARTHEMS_SWIFT_SKIP_BINDINGS=1 ...   reuses bindings/generated and the built core as they are
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
repo=$PWD
root=$(realpath -m "${SMARTHEMS_SWIFT_ROOT:-$HOME/.cache/smarthems/swift-trixie}")
mirror=${SMARTHEMS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
marker=$root/.smarthems-swift-root-complete
# Paths inside the root: the repository and cargo's output directory, bind-mounted read-only.
inner_repo=/smarthems
inner_target=/smarthems-target
# SwiftPM's build directory stays inside the root (kept between runs, so warm runs are incremental).
inner_build=/var/tmp/smarthems-swift-build

# A run that cannot get as far as the tests still ends with the line CI reads.
fail() {
  echo "swift-test: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, mount)"
started=$SECONDS

# What is mounted at or below $1 (deepest first), from the kernel's own table.
mounts_under() {
  awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

unmount_all() {
  local point
  for point in $(mounts_under "$root"); do
    umount "$point" 2>/dev/null || umount -l "$point" || true
  done
}

# One run at a time per root: the mounts and the build directory are shared.
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9
trap unmount_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
unmount_all # left by a run that was killed before its trap ran

# --- 1. The trixie root with swiftlang, made once ----------------------------------------------
if [ ! -f "$marker" ]; then
  phase=$SECONDS
  echo "== making the Swift root (Debian trixie + swiftlang) in $root; once, a few minutes"
  if [ -n "$(mounts_under "$root")" ]; then
    fail "something is still mounted under $root; not removing it"
  fi
  rm -rf --one-file-system "$root"
  command -v debootstrap >/dev/null || apt_install debootstrap || fail "could not install debootstrap"
  # Old debootstraps lack the trixie script; trixie is built like sid.
  script=/usr/share/debootstrap/scripts/trixie
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  debootstrap --variant=minbase trixie "$root" "$mirror" "$script" >"$root.debootstrap.log" 2>&1 || {
    tail -n 30 "$root.debootstrap.log" >&2
    fail "debootstrap failed (log: $root.debootstrap.log)"
  }
  mount -t proc proc "$root/proc"
  # libc6-dev: the C library headers swiftc needs (only recommended by gcc). ca-certificates: the
  # core's TLS verifier reads the system's roots (the tests use loopback HTTP).
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends swiftlang libc6-dev ca-certificates' \
    >"$root.apt.log" 2>&1 || {
    tail -n 30 "$root.apt.log" >&2
    fail "installing swiftlang in the root failed (log: $root.apt.log)"
  }
  chroot "$root" apt-get clean
  umount "$root/proc"
  chroot "$root" dpkg-query -W -f '${Version}\n' swiftlang >"$marker"
  echo "== Swift root ready: swiftlang $(cat "$marker") ($((SECONDS - phase)) s)"
fi

# --- 2. The core, the simulated cloud and the generated bindings -------------------------------
if [ "${SMARTHEMS_SWIFT_SKIP_BINDINGS:-0}" != 1 ]; then
  phase=$SECONDS
  bash scripts/bindings.sh || fail "scripts/bindings.sh failed"
  echo "== core and bindings ready ($((SECONDS - phase)) s)"
fi
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
generated=bindings/generated/swift
for file in "$target/debug/libsmarthems.so" "$target/debug/simcloud" "$generated/SmartHemsCore.swift" \
  "$generated/SmartHemsCoreFFI.h" "$generated/SmartHemsCoreFFI.modulemap"; do
  [ -e "$file" ] || fail "missing $file (run scripts/bindings.sh)"
done

# The package takes the generated code as it is (git-ignored, never edited): the Swift file beside
# the helpers, the C header and modulemap as the Linux system library target SmartHemsCoreFFI
# (Apple platforms use the XCFramework from ios/build-xcframework.sh instead).
copy_if_changed() { cmp -s "$1" "$2" || cp "$1" "$2"; }
mkdir -p ios/Sources/SmartHemsCoreFFI
copy_if_changed "$generated/SmartHemsCore.swift" ios/Sources/SmartHemsCore/SmartHemsCore.swift
copy_if_changed "$generated/SmartHemsCoreFFI.h" ios/Sources/SmartHemsCoreFFI/SmartHemsCoreFFI.h
copy_if_changed "$generated/SmartHemsCoreFFI.modulemap" ios/Sources/SmartHemsCoreFFI/module.modulemap

# --- 3. swift build and swift test inside the root ---------------------------------------------
bind_ro() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mount -o remount,bind,ro "$2"
}
mount -t proc proc "$root/proc"
bind_ro "$repo" "$root$inner_repo"
bind_ro "$target" "$root$inner_target"

in_root() {
  chroot "$root" /usr/bin/env -i \
    PATH=/usr/libexec/swift/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    SMARTHEMS_SIMCLOUD="$inner_target/debug/simcloud" \
    LD_LIBRARY_PATH="$inner_target/debug" \
    "$@"
}
swift_flags=(--package-path "$inner_repo/ios" --scratch-path "$inner_build"
  -Xlinker -L"$inner_target/debug" -Xlinker -rpath -Xlinker "$inner_target/debug")

phase=$SECONDS
echo "== swift build (ios/, against $target/debug/libsmarthems.so)"
in_root swift build --build-tests "${swift_flags[@]}" || fail "swift build failed"
echo "== swift build done ($((SECONDS - phase)) s)"

phase=$SECONDS
log=$(mktemp)
status=0
in_root swift test --skip-build "${swift_flags[@]}" 2>&1 | tee "$log" || status=$?
echo "== swift test done ($((SECONDS - phase)) s; whole script $((SECONDS - started)) s)"
# XCTest on Linux: "Test Case 'Suite.test' passed (0.1 seconds)" per test.
passed=$(grep -cE "^Test Case '.*' passed \(" "$log" || true)
failed=$(grep -cE "^Test Case '.*' failed \(" "$log" || true)
rm -f "$log"
# A crash (a signal in the test process) ends the run without a verdict for the running test.
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ]

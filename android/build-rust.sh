#!/usr/bin/env bash
# Builds the core for Android's ABIs into app/src/main/jniLibs with cargo-ndk, and generates the
# Kotlin bindings (scripts/bindings.sh). Needs the pinned Android NDK (ANDROID_NDK_HOME) and
#   cargo install cargo-ndk && rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
# 16 KB pages (Android 15+; required by Google Play for new apps and updates targeting Android 15+):
# the 64-bit libraries are linked with 16 KB ELF segment alignment and checked after the build;
# AGP keeps them uncompressed and 16 KB-aligned in the APK (useLegacyPackaging = false).
set -euo pipefail
cd "$(dirname "$0")/.."

# The NDK version is pinned in android/gradle/libs.versions.toml (`ndk`), which AGP reads too.
ndk_version=$(sed -nE 's/^ndk = "([^"]+)".*/\1/p' android/gradle/libs.versions.toml)
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK $ndk_version (Android Studio: SDK Manager → SDK Tools → NDK (Side by side))}"
found=$(sed -nE 's/^Pkg\.Revision *= *([^ ]+).*/\1/p' "$ANDROID_NDK_HOME/source.properties" 2>/dev/null || true)
if [ "$found" != "$ndk_version" ]; then
  echo "ANDROID_NDK_HOME is NDK ${found:-unknown}; this build is pinned to $ndk_version (android/gradle/libs.versions.toml)" >&2
  exit 1
fi

bash scripts/bindings.sh

# The cdylib alone (`cargo rustc --crate-type cdylib`): built together with the rlib, the release
# profile's LTO is not applied and the library is about 40% larger (issue 13).
page16k="-C link-arg=-Wl,-z,max-page-size=16384"
# Smaller (issue 13; scripts/bench.sh measures the same on the host): identical functions folded
# into one, and the relocations packed in Android's format (API 23+; RELR would need API 28).
small="-C link-arg=-Wl,--icf=all -C link-arg=-Wl,--pack-dyn-relocs=android"
CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS:-} $page16k $small" \
CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS="${CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS:-} $small" \
CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS:-} $page16k $small" \
  cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 --platform 26 \
    -o android/app/src/main/jniLibs rustc --release --locked -p smarthems --lib --crate-type cdylib

# Every LOAD segment of the 64-bit libraries must be aligned to 16 KB (0x4000) or more.
readelf=$(ls "$ANDROID_NDK_HOME"/toolchains/llvm/prebuilt/*/bin/llvm-readelf | head -n 1)
for abi in arm64-v8a x86_64; do
  lib=android/app/src/main/jniLibs/$abi/libsmarthems.so
  aligns=$("$readelf" -lW "$lib" | awk '$1 == "LOAD" { print $NF }')
  [ -n "$aligns" ] || { echo "no LOAD segments read from $lib" >&2; exit 1; }
  for align in $aligns; do
    if (( align < 16384 )); then
      echo "$lib has a LOAD segment aligned to $align, below 16 KB" >&2
      exit 1
    fi
  done
  echo "16 KB pages: $lib ok"
done

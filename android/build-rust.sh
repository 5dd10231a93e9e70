#!/usr/bin/env bash
# Builds the core for Android's ABIs into app/src/main/jniLibs with cargo-ndk, and generates the
# Kotlin bindings (scripts/bindings.sh). Needs the Android NDK (ANDROID_NDK_HOME) and
#   cargo install cargo-ndk && rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bindings.sh
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 --platform 26 \
  -o android/app/src/main/jniLibs build --release --locked -p smarthems

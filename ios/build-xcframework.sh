#!/usr/bin/env bash
# On a Mac with Xcode: builds the core for iOS devices and simulators, generates the Swift
# bindings, and packs SmartHemsCoreFFI.xcframework for Package.swift.
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bindings.sh
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  # The staticlib alone, so the release profile's LTO applies to it (issue 13).
  cargo rustc --release --locked -p smarthems --lib --target "$target" --crate-type staticlib
done
mkdir -p ios/build/sim ios/build/headers
lipo -create target/aarch64-apple-ios-sim/release/libsmarthems.a target/x86_64-apple-ios/release/libsmarthems.a \
  -output ios/build/sim/libsmarthems.a
cp bindings/generated/swift/SmartHemsCoreFFI.h ios/build/headers/
cp bindings/generated/swift/SmartHemsCoreFFI.modulemap ios/build/headers/module.modulemap
rm -rf ios/build/SmartHemsCoreFFI.xcframework
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libsmarthems.a -headers ios/build/headers \
  -library ios/build/sim/libsmarthems.a -headers ios/build/headers \
  -output ios/build/SmartHemsCoreFFI.xcframework
cp bindings/generated/swift/SmartHemsCore.swift ios/Sources/SmartHemsCore/

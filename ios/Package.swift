// swift-tools-version:5.9
// The core as a Swift package: the XCFramework built by build-xcframework.sh plus the generated
// Swift bindings (copied in by that script; never edited by hand) and small hand-written helpers.
import PackageDescription

let package = Package(
    name: "SmartHemsCore",
    platforms: [.iOS(.v16)],
    products: [.library(name: "SmartHemsCore", targets: ["SmartHemsCore"])],
    targets: [
        .binaryTarget(name: "SmartHemsCoreFFI", path: "build/SmartHemsCoreFFI.xcframework"),
        .target(name: "SmartHemsCore", dependencies: ["SmartHemsCoreFFI"], path: "Sources/SmartHemsCore"),
    ]
)

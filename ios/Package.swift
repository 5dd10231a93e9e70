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
        .target(
            name: "SmartHemsCore",
            dependencies: ["SmartHemsCoreFFI"],
            path: "Sources/SmartHemsCore",
            // The static Rust library does not carry its system frameworks; name them here.
            // Security: TLS trust through rustls-platform-verifier and the Keychain store
            // (security-framework-sys links it). CoreFoundation: core-foundation-sys, which the
            // verifier and security-framework use. Nothing in Cargo.lock needs SystemConfiguration
            // (reqwest's default features, with its system-proxy support, are off); os_log is in
            // libSystem.
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
    ]
)

// swift-tools-version:5.9
// The core as a Swift package: the generated Swift bindings (copied in by a script; never edited by
// hand), small hand-written helpers, and the compiled core underneath:
// - Apple platforms: the XCFramework built by build-xcframework.sh (a binary target).
// - Linux: the core's shared library (`libsmarthems.so`) as a system library target, its module
//   being the generated C header and modulemap that scripts/swift-test.sh copies into
//   Sources/SmartHemsCoreFFI; that script also runs the XCTest suite in Tests/ against it.
import PackageDescription

#if os(Linux)
let core: Target = .systemLibrary(name: "SmartHemsCoreFFI", path: "Sources/SmartHemsCoreFFI")
#else
let core: Target = .binaryTarget(name: "SmartHemsCoreFFI", path: "build/SmartHemsCoreFFI.xcframework")
#endif

let package = Package(
    name: "SmartHemsCore",
    platforms: [.iOS(.v16)],
    products: [.library(name: "SmartHemsCore", targets: ["SmartHemsCore"])],
    targets: [
        core,
        .target(
            name: "SmartHemsCore",
            dependencies: ["SmartHemsCoreFFI"],
            path: "Sources/SmartHemsCore",
            // The static Rust library does not carry its system frameworks; name them here.
            // Security: TLS trust through rustls-platform-verifier and the Keychain
            // (security-framework-sys links it). CoreFoundation: core-foundation-sys, which the
            // verifier and security-framework use. Nothing in Cargo.lock needs SystemConfiguration
            // (reqwest's default features, with its system-proxy support, are off); os_log is in
            // libSystem. On Linux the shared library itself (its directory is given by the script
            // with -Xlinker -L).
            linkerSettings: [
                .linkedFramework("Security", .when(platforms: [.iOS, .macOS])),
                .linkedFramework("CoreFoundation", .when(platforms: [.iOS, .macOS])),
                .linkedLibrary("smarthems", .when(platforms: [.linux])),
            ]
        ),
        .testTarget(
            name: "SmartHemsCoreTests",
            dependencies: ["SmartHemsCore"],
            path: "Tests/SmartHemsCoreTests"
        ),
    ]
)

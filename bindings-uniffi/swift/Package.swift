// swift-tools-version:5.9
// The Swift package of the procore SDK: the uniffi-generated bindings (Sources/Procore/Procore.swift,
// Sources/ProcoreFFI/include/*, committed and checked fresh by a Rust test) plus a small
// idiomatic layer (AsyncSequence over pages, error info).
//
// It links the native library, found in order: PROCORE_NATIVE_DIR; lib/linux-x86_64 beside
// this file on Linux (the packaged copy in dist/swift, built by scripts/package); the cargo
// build in <repo>/target/release (`cargo build --release -p procore-uniffi`).
// For an app, build an XCFramework from the static library instead (BUILDING-XCFRAMEWORK.md).
import Foundation
import PackageDescription

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
#if os(Linux)
let bundledDir: String? = here.appendingPathComponent("lib/linux-x86_64").path
#else
let bundledDir: String? = nil
#endif
let nativeDir = ProcessInfo.processInfo.environment["PROCORE_NATIVE_DIR"]
    ?? bundledDir.flatMap { FileManager.default.fileExists(atPath: $0 + "/libprocore_uniffi.so") ? $0 : nil }
    ?? here.appendingPathComponent("../../target/release").standardized.path

let package = Package(
    name: "Procore",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Procore", targets: ["Procore"]),
    ],
    targets: [
        .target(
            name: "ProcoreFFI",
            path: "Sources/ProcoreFFI",
            publicHeadersPath: "include",
            linkerSettings: [
                .linkedLibrary("procore_uniffi"),
                .unsafeFlags(["-L", nativeDir, "-Xlinker", "-rpath", "-Xlinker", nativeDir]),
            ]
        ),
        .target(
            name: "Procore",
            dependencies: ["ProcoreFFI"],
            path: "Sources/Procore"
        ),
        .testTarget(
            name: "ProcoreTests",
            dependencies: ["Procore"],
            path: "Tests/ProcoreTests"
        ),
    ]
)

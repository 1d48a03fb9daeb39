// swift-tools-version:5.9
// The Swift package of the procore SDK: the uniffi-generated bindings (Sources/Procore/Procore.swift,
// Sources/ProcoreFFI/include/*, committed and checked fresh by a Rust test) plus a small
// idiomatic layer (AsyncSequence over pages, error info).
//
// It links the native library built by cargo: `cargo build --release -p procore-uniffi`
// puts libprocore_uniffi.{dylib,so} in <repo>/target/release (override with PROCORE_NATIVE_DIR).
// For an app, build an XCFramework from the static library instead (see README.md).
import Foundation
import PackageDescription

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let nativeDir = ProcessInfo.processInfo.environment["PROCORE_NATIVE_DIR"]
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

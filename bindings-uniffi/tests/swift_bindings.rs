//! The Swift package commits the generated bindings (there is no Swift toolchain in CI to
//! generate them at build time). This test regenerates them from the release cdylib and fails
//! when the committed files differ, so an API change cannot ship stale Swift.
//!
//! To refresh the committed files: `PROCORE_UPDATE_SWIFT=1 cargo test --release -p
//! procore-uniffi --features cli --test swift_bindings` (after building the release library).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release cdylib: `PROCORE_UNIFFI_LIB`, else `<workspace>/target/release/`.
fn library() -> PathBuf {
    if let Ok(p) = std::env::var("PROCORE_UNIFFI_LIB") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir().join("../target"));
    let name = if cfg!(target_os = "macos") {
        "libprocore_uniffi.dylib"
    } else {
        "libprocore_uniffi.so"
    };
    target.join("release").join(name)
}

fn newest_source(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let t = if path.is_dir() {
            newest_source(&path)
        } else {
            std::fs::metadata(&path).unwrap().modified().unwrap()
        };
        newest = newest.max(t);
    }
    newest
}

/// (generated file name, committed path under swift/)
const FILES: &[(&str, &str)] = &[
    ("Procore.swift", "Sources/Procore/Procore.swift"),
    ("ProcoreFFI.h", "Sources/ProcoreFFI/include/ProcoreFFI.h"),
    (
        "ProcoreFFI.modulemap",
        "Sources/ProcoreFFI/include/module.modulemap",
    ),
];

#[test]
fn committed_swift_bindings_match_the_library() {
    let lib = library();
    assert!(
        lib.exists(),
        "{} is missing: run `cargo build --release -p procore-uniffi --features cli` first \
         (bindings-uniffi/test.sh does), or set PROCORE_UNIFFI_LIB",
        lib.display()
    );
    let built = std::fs::metadata(&lib).unwrap().modified().unwrap();
    assert!(
        built >= newest_source(&manifest_dir().join("src")),
        "{} is older than the sources: rebuild it with `cargo build --release -p procore-uniffi --features cli`",
        lib.display()
    );

    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .current_dir(manifest_dir())
        .args(["generate", "--library"])
        .arg(&lib)
        .args(["--language", "swift", "--no-format", "--out-dir"])
        .arg(out.path())
        .status()
        .expect("uniffi-bindgen runs");
    assert!(status.success(), "uniffi-bindgen failed: {status}");

    let swift = manifest_dir().join("swift");
    let update = std::env::var("PROCORE_UPDATE_SWIFT").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (generated, committed) in FILES {
        let fresh = std::fs::read_to_string(out.path().join(generated))
            .unwrap_or_else(|e| panic!("{generated} was not generated: {e}"));
        let path = swift.join(committed);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
            continue;
        }
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != fresh {
            stale.push(committed.to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "the committed Swift bindings are stale: {stale:?}. Regenerate them with \
         `PROCORE_UPDATE_SWIFT=1 cargo test --release -p procore-uniffi --features cli --test swift_bindings`"
    );
}

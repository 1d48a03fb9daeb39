//! The embedded catalog is what `scripts/gen-catalog` makes from Procore's description.
#![cfg(feature = "catalog")]

use std::process::Command;

#[test]
fn the_committed_catalog_is_what_the_script_makes() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/gen-catalog");
    let out = Command::new("python3")
        .args([script, "--check"])
        .output()
        .expect("python3 runs scripts/gen-catalog");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

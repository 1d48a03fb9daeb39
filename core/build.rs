//! With feature `catalog`: compresses `catalog/operations.json` (the operation catalog made by
//! `scripts/gen-catalog`) into `OUT_DIR`, for `src/catalog.rs` to embed.

fn main() {
    println!("cargo:rerun-if-changed=catalog/operations.json");
    #[cfg(feature = "catalog")]
    {
        use std::io::Write;
        let out =
            std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        let json =
            std::fs::read("catalog/operations.json").expect("catalog/operations.json exists");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&json).expect("compressing to memory");
        let bytes = gz.finish().expect("compressing to memory");
        std::fs::write(out.join("operations.json.gz"), bytes).expect("OUT_DIR is writable");
    }
}

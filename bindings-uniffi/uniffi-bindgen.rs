//! The uniffi bindings generator for this crate (library mode), so the generator's version is
//! always the version the scaffolding was built with.

fn main() {
    uniffi::uniffi_bindgen_main()
}

//! The token store's JSON form (a token file, a custom store's answer).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(set) = procore::TokenSet::from_json(text) {
            let again = procore::TokenSet::from_json(&set.to_json()).expect("a saved set reads back");
            assert!(again.same_set(&set));
            let _ = format!("{set:?}");
        }
    }
});

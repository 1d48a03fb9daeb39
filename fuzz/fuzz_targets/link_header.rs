//! `Link` headers of paginated answers: any text, any rel.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for rel in ["next", "prev", "last", "first", ""] {
            let _ = procore::paginate::link_rel(text, rel);
        }
    }
});

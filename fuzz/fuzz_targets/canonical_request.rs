//! See `dbss_fuzz::canonical` (fuzz/src/canonical.rs) for the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dbss_fuzz::canonical::check(data);
});

//! See `dbss_fuzz::decode` (fuzz/src/decode.rs) for the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dbss_fuzz::decode::check(data);
});

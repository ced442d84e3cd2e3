//! See `dbss_fuzz::profile` (fuzz/src/profile.rs) for the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dbss_fuzz::profile::check(data);
});

//! Signing a create-report request with SDK-HMAC-SHA256 (dbss-signer), as the SDK's auth layer
//! does on every attempt: the same URL, headers and 106-byte JSON body.
//!
//! Goal (issue 6): ≤ 1.5 µs per signature in a release build.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dbss_bench::signing::SignInput;

fn signing(c: &mut Criterion) {
    let input = SignInput::new();
    let mut group = c.benchmark_group("sign");
    // What the client needs: the headers to set and the URL.
    group.bench_function("create_report", |b| b.iter(|| black_box(input.sign_full())));
    // The same with the debug strings asked for too (built on demand).
    group.bench_function("create_report_with_debug_strings", |b| {
        b.iter(|| {
            let request = input.request();
            let params = input.params();
            match dbss_signer::sign(black_box(&request), black_box(&params)) {
                Ok(out) => black_box(out.canonical_request().len() + out.string_to_sign().len()),
                Err(_) => 0,
            }
        })
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);

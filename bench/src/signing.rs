//! The signing workload: a create-report request exactly as the SDK's auth layer hands it to
//! `dbss-signer`. Shared by the criterion bench and the `sign-*` subcommands (timing and
//! callgrind instruction counts).

use std::hint::black_box;
use std::time::{Duration, Instant};

use dbss_signer::{Credentials, SignableRequest, SigningParams, SigningTime};

use crate::{AK, SIGNING_TIME, SK};

/// The owned inputs of one create-report signature.
#[derive(Debug)]
pub struct SignInput {
    url: String,
    body: Vec<u8>,
    time: SigningTime,
}

impl Default for SignInput {
    fn default() -> Self {
        Self::new()
    }
}

impl SignInput {
    /// The create-report request to the cn-north-4 endpoint, signed at a fixed time.
    pub fn new() -> Self {
        Self {
            url: format!(
                "https://dbss.cn-north-4.myhuaweicloud.com{}",
                crate::create_path()
            ),
            body: crate::create_body_bytes(),
            // A fixed, valid time: the parse cannot fail.
            time: SigningTime::parse(SIGNING_TIME).unwrap_or_else(|_| unreachable_time()),
        }
    }

    /// The request as the signer takes it.
    pub fn request(&self) -> SignableRequest<'_> {
        SignableRequest {
            method: "POST",
            url: &self.url,
            headers: &crate::SIGNED_HEADERS,
            body: Some(&self.body),
        }
    }

    /// Credentials and time.
    pub fn params(&self) -> SigningParams<'static> {
        SigningParams::new(Credentials::new(AK, SK.as_bytes()), self.time)
    }

    /// One signature with the full output (`dbss_signer::sign`); returns the Authorization
    /// length so that nothing is optimised away.
    pub fn sign_full(&self) -> usize {
        match dbss_signer::sign(black_box(&self.request()), black_box(&self.params())) {
            Ok(out) => out.authorization().len(),
            Err(_) => 0,
        }
    }
}

fn unreachable_time() -> SigningTime {
    SigningTime::from_unix_seconds(0).unwrap_or_else(|_| unreachable!("1970 is in range"))
}

/// Signs `iterations` times; returns a checksum so the loop is not optimised away.
pub fn sign_loop(input: &SignInput, iterations: u64) -> usize {
    let mut sum = 0usize;
    for _ in 0..iterations {
        sum = sum.wrapping_add(input.sign_full());
    }
    sum
}

/// The best of `rounds` timings of `iterations` signatures, per signature.
pub fn time_per_signature(iterations: u64, rounds: u32) -> Duration {
    let input = SignInput::new();
    // Warm caches and the allocator.
    black_box(sign_loop(&input, iterations / 10 + 1));
    let mut best = Duration::MAX;
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        black_box(sign_loop(&input, iterations));
        best = best.min(started.elapsed() / iterations.max(1) as u32);
    }
    best
}

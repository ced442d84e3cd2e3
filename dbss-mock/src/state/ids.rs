//! Deterministic ids: SplitMix64 numbers in the shapes the API's ids have.

use std::sync::atomic::{AtomicU64, Ordering};

/// Deterministic pseudo-random numbers (SplitMix64) for ids: a seeded mock produces the same
/// report ids in every run, and request ids stay unique within a server.
#[derive(Debug)]
pub(crate) struct IdGen {
    state: AtomicU64,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    pub fn next_u64(&self) -> u64 {
        let z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(z)
    }

    /// A fresh 20-character report id in the style of the real ones (`Hx9QLJgBTpKZyZbbhTgS`).
    pub fn report_id(&self) -> String {
        let (mut a, mut b) = (self.next_u64(), self.next_u64());
        (0..20)
            .map(|i| {
                let word = if i < 10 { &mut a } else { &mut b };
                let c = BASE62[(*word % 62) as usize];
                *word /= 62;
                char::from(c)
            })
            .collect()
    }

    /// A fresh 32-hex-digit request id.
    pub fn request_id(&self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

/// SplitMix64's output function.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

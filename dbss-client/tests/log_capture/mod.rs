//! A `tracing` writer into a shared buffer, for tests that read what was logged.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

/// A `MakeWriter` (through `move || writer.clone()`) into a shared buffer.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

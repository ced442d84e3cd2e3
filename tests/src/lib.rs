//! Contract tests live in `tests/tests/`.

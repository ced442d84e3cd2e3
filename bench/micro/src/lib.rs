//! The criterion micro-benchmarks of the DBSS SDK live in `benches/` (signing, request building,
//! decoding); this library is empty: cargo needs one target besides the benches.

#![no_main]
//! Fuzz target `decision`: see `cors_core_fuzz::decision` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cors_core_fuzz::decision(data));

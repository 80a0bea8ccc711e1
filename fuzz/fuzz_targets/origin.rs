#![no_main]
//! Fuzz target `origin`: see `cors_core_fuzz::origin` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cors_core_fuzz::origin(data));

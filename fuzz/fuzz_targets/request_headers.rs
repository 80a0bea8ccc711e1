#![no_main]
//! Fuzz target `request_headers`: see `cors_core_fuzz::request_headers` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cors_core_fuzz::request_headers(data));

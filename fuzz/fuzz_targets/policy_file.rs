#![no_main]
//! Fuzz target `policy_file`: see `cors_core_fuzz::policy_file` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cors_core_fuzz::policy_file(data));

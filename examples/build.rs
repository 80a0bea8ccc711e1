//! Generates the demo RPC service (`proto/cors/demo/v1/demo.proto`) twice, for the two RPC
//! servers: prost messages and a tonic service (`grpc-web-server`), and buffa messages and a
//! connect-rust service (`connect-server`). Both run `protoc`: the one `PROTOC` names, or
//! else the one `protoc-bin-vendored` ships, so that the examples build where none is installed.

use std::path::PathBuf;

const PROTO: &str = "proto/cors/demo/v1/demo.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO}");
    println!("cargo:rerun-if-env-changed=PROTOC");
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let tonic_out = out.join("tonic");
    std::fs::create_dir_all(&tonic_out)?;
    tonic_prost_build::configure()
        .build_client(false)
        .out_dir(&tonic_out)
        .compile_protos(&[PROTO], &["proto"])
        .map_err(|e| format!("tonic-prost-build: {e}"))?;
    connectrpc_build::Config::new()
        .files(&[PROTO])
        .includes(&["proto"])
        .out_dir(out.join("connect"))
        .include_file("_connectrpc.rs")
        .compile()
        .map_err(|e| format!("connectrpc-build: {e}"))?;
    Ok(())
}

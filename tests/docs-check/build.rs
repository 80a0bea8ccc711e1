//! Generates the tonic service of the examples' demo proto (`repo/proto`, a link to
//! `examples/proto`) into `OUT_DIR`, where `tonic::include_proto!("cors.demo.v1")` in
//! docs/quickstart/tonic.md finds it. `protoc` is the one `PROTOC` names, or else the one
//! `protoc-bin-vendored` ships.

const PROTO: &str = "repo/proto/cors/demo/v1/demo.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO}");
    println!("cargo:rerun-if-env-changed=PROTOC");
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    }
    tonic_prost_build::configure()
        .build_client(false)
        .compile_protos(&[PROTO], &["repo/proto"])?;
    Ok(())
}

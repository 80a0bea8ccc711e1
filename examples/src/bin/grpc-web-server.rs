//! The gRPC-Web protocol example server (examples/README.md).

fn main() {
    cors_examples::main(
        cors_examples::Framework::GrpcWeb,
        cors_examples::protocols::grpc_web::run,
    );
}

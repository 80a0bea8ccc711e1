//! The Connect protocol example server (examples/README.md).

fn main() {
    cors_examples::main(
        cors_examples::Framework::Connect,
        cors_examples::protocols::connect::run,
    );
}

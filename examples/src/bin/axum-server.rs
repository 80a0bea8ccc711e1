//! The axum example server (examples/README.md).

fn main() {
    cors_examples::main(cors_examples::Framework::Axum, cors_examples::apps::axum::run);
}

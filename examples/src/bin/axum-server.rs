//! The axum example server of the examples contract.

fn main() {
    cors_examples::main(cors_examples::Framework::Axum, cors_examples::apps::axum::run);
}

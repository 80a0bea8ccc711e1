//! The warp example server of the examples contract.

fn main() {
    cors_examples::main(cors_examples::Framework::Warp, cors_examples::apps::warp::run);
}

//! The warp example server (examples/README.md).

fn main() {
    cors_examples::main(cors_examples::Framework::Warp, cors_examples::apps::warp::run);
}

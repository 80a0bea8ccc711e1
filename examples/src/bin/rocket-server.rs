//! The Rocket example server (examples/README.md).

fn main() {
    cors_examples::main(cors_examples::Framework::Rocket, cors_examples::apps::rocket::run);
}

//! The Rocket example server of the examples contract.

fn main() {
    cors_examples::main(cors_examples::Framework::Rocket, cors_examples::apps::rocket::run);
}

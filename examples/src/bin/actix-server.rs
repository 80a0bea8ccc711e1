//! The actix-web example server of the examples contract.

fn main() {
    cors_examples::main(cors_examples::Framework::Actix, cors_examples::apps::actix::run);
}

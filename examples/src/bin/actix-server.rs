//! The actix-web example server (examples/README.md).

fn main() {
    cors_examples::main(cors_examples::Framework::Actix, cors_examples::apps::actix::run);
}

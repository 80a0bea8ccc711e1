//! Every Rust snippet of `README.md` and `docs/` compiles where it stands.
//!
//! Each module below is one markdown file, included as its documentation, so that
//! `cargo test -p docs-check --doc` compiles every ```` ```rust ```` block in it, and runs it
//! unless it is `no_run` (a server that would run forever). Blocks that are not Rust carry
//! their language (```` ```toml ````, ```` ```sh ````, ```` ```text ````), which rustdoc
//! leaves alone. Lines starting with `# ` are hidden from the reader: only imports, the
//! `fn main` around a fragment and `Ok(())` plumbing are hidden, never what the snippet
//! teaches.
//!
//! The files are reached through `repo/`, links to the repository's own, so that the package
//! `cargo package` makes of this crate holds them and builds.
//!
//! Nothing in these docs is `ignore`d: the snippets of the incumbent libraries in
//! `docs/migrate/` compile too, against `tower-http`, `actix-cors`, `rocket_cors` and warp's
//! own `warp::cors` (dev-dependencies of this crate, already in `Cargo.lock` through
//! `bench/`).
#![forbid(unsafe_code)]

/// Checks `README.md`: the axum quick start and the four adapters side by side.
#[doc = include_str!("../repo/README.md")]
pub mod readme {}

/// Checks `docs/guide.md`: printing a policy's warnings, policy sets (the choice of a route,
/// the mounts before authentication in each framework), the tracing subscriber of the
/// diagnostics.
#[doc = include_str!("../repo/docs/guide.md")]
pub mod guide {}

/// Checks `docs/protocols.md`: presets in code, the MCP policy with the strict guard.
#[doc = include_str!("../repo/docs/protocols.md")]
pub mod protocols {}

/// Checks `docs/rules.md` (no Rust blocks: the rules every adapter is held to, which
/// `tests/rules.rs` keeps the only place a `§N` may point to).
#[doc = include_str!("../repo/docs/rules.md")]
pub mod rules {}

/// Checks `docs/faq.md` (no Rust blocks today; its TOML, shell and text blocks are tagged).
#[doc = include_str!("../repo/docs/faq.md")]
pub mod faq {}

/// Checks `docs/security.md` (no Rust blocks today).
#[doc = include_str!("../repo/docs/security.md")]
pub mod security {}

/// Checks `docs/benchmarks.md` (no Rust blocks today).
#[doc = include_str!("../repo/docs/benchmarks.md")]
pub mod benchmarks {}

/// The quick starts, one per framework.
pub mod quickstart {
    /// Checks `docs/quickstart/axum.md`: the server, the policy in code, per-route policies.
    #[doc = include_str!("../repo/docs/quickstart/axum.md")]
    pub mod axum {}

    /// Checks `docs/quickstart/actix.md`: the server, the policy in code, per-scope policies.
    #[doc = include_str!("../repo/docs/quickstart/actix.md")]
    pub mod actix {}

    /// Checks `docs/quickstart/rocket.md`: the `#[launch]` server and the `#[rocket::main]`
    /// form with `?` and a scoped fairing.
    #[doc = include_str!("../repo/docs/quickstart/rocket.md")]
    pub mod rocket {}

    /// Checks `docs/quickstart/tonic.md`: build.rs, the gRPC-Web server, its policy in code.
    /// The generated code is this crate's own (its build.rs compiles the same proto).
    #[doc = include_str!("../repo/docs/quickstart/tonic.md")]
    pub mod tonic {}

    /// Checks `docs/quickstart/warp.md`: the server, a `recover` inside the wrapper, per-route
    /// policies.
    #[doc = include_str!("../repo/docs/quickstart/warp.md")]
    pub mod warp {}
}

/// The migration guides: each "before" snippet compiles against the incumbent, each "after"
/// snippet against this toolkit.
pub mod migrate {
    /// Checks `docs/migrate/tower-http.md` (the "before" block against tower-http 0.7).
    #[doc = include_str!("../repo/docs/migrate/tower-http.md")]
    pub mod tower_http {}

    /// Checks `docs/migrate/actix-cors.md` (the "before" block against actix-cors 0.7).
    #[doc = include_str!("../repo/docs/migrate/actix-cors.md")]
    pub mod actix_cors {}

    /// Checks `docs/migrate/rocket_cors.md` (the "before" block against rocket_cors 0.6).
    #[doc = include_str!("../repo/docs/migrate/rocket_cors.md")]
    pub mod rocket_cors {}

    /// Checks `docs/migrate/warp.md` (the "before" block against warp 0.4's `warp::cors`).
    #[doc = include_str!("../repo/docs/migrate/warp.md")]
    pub mod warp {}
}

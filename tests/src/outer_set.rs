//! One policy set around a whole application with an authentication layer inside it, checked
//! the same way for every adapter over raw HTTP/1.1 (rules §11): the set, and what each
//! framework's test application must serve for [`check`].
//!
//! The application: `GET /public/info` (no authentication); under `/api`, an authentication
//! layer that answers 401 unless `Authorization: Bearer secret` (and counts the requests it
//! sees), `GET /api/items`, `POST /api/upload` with a 16-byte body limit (413 above it); any
//! other path, the framework's 404.

use crate::http::{send_with_body, RawResponse};
use cors_core::{Covers, Policy, PolicySet};
use std::net::SocketAddr;

/// The default policy's origin (credentials allowed).
pub const APP: &str = "https://app.example.com";
/// The origin of the route for `partner.api.example.com`.
pub const PARTNER: &str = "https://partner.example.net";

/// `public` (path `/public`, any origin), `partner` (host `partner.api.example.com`), and the
/// default: [`APP`] with credentials, `PUT`, the `authorization` header.
pub fn set() -> PolicySet {
    let api = Policy::builder()
        .allow_origins([APP])
        .allow_credentials(true)
        .allow_methods(["PUT"])
        .allow_headers(["authorization"])
        .build()
        .expect("valid policy");
    let public = Policy::builder()
        .allow_origins(["*"])
        .build()
        .expect("valid policy");
    let partner = Policy::builder()
        .allow_origins([PARTNER])
        .build()
        .expect("valid policy");
    PolicySet::builder()
        .route("public", Covers::path("/public"), public)
        .route("partner", Covers::host("partner.api.example.com"), partner)
        .default(api)
        .build()
        .expect("valid set")
}

/// One request over raw HTTP/1.1.
pub fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    send_with_body(addr, method, path, &headers, body.as_bytes()).expect("a response")
}

/// Checks the application at `addr`: a preflight answered before the authentication layer
/// (`seen` counts what that layer saw), the chosen policy's headers on its 401, a 413, 404s
/// and `more` (method, path, status: e.g. a caught panic's 500, authorized), each route deciding
/// its own requests, and another route's preflight refused.
pub fn check(addr: SocketAddr, seen: &dyn Fn() -> usize, more: &[(&str, &str, u16)]) {
    let preflight = [
        ("Origin", APP),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    let r = send(addr, "OPTIONS", "/api/items", &preflight, "");
    assert_eq!(r.status, 204);
    assert_eq!(
        r.joined("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(
        r.joined("access-control-allow-headers").as_deref(),
        Some("authorization")
    );
    assert_eq!(seen(), 0, "the authentication layer saw the preflight");
    let authorized = [("Origin", APP), ("Authorization", "Bearer secret")];
    let mut cases = vec![
        ("GET", "/api/items", &[("Origin", APP)][..], "", 401),
        (
            "POST",
            "/api/upload",
            &authorized[..],
            "a body longer than sixteen bytes",
            413,
        ),
        ("GET", "/elsewhere", &authorized[..], "", 404),
        ("GET", "/api/items", &authorized[..], "", 200),
    ];
    cases.extend(
        more.iter()
            .map(|&(method, path, status)| (method, path, &authorized[..], "", status)),
    );
    for (method, path, headers, body, status) in cases {
        let r = send(addr, method, path, headers, body);
        assert_eq!(r.status, status, "{method} {path}");
        assert_eq!(
            r.joined("access-control-allow-origin").as_deref(),
            Some(APP),
            "{method} {path}"
        );
        assert_eq!(
            r.joined("access-control-allow-credentials").as_deref(),
            Some("true"),
            "{method} {path}"
        );
        assert_eq!(r.joined("vary").as_deref(), Some("Origin"), "{method} {path}");
    }
    check_routes(addr);
}

/// Each route decides its own requests; one route's origin is another's stranger.
fn check_routes(addr: SocketAddr) {
    let acao = |r: RawResponse| r.joined("access-control-allow-origin");
    let any = [("Origin", "https://any.example")];
    assert_eq!(
        acao(send(addr, "GET", "/public/info", &any, "")).as_deref(),
        Some("*")
    );
    let partner = [("Host", "partner.api.example.com"), ("Origin", PARTNER)];
    assert_eq!(
        acao(send(addr, "GET", "/public/info", &partner, "")).as_deref(),
        Some(PARTNER)
    );
    let app_at_partner = [("Host", "partner.api.example.com"), ("Origin", APP)];
    assert_eq!(acao(send(addr, "GET", "/public/info", &app_at_partner, "")), None);
    let partner_at_api = [("Origin", PARTNER), ("Authorization", "Bearer secret")];
    assert_eq!(acao(send(addr, "GET", "/api/items", &partner_at_api, "")), None);
    let refused = [("Origin", PARTNER), ("Access-Control-Request-Method", "PUT")];
    let r = send(addr, "OPTIONS", "/api/items", &refused, "");
    assert_eq!(r.status, 403);
    assert_eq!(r.joined("access-control-allow-origin"), None);
}

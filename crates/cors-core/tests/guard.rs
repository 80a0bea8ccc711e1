//! The request guard through the public API (rules §12): what each mode does with the same
//! requests, its settings (exempt paths, trusted proxies) as an adapter hands them over, and
//! the debug answer that names it.

use cors_core::adapter::{Facts, HandledBy, Target};
use cors_core::{Guard, GuardReason, GuardVerdict, Outcome, Policy, RawRequest, Refusal};

fn policy(guard: Guard) -> Policy {
    Policy::builder()
        .allow_origins(["https://app.example.com"])
        .guard(guard)
        .guard_exempt(["/webhooks"])
        .trusted_proxies(["10.0.0.0/8"])
        .build()
        .unwrap()
}

fn cross_site_post() -> RawRequest {
    RawRequest::new("POST")
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
}

#[test]
fn spec_12_each_mode_decides_the_same_cross_site_write() {
    let refused = Outcome::GuardRefused(Refusal::OriginNotAllowed);
    let cases = [
        (Guard::Off, HandledBy::Handler, None),
        (
            Guard::Report,
            HandledBy::Handler,
            Some(GuardVerdict::Refused(
                GuardReason::CrossSite,
                Refusal::OriginNotAllowed,
            )),
        ),
        (
            Guard::Enforce,
            HandledBy::Layer { status: 403 },
            Some(GuardVerdict::Refused(
                GuardReason::CrossSite,
                Refusal::OriginNotAllowed,
            )),
        ),
        (
            Guard::Strict,
            HandledBy::Layer { status: 403 },
            Some(GuardVerdict::Refused(
                GuardReason::DisallowedOrigin,
                Refusal::OriginNotAllowed,
            )),
        ),
    ];
    for (guard, handled_by, verdict) in cases {
        let p = policy(guard);
        let decision = p.evaluate(&cross_site_post());
        assert_eq!(decision.handled_by(), handled_by, "{guard}");
        assert_eq!(
            p.guard_verdict(&cross_site_post(), Facts::default()),
            verdict,
            "{guard}"
        );
        if guard == Guard::Enforce {
            assert_eq!(decision.outcome(), &refused);
        }
    }
}

#[test]
fn spec_12_an_exempt_path_is_never_refused() {
    let p = policy(Guard::Enforce);
    let at = |path: &'static [u8]| {
        p.evaluate_with(&cross_site_post(), Facts::default().target(Target::path(path)))
    };
    assert_eq!(at(b"/webhooks/github").handled_by(), HandledBy::Handler);
    assert_eq!(at(b"/webhooks").handled_by(), HandledBy::Handler);
    assert_eq!(at(b"/webhooksx").handled_by(), HandledBy::Layer { status: 403 });
    assert_eq!(
        at(b"/webhooks/../api").handled_by(),
        HandledBy::Layer { status: 403 }
    );
    let verdict = p.guard_verdict(
        &cross_site_post(),
        Facts::default().target(Target::path(b"/webhooks/x")),
    );
    assert_eq!(verdict, Some(GuardVerdict::Passed(GuardReason::Exempt)));
}

#[test]
fn spec_12_forwarded_lines_count_from_a_trusted_peer_only() {
    let p = policy(Guard::Enforce);
    let behind_proxy = RawRequest::new("POST")
        .header("Origin", "https://shop.example.com")
        .header("Host", "backend:8080")
        .header("X-Forwarded-Host", "shop.example.com")
        .header("X-Forwarded-Proto", "https");
    let from = |peer: Option<[u8; 4]>| {
        let target = Target::path(b"/api").peer(peer.map(Into::into));
        p.evaluate_with(&behind_proxy, Facts::default().target(target))
            .handled_by()
    };
    assert_eq!(
        from(Some([10, 1, 2, 3])),
        HandledBy::Handler,
        "the proxy says it is the own origin"
    );
    assert_eq!(
        from(Some([192, 0, 2, 1])),
        HandledBy::Layer { status: 403 },
        "a stranger's lines are ignored"
    );
    assert_eq!(
        from(None),
        HandledBy::Layer { status: 403 },
        "no peer seen: ignored"
    );
}

#[test]
fn spec_12_a_debug_answer_names_the_guard() {
    let p = policy(Guard::Enforce).with_debug_answers(true);
    let decision = p.evaluate(&cross_site_post());
    let value = decision.plan().refusal().and_then(|id| p.header_values().get(id));
    assert_eq!(value, Some("guard: cross_site"));
    let other = p.evaluate(&RawRequest::new("GET").header("Origin", "https://evil.example"));
    let value = other.plan().refusal().and_then(|id| p.header_values().get(id));
    assert_eq!(
        value,
        Some("origin_not_allowed"),
        "a CORS refusal keeps its own reason"
    );
}

#[test]
fn spec_6_guard_settings_are_validated_at_once() {
    let errors = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .guard(Guard::Enforce)
        .guard_exempt(["webhooks", "/"])
        .trusted_proxies(["10.1.2.3/8", "proxy.internal"])
        .build()
        .unwrap_err();
    let text = errors.to_string();
    for key in [
        "guard_exempt[0]",
        "guard_exempt[1]",
        "trusted_proxies[0]",
        "trusted_proxies[1]",
    ] {
        assert!(text.contains(key), "{key} missing from: {text}");
    }
    assert!(text.contains("10.0.0.0/8"), "the fix is offered: {text}");
    let any = Policy::builder()
        .allow_origins(["*"])
        .guard(Guard::Enforce)
        .build()
        .unwrap();
    assert!(
        any.warnings()
            .iter()
            .any(|w| w.to_string().contains("never refuses")),
        "{:?}",
        any.warnings()
    );
    let idle = Policy::builder()
        .allow_origins(["https://a.example"])
        .guard_exempt(["/hooks"])
        .build()
        .unwrap();
    assert!(
        idle.warnings()
            .iter()
            .any(|w| w.to_string().contains("guard = \"off\"")),
        "{:?}",
        idle.warnings()
    );
}

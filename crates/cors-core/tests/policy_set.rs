//! Policy sets (rules §11): validation of every route at once, each error under its route's
//! name, and the choice of a route per request.

use cors_core::{Chosen, Covers, Format, Policy, PolicySet, PolicySetConfig};

fn set(text: &str) -> Result<PolicySet, Vec<String>> {
    let config = PolicySetConfig::parse(text, Format::Toml)
        .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    PolicySet::from_config(&config).map_err(|e| e.iter().map(ToString::to_string).collect())
}

#[test]
fn every_problem_of_every_route_is_reported_under_its_name() {
    let errors = set(r#"
        allow_origins = ["https://app.example.com"]
        allow_credentials = true

        [[routes]]
        name = "public"
        path = "/public/"
        allow_origins = ["*"]

        [[routes]]
        name = "public"
        host = "Partner.example.com"

        [[routes]]
        name = "nothing"

        [[routes]]
        name = "again"
        path = "/public"
        [[routes]]
        name = "bad name!"
        host = "*.example.com"
    "#)
    .unwrap_err();
    let expected = [
        // The route's own key and the inherited credentials: browsers refuse "*" with them.
        r#"routes[0].path: "/public/" ends with /"#,
        r#"routes[0].allow_origins: "*" cannot be used with allow_credentials = true"#,
        r#"routes[1].name: "public" is the name of an earlier route"#,
        r#"routes[1].host: "Partner.example.com" has upper-case letters"#,
        "routes.nothing: covers nothing",
        r#"routes[4].name: "bad name!" is not a route name"#,
    ];
    for e in expected {
        assert!(
            errors.iter().any(|shown| shown.starts_with(e)),
            "{e}\nnot in {errors:#?}"
        );
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
}

#[test]
fn a_route_that_repeats_an_earlier_routes_target_is_an_error() {
    let errors = set(r#"
        allow_origins = ["https://app.example.com"]
        [[routes]]
        name = "a"
        host = "api.example.com"
        path = "/x"
        [[routes]]
        name = "b"
        host = "api.example.com"
        path = "/x"
    "#)
    .unwrap_err();
    assert_eq!(
        errors,
        [
            r#"routes.b: covers exactly the requests of route "a", which comes first, so it is never chosen; merge the two"#
        ]
    );
}

#[test]
fn the_contract_example_chooses_by_host_then_path() {
    let set = set(r#"
        allow_origins = ["https://app.example.com"]
        allow_credentials = true

        [[routes]]
        name = "public"
        path = "/public"
        allow_origins = ["*"]
        allow_credentials = false

        [[routes]]
        name = "partner"
        host = "partner.api.example.com"
        allow_origins = ["https://partner.example.net"]
    "#)
    .unwrap();
    let name = |host: &str, path: &str| set.choose(Some(host.as_bytes()), path.as_bytes()).name();
    assert_eq!(name("api.example.com", "/public/info"), Some("public"));
    assert_eq!(name("api.example.com", "/publicity"), None);
    assert_eq!(
        name("partner.api.example.com:443", "/public/info"),
        Some("partner")
    );
    assert_eq!(name("PARTNER.api.example.com", "/api"), Some("partner"));
    // Inherited: credentials from the top level.
    let partner = set.routes()[1].policy();
    assert!(partner.to_config().allow_credentials);
    assert!(matches!(set.choose(None, b"/api"), Chosen::Default(_)));
}

#[test]
fn a_set_without_a_default_leaves_uncovered_requests_alone_and_warns() {
    let set = set(r#"
        [[routes]]
        name = "public"
        path = "/public"
        allow_origins = ["*"]
    "#)
    .unwrap();
    assert!(matches!(set.choose(None, b"/api"), Chosen::Nothing));
    assert_eq!(set.index(None, b"/api"), None);
    assert_eq!(set.warnings().len(), 1);
    assert!(set.warnings()[0].to_string().contains("no CORS headers"));
}

#[test]
fn a_policy_file_with_routes_is_refused_as_one_policy() {
    let e = cors_core::PolicyConfig::parse(
        "allow_origins = [\"*\"]\n[[routes]]\nname = \"a\"\npath = \"/a\"\n",
        Format::Toml,
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("routes: makes this file a policy set"),
        "{e}"
    );
}

#[test]
fn sets_built_in_code_validate_the_same_way() {
    let any = Policy::builder().allow_origins(["*"]).build().unwrap();
    let e = PolicySet::builder()
        .route("x", Covers::host("https://api.example.com"), any.clone())
        .route("y", Covers::path("/a").and_path("/b"), any.clone())
        .build()
        .unwrap_err();
    assert_eq!(e.len(), 1, "{e}");
    assert!(
        e.to_string().contains(r#"did you mean "api.example.com"?"#),
        "{e}"
    );
    let set = PolicySet::builder()
        .route("y", Covers::path("/b"), any)
        .build()
        .unwrap();
    assert_eq!(set.routes()[0].path().as_deref(), Some("/b"));
}

#[test]
fn choosing_survives_hostile_hosts_and_paths() {
    let set = set(r#"
        allow_origins = ["https://app.example.com"]
        [[routes]]
        name = "h"
        host = "*.example.com"
        path = "/a"
    "#)
    .unwrap();
    for host in [
        &b"\xff\xfe"[..],
        b"",
        b":::",
        b"[",
        b"]:",
        b"a.example.com:99999",
        &[b'a'; 10_000],
    ] {
        for path in [
            &b"\xff/a"[..],
            b"",
            b"/%",
            b"/a%",
            b"/a%zz",
            b"/a/%ff%",
            &[b'/'; 10_000],
        ] {
            let _ = set.choose(Some(host), path);
        }
    }
    assert_eq!(set.choose(Some(b"x.example.com"), b"/%61/b").name(), Some("h"));
}

#[test]
fn a_tenant_route_needs_its_tenants_origins_and_a_valid_tenant_header() {
    let text = r#"
        allow_origins = ["https://app.example.com"]
        tenant_header = "X-Tenant"
        [[routes]]
        name = "tenants"
        host = "*.api.example.com"
        tenant = true
    "#;
    let config = PolicySetConfig::parse(text, Format::Toml).unwrap();
    assert_eq!(config.tenant_header.as_deref(), Some("X-Tenant"));
    assert!(config.routes[0].tenant);
    let errors: Vec<String> = PolicySet::from_config(&config)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with(r#"tenant_header: "X-Tenant" is not a header name"#),
        "{errors:#?}"
    );
    assert!(errors[0].ends_with(r#"did you mean "x-tenant"?"#), "{errors:#?}");
    assert!(
        errors[1].starts_with("routes.tenants.tenant: needs its tenants' origins from a store"),
        "{errors:#?}"
    );
}

#[cfg(feature = "lookup")]
#[test]
fn a_tenant_route_looks_origins_up_under_the_tenant_key_only() {
    use cors_core::adapter::Facts;
    use cors_core::lookup::{LookupCache, LookupSourceFuture, TenantSource};
    struct Acme;
    impl TenantSource for Acme {
        fn is_allowed<'a>(&'a self, tenant: &'a str, origin: &'a str) -> LookupSourceFuture<'a> {
            Box::pin(async move { Ok(tenant == "acme" && origin == "https://acme.example") })
        }
    }
    let config = PolicySetConfig::parse(
        "tenant_header = \"x-tenant\"\n[[routes]]\nname = \"t\"\npath = \"/\"\ntenant = true\n",
        Format::Toml,
    )
    .unwrap();
    let set = PolicySet::from_config_with(&config, &LookupCache::for_tenants(Acme).build()).unwrap();
    let policy = set.routes()[0].policy();
    let request = cors_core::RawRequest::new("GET").header("Origin", "https://acme.example");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let decide = |tenant: Option<&[u8]>| {
        let facts = tenant.map_or(Facts::default(), |t| Facts::default().tenant(t));
        let decision = policy.evaluate_with(&request, facts);
        if !decision.needs_lookup() {
            return *decision.outcome();
        }
        let lookup = policy.start_lookup_with(&request, facts).expect("a lookup");
        let answer = runtime.block_on(lookup);
        let facts = facts.lookup_answer(&answer);
        *policy.evaluate_with(&request, facts).outcome()
    };
    assert_eq!(decide(Some(b"acme")), cors_core::Outcome::ActualAllowed);
    assert_ne!(decide(Some(b"globex")), cors_core::Outcome::ActualAllowed);
    assert_ne!(decide(None), cors_core::Outcome::ActualAllowed);
    // Cached under the tenant: the answer for acme serves acme only.
    assert_eq!(decide(Some(b"acme")), cors_core::Outcome::ActualAllowed);
    assert_ne!(decide(Some(b"globex")), cors_core::Outcome::ActualAllowed);
}

#[test]
fn a_tenant_route_without_static_origins_is_told_what_it_lacks() {
    let config = PolicySetConfig::parse(
        "[[routes]]\nname = \"t\"\npath = \"/\"\ntenant = true\n",
        Format::Toml,
    )
    .unwrap();
    let errors: Vec<String> = PolicySet::from_config(&config)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("routes.t.tenant: needs its tenants' origins from a store"),
        "{errors:#?}"
    );
}

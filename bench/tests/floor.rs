//! The floor (`Variant::Floor`, `cors_bench::floor`) answers every case as the toolkit's
//! adapter does: the same status, `Access-Control-Allow-Origin` set on the same cases, with the
//! request's origin.

use cors_bench::floor::Floor;
use cors_bench::{Case, Framework, Variant, APP_ORIGIN};

#[test]
fn the_floor_is_decided_from_the_case() {
    let floor = |name: &str| Case::named(name).expect("case").floor();
    assert_eq!(
        floor("allowed_origin"),
        Floor::Actual {
            allow_origin: Some(APP_ORIGIN)
        }
    );
    assert_eq!(floor("disallowed_origin"), Floor::Actual { allow_origin: None });
    assert_eq!(
        floor("wildcard_match"),
        Floor::Actual {
            allow_origin: Some(APP_ORIGIN)
        }
    );
    assert_eq!(
        floor("preflight"),
        Floor::Preflight {
            allow_origin: APP_ORIGIN,
            allow_method: "PUT",
            allow_headers: None
        }
    );
    assert_eq!(
        floor("preflight_header"),
        Floor::Preflight {
            allow_origin: APP_ORIGIN,
            allow_method: "PUT",
            allow_headers: Some("content-type,x-api-key")
        }
    );
    assert_eq!(floor("preflight_adversarial_acrh"), Floor::Refused);
}

#[test]
fn the_floor_answers_like_ours() {
    for case in Case::all() {
        for framework in Framework::ALL {
            let mut harness = framework.harness(&case);
            let ours = harness.answer(Variant::Ours);
            let floor = harness.answer(Variant::Floor);
            assert_eq!(floor, ours, "{} {}", case.name, framework.name());
            if let Some(acao) = &floor.acao {
                assert_eq!(
                    Some(acao.as_str()),
                    case.header("origin"),
                    "{} {}",
                    case.name,
                    framework.name()
                );
            }
        }
    }
}

/// In axum, where both build `http` responses: the floor writes exactly the header lines the
/// toolkit's layer writes, on every case (so the floor's cost is that of the same answer).
#[test]
fn in_axum_the_floor_writes_the_same_headers_as_ours() {
    fn respond<S: cors_bench::axum::App>(app: S, case: &Case) -> (u16, http::HeaderMap) {
        let request = cors_bench::axum::request(case, &case.http_headers());
        let Ok(response) = cors_bench::ready(tower::ServiceExt::oneshot(app, request));
        (response.status().as_u16(), response.headers().clone())
    }
    for case in Case::all() {
        let ours = respond(cors_bench::axum::ours(&case), &case);
        let floor = respond(cors_bench::axum::floor(&case), &case);
        assert_eq!(floor, ours, "{}", case.name);
    }
}

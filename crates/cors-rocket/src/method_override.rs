//! Rocket's method override: a form `POST` whose first field is `_method` reaches routes and
//! fairings as that method, which a page may never have been granted by a preflight.

use cors_core::adapter::is_safelisted_method;
use cors_core::Guard;
use rocket::form::Form;
use rocket::http::{MediaType, Method};
use rocket::{Data, Request};

/// The methods other than POST whose routes Rocket matches on `Content-Type`.
pub(crate) const PAYLOAD_METHODS: [Method; 3] = [Method::Put, Method::Delete, Method::Patch];

/// Whether the whole application's fairing, under a fixed policy with `guard`, mounts a route
/// that Rocket tries for `request` (see [`CorsFairing::routes`]): the same test as Rocket's
/// router, so that a request the route decided is never decided again in `on_response`.
///
/// [`CorsFairing::routes`]: crate::CorsFairing::routes
pub(crate) fn routed_by_global(request: &Request<'_>, guard: Guard) -> bool {
    match request.method() {
        _ if guard == Guard::Strict => true,
        method if guard.refuses() => !matches!(method, Method::Get | Method::Head),
        Method::Options | Method::Trace | Method::Connect => true,
        method if PAYLOAD_METHODS.contains(&method) => request.format().is_some_and(|format| {
            // Rocket's `formats_match`: a fully specified type equal to the route's.
            let form = MediaType::Form;
            format.specificity() == 2 && format.top() == form.top() && format.sub() == form.sub()
        }),
        _ => false,
    }
}

/// Whether Rocket rewrote the request's method from a form POST's `_method` field
/// (`Rocket::preprocess_request`, which this repeats on the bytes it peeked): a method the
/// page may never have been granted by a preflight (rules §9).
pub(crate) async fn is_overridden(request: &Request<'_>, data: &mut Data<'_>) -> bool {
    let method = request.method();
    // Rocket rewrites only a POST, and a rewrite to a safelisted method needs no preflight.
    if is_safelisted_method(method.as_str().as_bytes())
        || !request.content_type().is_some_and(|ct| ct.is_form())
    {
        return false;
    }
    let peeked = data.peek("_method=delete".len()).await;
    std::str::from_utf8(peeked)
        .ok()
        .and_then(|form| Form::values(form).next())
        .filter(|field| field.name == "_method")
        .and_then(|field| field.value.parse::<Method>().ok())
        == Some(method)
}

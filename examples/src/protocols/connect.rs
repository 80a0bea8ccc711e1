//! `connect-server`: the demo service with connect-rust (the `connectrpc` crate of the
//! connectrpc organisation), which serves the Connect protocol, gRPC-Web and gRPC from one
//! registration. `Greet` (`NO_SIDE_EFFECTS` in the proto) also answers Connect's GET, and its
//! `x-greeted` trailer reaches a Connect unary client as the header `Trailer-X-Greeted`.

use super::demo;
use crate as ex;
use connectrpc::{ConnectError, RequestContext, Response, ServiceRequest, ServiceResult, ServiceStream};
use std::sync::Arc;

/// The code connectrpc-build generated from `proto/cors/demo/v1/demo.proto` (build.rs).
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/connect/_connectrpc.rs"));
}
use proto::cors::demo::v1::{CountRequest, CountResponse, DemoService, GreetRequest, GreetResponse};

struct Demo;

// The owned messages, as connect-rust's guide writes handlers: narrower than the trait's
// `impl Encodable<...>` (which also takes views), which rustc notes as a refinement.
#[allow(refining_impl_trait)]
impl DemoService for Demo {
    async fn greet(
        &self,
        _ctx: RequestContext,
        request: ServiceRequest<'_, GreetRequest>,
    ) -> ServiceResult<GreetResponse> {
        let greeting = demo::greet(request.name).map_err(ConnectError::invalid_argument)?;
        let response = GreetResponse {
            greeting,
            ..Default::default()
        };
        Response::new(response)
            .try_with_trailer(demo::GREETED, request.name)
            .map_err(|_| ConnectError::invalid_argument("the name cannot be sent in a trailer"))
    }

    async fn count(
        &self,
        _ctx: RequestContext,
        request: ServiceRequest<'_, CountRequest>,
    ) -> ServiceResult<ServiceStream<CountResponse>> {
        let numbers = demo::count(request.up_to).map(|number| {
            Ok(CountResponse {
                number,
                ..Default::default()
            })
        });
        Response::stream_ok(futures_util::stream::iter(numbers))
    }
}

/// Serves the demo service to Connect (and gRPC-Web) clients until `shutdown` is requested.
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    let rpc = connectrpc::Router::new().add_service(Arc::new(Demo));
    let app = axum::Router::new().fallback_service(rpc.into_axum_service());
    super::block_on(super::serve(&settings, app, on_listening, shutdown))
}

//! `grpc-web-server`: the demo service with tonic, translated for browsers by tonic-web.
//!
//! tonic sends no trailer of its own choosing on a successful call (only `grpc-status`): the
//! `x-greeted` of `Greet` goes in the response's metadata, a header, here.

use super::demo;
use crate as ex;
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};

/// The code tonic-prost-build generated from `proto/cors/demo/v1/demo.proto` (build.rs).
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/tonic/cors.demo.v1.rs"));
}
use proto::demo_service_server::{DemoService, DemoServiceServer};
use proto::{CountRequest, CountResponse, GreetRequest, GreetResponse};

struct Demo;

#[tonic::async_trait]
impl DemoService for Demo {
    async fn greet(&self, request: Request<GreetRequest>) -> Result<Response<GreetResponse>, Status> {
        let name = request.into_inner().name;
        let greeting = demo::greet(&name).map_err(Status::invalid_argument)?;
        let greeted = MetadataValue::try_from(name.as_str())
            .map_err(|_| Status::invalid_argument("the name cannot be sent in a header"))?;
        let mut response = Response::new(GreetResponse { greeting });
        response.metadata_mut().insert(demo::GREETED, greeted);
        Ok(response)
    }

    type CountStream = BoxStream<'static, Result<CountResponse, Status>>;

    async fn count(&self, request: Request<CountRequest>) -> Result<Response<Self::CountStream>, Status> {
        let numbers = demo::count(request.into_inner().up_to).map(|number| Ok(CountResponse { number }));
        Ok(Response::new(stream::iter(numbers).boxed()))
    }
}

/// Serves the demo service to gRPC-Web clients until `shutdown` is requested.
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    let grpc_web = tower_layer::Layer::layer(&tonic_web::GrpcWebLayer::new(), DemoServiceServer::new(Demo));
    let app = tonic::service::Routes::new(grpc_web).prepare().into_axum_router();
    super::block_on(super::serve(&settings, app, on_listening, shutdown))
}

//! The bytes on the wire: what a browser sends (tokens, the origin, the request view an adapter
//! gives the engine) and the vocabulary of the response's CORS headers (their names, the values
//! precomputed for them, `Vary`, which ones a response already has). Nothing here knows a
//! policy.

pub(crate) mod cors_header;
pub(crate) mod domain;
pub(crate) mod header_values;
pub(crate) mod origin;
pub(crate) mod present;
pub(crate) mod request;
pub(crate) mod same_origin;
pub(crate) mod target;
pub(crate) mod token;
pub(crate) mod vary;

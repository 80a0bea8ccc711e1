//! Method overrides (rules §9).
//!
//! A framework that rewrites the method from the body (Rocket's `_method` form field) lets a
//! page run a method it never preflighted: a browser sends the form POST without asking. So
//! such a request is decided as the preflight for the method the application will run would
//! have been, unless it comes from the server's own origin (a same-origin form).

pub(crate) use crate::wire::same_origin::is_same_origin;

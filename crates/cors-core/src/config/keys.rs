//! The keys of a policy file, with the type of each: what the file and environment readers
//! accept, and what an error about an unknown key lists.

/// How each key is written in the environment and read from it.
#[derive(Clone, Copy)]
pub(crate) enum KeyType {
    List,
    Bool,
    Number,
}

/// Every key, in the order the documentation lists them.
pub(crate) const KEYS: [(&str, KeyType); 11] = [
    ("allow_origins", KeyType::List),
    ("allow_origin_regex", KeyType::List),
    ("allow_null_origin", KeyType::Bool),
    ("allow_methods", KeyType::List),
    ("allow_headers", KeyType::List),
    ("expose_headers", KeyType::List),
    ("allow_credentials", KeyType::Bool),
    ("max_age", KeyType::Number),
    ("allow_private_network", KeyType::Bool),
    ("preflight_status", KeyType::Number),
    ("options_passthrough", KeyType::Bool),
];

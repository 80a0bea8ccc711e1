//! The case table's data model.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Every case file of a folder, merged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Named policies, each a table of policy-file keys.
    #[serde(default)]
    pub policies: BTreeMap<String, toml::Table>,
    /// The cases.
    #[serde(default, rename = "case")]
    pub cases: Vec<Case>,
    /// Policies every server must refuse to start with.
    #[serde(default, rename = "invalid")]
    pub invalid: Vec<InvalidPolicy>,
}

/// One request and what every framework must answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique id, prefixed by the section of `docs/rules.md` it checks (`s3-...`).
    pub id: String,
    /// The policy name (a key of `[policies]`).
    pub policy: String,
    /// Request method, sent as is.
    #[serde(default = "get")]
    pub method: String,
    /// Request target.
    #[serde(default = "default_path")]
    pub path: String,
    /// Header lines in order: `[name, value]`.
    #[serde(default)]
    pub headers: Vec<(String, HeaderValueSpec)>,
    /// What must come back.
    pub expect: Expect,
    /// Frameworks that cannot meet this case, each with the reason. The runner reports them
    /// as known, and fails the case once the framework meets it (so the mark gets removed).
    #[serde(default)]
    pub known_limitations: BTreeMap<String, String>,
}

fn get() -> String {
    "GET".into()
}

fn default_path() -> String {
    "/api/items".into()
}

/// A header value: text, raw bytes in hex, or a repeated string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HeaderValueSpec {
    /// Sent as its UTF-8 bytes.
    Text(String),
    /// `{ hex = "68 74 ff" }`: raw bytes.
    Hex {
        /// Hex digits, spaces ignored.
        hex: String,
    },
    /// `{ prefix = "https://", repeat = "a", times = 3000, suffix = ".com" }`.
    Repeat {
        /// Before the repetition.
        #[serde(default)]
        prefix: String,
        /// The repeated text.
        repeat: String,
        /// How many times.
        times: usize,
        /// After the repetition.
        #[serde(default)]
        suffix: String,
    },
}

impl HeaderValueSpec {
    /// The bytes to send.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            HeaderValueSpec::Text(s) => Ok(s.as_bytes().to_vec()),
            HeaderValueSpec::Hex { hex } => {
                let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                digits
                    .chunks(2)
                    .map(|pair| {
                        std::str::from_utf8(pair)
                            .ok()
                            .and_then(|s| u8::from_str_radix(s, 16).ok())
                            .ok_or_else(|| format!("bad hex {hex:?}"))
                    })
                    .collect()
            }
            HeaderValueSpec::Repeat {
                prefix,
                repeat,
                times,
                suffix,
            } => Ok(format!("{prefix}{}{suffix}", repeat.repeat(*times)).into_bytes()),
        }
    }
}

/// The expected response. Header names are matched case-insensitively.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Status code.
    pub status: u16,
    /// Whether the application's handler produced the response (`X-Handler: ran`).
    pub handler: bool,
    /// Headers that must be present with exactly this value (all lines joined by `, `).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// List headers that must hold exactly this set of tokens.
    #[serde(default)]
    pub tokens: BTreeMap<String, Vec<String>>,
    /// Headers that must be absent.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Exact number of lines of a header.
    #[serde(default)]
    pub lines: BTreeMap<String, usize>,
    /// `Vary` tokens that must each appear exactly once (case-insensitive).
    #[serde(default)]
    pub vary: Vec<String>,
    /// `Vary` tokens that must not appear.
    #[serde(default)]
    pub no_vary: Vec<String>,
    /// The body, exactly.
    pub body: Option<String>,
}

/// A policy every server must refuse: exit non-zero, and say why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidPolicy {
    /// Unique id.
    pub id: String,
    /// The file's extension: `toml`, `json` or `yaml`.
    #[serde(default = "toml_ext")]
    pub format: String,
    /// The file's text.
    pub text: String,
    /// Substrings the error output must contain.
    pub stderr_contains: Vec<String>,
}

fn toml_ext() -> String {
    "toml".into()
}

impl Suite {
    /// Loads and merges every `*.toml` file of `dir`, checking ids are unique and policies
    /// exist.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Suite, String> {
        let mut files: Vec<_> = std::fs::read_dir(dir.as_ref())
            .map_err(|e| format!("{}: {e}", dir.as_ref().display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut suite = Suite::default();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let part: Suite = toml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            for (name, policy) in part.policies {
                if suite.policies.insert(name.clone(), policy).is_some() {
                    return Err(format!("policy {name} defined twice"));
                }
            }
            suite.cases.extend(part.cases);
            suite.invalid.extend(part.invalid);
        }
        let mut ids = std::collections::BTreeSet::new();
        for case in &suite.cases {
            if !ids.insert(case.id.as_str()) {
                return Err(format!("case id {} used twice", case.id));
            }
            if !suite.policies.contains_key(&case.policy) {
                return Err(format!("case {} names unknown policy {}", case.id, case.policy));
            }
            for (_, v) in &case.headers {
                v.bytes().map_err(|e| format!("case {}: {e}", case.id))?;
            }
        }
        for inv in &suite.invalid {
            if !ids.insert(inv.id.as_str()) {
                return Err(format!("case id {} used twice", inv.id));
            }
        }
        Ok(suite)
    }
}

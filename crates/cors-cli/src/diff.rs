//! `cors diff`: where two policies decide differently, shown on sample requests that both
//! real policies evaluate.
//!
//! The samples are drawn from both files (each listed origin, method and header, a match and
//! a near-miss for each pattern, a few common values), so that whatever either policy names
//! is tried on the other. The engine decides every sample: nothing here matches CORS rules
//! itself, so the diff cannot disagree with what a server running either policy does.

use crate::answer::{headers_json, Answer};
use crate::check::{self, Loaded};
use crate::style::Style;
use crate::ColorChoice;
use cors_core::adapter::CorsHeader;
use cors_core::{Policy, PolicyConfig};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::PathBuf;

/// Exit status when every sample request is decided the same.
const SAME: u8 = 0;
/// Exit status when at least one is decided differently.
const DIFFERENT: u8 = 1;
/// Exit status when either file cannot be used.
const UNUSABLE: u8 = 2;

/// Methods tried besides the listed ones: those pages send most, and a lower-case `patch`,
/// which browsers send as written (they upper-case only DELETE, GET, HEAD, OPTIONS, POST, PUT).
const COMMON_METHODS: [&str; 4] = ["PUT", "PATCH", "DELETE", "patch"];
/// Request headers tried besides the listed ones.
const COMMON_HEADERS: [&str; 3] = ["content-type", "authorization", "x-api-key"];
/// An origin neither policy is likely to list, to show what each does with a stranger.
const UNLISTED_ORIGIN: &str = "https://unlisted.example";
/// How many other samples a repeated difference names in text (JSON lists them all).
const MAX_ALSO: usize = 5;

/// Arguments of `cors diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The policy in use (.toml, .json, .yaml or .yml).
    old: PathBuf,
    /// The policy to compare it with, in any of the same formats. CORS_* environment
    /// variables override the keys of both files, as in the library.
    new: PathBuf,
}

/// What a sample request is about: what it varies, with everything else held fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Origin,
    Method,
    Header,
    PrivateNetwork,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Origin => "origin",
            Kind::Method => "method",
            Kind::Header => "header",
            Kind::PrivateNetwork => "private network",
        }
    }

    fn topic(self) -> Topic {
        match self {
            Kind::Origin => Topic::Origins,
            Kind::Method => Topic::Methods,
            Kind::Header => Topic::Headers,
            Kind::PrivateNetwork => Topic::PrivateNetwork,
        }
    }
}

/// What a difference is about, in the order the report lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Topic {
    Origins,
    Methods,
    Headers,
    Credentials,
    ExposedHeaders,
    MaxAge,
    PrivateNetwork,
    PreflightStatus,
    OptionsPassthrough,
    Vary,
}

impl Topic {
    fn name(self) -> &'static str {
        match self {
            Topic::Origins => "origins",
            Topic::Methods => "methods",
            Topic::Headers => "headers",
            Topic::Credentials => "credentials",
            Topic::ExposedHeaders => "exposed headers",
            Topic::MaxAge => "max age",
            Topic::PrivateNetwork => "private network",
            Topic::PreflightStatus => "preflight status",
            Topic::OptionsPassthrough => "OPTIONS passthrough",
            Topic::Vary => "vary",
        }
    }

    /// The topic a differing response header belongs to.
    fn of_header(header: CorsHeader) -> Topic {
        match header {
            CorsHeader::AllowOrigin => Topic::Origins,
            CorsHeader::AllowCredentials => Topic::Credentials,
            CorsHeader::AllowMethods => Topic::Methods,
            CorsHeader::AllowHeaders => Topic::Headers,
            CorsHeader::ExposeHeaders => Topic::ExposedHeaders,
            CorsHeader::MaxAge => Topic::MaxAge,
            CorsHeader::AllowPrivateNetwork => Topic::PrivateNetwork,
        }
    }
}

/// A part of an answer besides its decision, which two answers may differ in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The status the CORS layer answers with, or the handler answering instead.
    Status,
    /// A CORS response header.
    Header(CorsHeader),
    /// The names appended to `Vary`.
    Vary,
}

impl Part {
    /// The name the JSON output lists.
    fn name(self) -> &'static str {
        match self {
            Part::Status => "status",
            Part::Header(header) => header.name(),
            Part::Vary => "vary",
        }
    }

    /// The name the text headline gives.
    fn described(self) -> &'static str {
        match self {
            Part::Status => "the preflight's status",
            Part::Header(header) => header.name(),
            Part::Vary => "vary",
        }
    }
}

/// One difference a sample shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Change {
    /// One policy allows what the other refuses; these parts of the answer change with it.
    Decision(Vec<Part>),
    /// Both decide the same, but this part of the answer differs.
    Part(Part),
}

impl Change {
    /// Whether the same change on other samples is reported once: a changed decision names
    /// a different origin, method or header on each sample, a changed part is usually the
    /// same change on every granted sample (credentials turned on).
    fn repeats(&self) -> bool {
        match self {
            Change::Decision(_) => false,
            Change::Part(_) => true,
        }
    }

    /// What differs, as the JSON output lists it.
    fn names(&self) -> Vec<&'static str> {
        match self {
            Change::Decision(parts) => std::iter::once("outcome")
                .chain(parts.iter().map(|p| p.name()))
                .collect(),
            Change::Part(part) => vec![part.name()],
        }
    }
}

/// One request sent to both policies.
struct Sample {
    kind: Kind,
    value: String,
    method: &'static str,
    sent: Vec<(String, String)>,
}

impl Sample {
    fn actual(origin: &str) -> Sample {
        Sample {
            kind: Kind::Origin,
            value: origin.to_owned(),
            method: "GET",
            sent: vec![("origin".to_owned(), origin.to_owned())],
        }
    }

    fn preflight(kind: Kind, value: &str, origin: &str, extra: &[(&str, &str)]) -> Sample {
        let mut sent = vec![("origin".to_owned(), origin.to_owned())];
        sent.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
        Sample {
            kind,
            value: value.to_owned(),
            method: "OPTIONS",
            sent,
        }
    }

    fn subject(&self) -> String {
        match self.kind {
            Kind::PrivateNetwork => "private network preflight".to_owned(),
            kind => format!("{} {}", kind.name(), self.value),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "headers": headers_json(&self.sent),
        })
    }
}

/// One sample and both answers.
struct Compared {
    sample: Sample,
    old: Answer,
    new: Answer,
}

impl Compared {
    fn new(old: &Policy, new: &Policy, sample: Sample) -> Compared {
        Compared {
            old: Answer::of(old, sample.method, &sample.sent),
            new: Answer::of(new, sample.method, &sample.sent),
            sample,
        }
    }

    fn both_allowed(&self) -> bool {
        self.old.allowed() && self.new.allowed()
    }

    /// The parts of the answers, besides the decision, that the client sees differently. A
    /// refusal's reason is not one: it is shown, but the client never sees it.
    fn parts(&self) -> Vec<Part> {
        let (old, new) = (&self.old, &self.new);
        let mut parts = Vec::new();
        if old.route != new.route {
            parts.push(Part::Status);
        }
        for header in CorsHeader::ALL {
            if old.header(header) != new.header(header) {
                parts.push(Part::Header(header));
            }
        }
        if old.vary != new.vary {
            parts.push(Part::Vary);
        }
        parts
    }

    /// The differences this sample shows, each with the key behind it. A changed decision is
    /// one difference, about what the sample varies (the headers change with it); otherwise
    /// each differing part of the answer is its own, so that credentials turned on and an
    /// exposed header added are reported apart.
    fn changes(&self) -> Vec<(Topic, Change)> {
        let parts = self.parts();
        if self.old.verdict != self.new.verdict {
            return vec![(self.sample.kind.topic(), Change::Decision(parts))];
        }
        parts
            .into_iter()
            .map(|p| (self.topic_of(p), Change::Part(p)))
            .collect()
    }

    fn topic_of(&self, part: Part) -> Topic {
        match part {
            // The layer answering on one side and the handler on the other is passthrough.
            Part::Status if self.old.status().is_none() || self.new.status().is_none() => {
                Topic::OptionsPassthrough
            }
            Part::Status => Topic::PreflightStatus,
            Part::Header(header) => Topic::of_header(header),
            Part::Vary => Topic::Vary,
        }
    }

    fn headline(&self, change: &Change, style: Style) -> String {
        let painted = |a: &Answer| a.verdict.paint(a.verdict.word(), style);
        match change {
            Change::Decision(_) => format!(
                "{}: {} by OLD, {} by NEW",
                self.sample.subject(),
                painted(&self.old),
                painted(&self.new)
            ),
            Change::Part(part) => format!(
                "{}: {} by both, but {} differs",
                self.sample.subject(),
                painted(&self.old),
                part.described()
            ),
        }
    }
}

/// Every sample, both answers, and the origin the preflight samples were sent from.
struct Comparison {
    compared: Vec<Compared>,
    /// An origin both policies allow, so that a method or header sample tests the method or
    /// header; `None` when there is none.
    reference: Option<String>,
}

fn compare(old: &Policy, new: &Policy) -> Comparison {
    let configs = [old.to_config(), new.to_config()];
    let mut compared: Vec<Compared> = origin_samples(&configs)
        .iter()
        .map(|o| Compared::new(old, new, Sample::actual(o)))
        .collect();
    let reference = compared
        .iter()
        .find(|c| c.both_allowed())
        .map(|c| c.sample.value.clone());
    if let Some(origin) = &reference {
        for sample in preflight_samples(&configs, origin) {
            compared.push(Compared::new(old, new, sample));
        }
    }
    Comparison { compared, reference }
}

/// Keeps the first of equal values, in order.
fn dedup(values: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    values.into_iter().filter(|v| seen.insert(v.clone())).collect()
}

fn origin_samples(configs: &[PolicyConfig]) -> Vec<String> {
    let mut origins = Vec::new();
    for config in configs {
        for entry in config.allow_origins.iter().filter(|e| *e != "*") {
            if entry.contains('*') {
                origins.extend(pattern_samples(entry));
            } else {
                origins.push(entry.clone());
            }
        }
        origins.extend(config.allow_origin_regex.iter().filter_map(|r| regex_sample(r)));
    }
    origins.push("null".to_owned());
    origins.push(UNLISTED_ORIGIN.to_owned());
    dedup(origins)
}

/// Method, header and private-network preflights from `origin`, which both policies allow.
fn preflight_samples(configs: &[PolicyConfig], origin: &str) -> Vec<Sample> {
    let listed = |pick: fn(&PolicyConfig) -> &Vec<String>| -> Vec<String> {
        configs
            .iter()
            .flat_map(|c| pick(c).iter().filter(|v| *v != "*").cloned())
            .collect()
    };
    let mut methods = listed(|c| &c.allow_methods);
    methods.extend(COMMON_METHODS.map(str::to_owned));
    // Browsers send header names lower-cased.
    let mut headers: Vec<String> = listed(|c| &c.allow_headers)
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    headers.extend(COMMON_HEADERS.map(str::to_owned));
    let acrm = "access-control-request-method";
    let mut samples: Vec<Sample> = dedup(methods)
        .iter()
        .map(|m| Sample::preflight(Kind::Method, m, origin, &[(acrm, m)]))
        .collect();
    samples.extend(dedup(headers).iter().map(|h| {
        let extra = [(acrm, "POST"), ("access-control-request-headers", h.as_str())];
        Sample::preflight(Kind::Header, h, origin, &extra)
    }));
    let extra = [(acrm, "GET"), ("access-control-request-private-network", "true")];
    samples.push(Sample::preflight(Kind::PrivateNetwork, "true", origin, &extra));
    samples
}

/// A match and a near-miss for a pattern entry: `scheme://*.suffix` gives a subdomain and the
/// bare suffix (which `*.` does not cover); `scheme://host:*` gives a port and the other
/// scheme. Samples only: the policies decide them.
fn pattern_samples(entry: &str) -> Vec<String> {
    let Some((scheme, authority)) = entry.split_once("://") else {
        return Vec::new();
    };
    let (host, port) = match authority.rfind(':') {
        // An IPv6 host's own colons are inside its brackets.
        Some(i) if !authority[i..].contains(']') => (&authority[..i], &authority[i..]),
        _ => (authority, ""),
    };
    let port = if port == ":*" { ":8080" } else { port };
    match host.strip_prefix("*.") {
        Some(suffix) => vec![
            format!("{scheme}://sub.{suffix}{port}"),
            format!("{scheme}://{suffix}{port}"),
        ],
        None => {
            let other = if scheme == "https" { "http" } else { "https" };
            vec![
                format!("{scheme}://{host}{port}"),
                format!("{other}://{host}{port}"),
            ]
        }
    }
}

/// Longest sample drawn from a regex: origins are short.
const SAMPLE_MAX_LEN: usize = 256;
/// Deepest nesting of a regex drawn from: origin regexes are shallow, and the walk recurses.
const SAMPLE_NEST_LIMIT: u32 = 32;

/// An origin the regex matches, written down from its parsed form, and kept only when a policy
/// with that regex alone really allows it (so a sample is never wrong, only sometimes missing).
fn regex_sample(regex: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(SAMPLE_NEST_LIMIT)
        .build()
        .parse(regex)
        .ok()?;
    let mut sample = String::new();
    write_sample(&hir, &mut sample)?;
    let alone = Policy::builder().allow_origin_regex([regex]).build().ok()?;
    alone.allows_origin(sample.as_bytes()).then_some(sample)
}

/// Appends a string `hir` matches: literals as written, the first alternative, a repetition
/// its minimum but at least once (so that optional parts show), one member of a class. Anchors
/// and word boundaries are skipped; the policy check settles them. `None` past
/// [`SAMPLE_MAX_LEN`] or for what matches nothing.
fn write_sample(hir: &Hir, out: &mut String) -> Option<()> {
    if hir.properties().minimum_len()? > SAMPLE_MAX_LEN.saturating_sub(out.len()) {
        return None;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(std::str::from_utf8(&literal.0).ok()?),
        HirKind::Class(class) => out.push(class_member(class, out.ends_with(':'))?),
        HirKind::Capture(capture) => write_sample(&capture.sub, out)?,
        HirKind::Concat(parts) => {
            for part in parts {
                write_sample(part, out)?;
            }
        }
        HirKind::Alternation(alternatives) => write_sample(alternatives.first()?, out)?,
        HirKind::Repetition(repetition) => {
            for _ in 0..repetition.min.max(1) {
                let before = out.len();
                write_sample(&repetition.sub, out)?;
                // Every round writes the same; one that writes nothing ends a long loop early.
                if out.len() == before {
                    break;
                }
            }
        }
    }
    (out.len() <= SAMPLE_MAX_LEN).then_some(())
}

/// One member of a class, a hostname's or port's own when it has one: the first lower-case
/// letter, else the first digit (but 0 right after a `:`, as no port starts with 0), else its
/// first member.
fn class_member(class: &Class, after_colon: bool) -> Option<char> {
    let ranges: Vec<(char, char)> = match class {
        Class::Unicode(c) => c.ranges().iter().map(|r| (r.start(), r.end())).collect(),
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .filter(|r| r.start().is_ascii())
            .map(|r| (char::from(r.start()), char::from(r.end().min(0x7f))))
            .collect(),
    };
    let first_in = |low: char, high: char| {
        ranges
            .iter()
            .find(|&&(start, end)| start <= high && end >= low)
            .map(|&(start, _)| start.max(low))
    };
    let digit = if after_colon {
        first_in('1', '9').or_else(|| first_in('0', '0'))
    } else {
        first_in('0', '9')
    };
    first_in('a', 'z')
        .or(digit)
        .or_else(|| ranges.first().map(|&(start, _)| start))
}

/// The keys whose values differ between the two configurations, whether or not any request
/// shows it (a reordered list, a method that always passes).
fn keys_changed(old: &PolicyConfig, new: &PolicyConfig) -> Vec<String> {
    let object = |c: &PolicyConfig| match check::summary_json(c) {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let (old, new) = (object(old), object(new));
    let mut keys: Vec<String> = old.keys().chain(new.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.retain(|k| old.get(k) != new.get(k));
    keys
}

/// Samples that differ the same way; the first is shown in full.
struct Group<'a> {
    topic: Topic,
    change: Change,
    first: &'a Compared,
    /// The other samples with the same change.
    also: Vec<&'a Compared>,
}

impl<'a> Group<'a> {
    fn members(&self) -> impl Iterator<Item = &'a Compared> + '_ {
        std::iter::once(self.first).chain(self.also.iter().copied())
    }
}

/// Differences in report order, a repeated change once with all its samples.
fn group(compared: &[Compared]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for c in compared {
        for (topic, change) in c.changes() {
            let same_change = groups
                .iter_mut()
                .find(|g| change.repeats() && g.topic == topic && g.change == change);
            match same_change {
                Some(g) => g.also.push(c),
                None => groups.push(Group {
                    topic,
                    change,
                    first: c,
                    also: Vec::new(),
                }),
            }
        }
    }
    groups.sort_by_key(|g| g.topic);
    groups
}

/// Runs `cors diff` and returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style) -> u8 {
    let loaded = [check::load(&args.old), check::load(&args.new)];
    let [Loaded::Valid(old), Loaded::Valid(new)] = &loaded else {
        report_unusable(args, &loaded, json, style);
        return UNUSABLE;
    };
    let comparison = compare(old, new);
    let groups = group(&comparison.compared);
    let keys = keys_changed(&old.to_config(), &new.to_config());
    let report = Report {
        args,
        loaded: &loaded,
        env: check::env_overrides(),
        comparison: &comparison,
        groups: &groups,
        keys,
    };
    if json {
        println!("{:#}", report.to_json());
    } else {
        report.print(style);
    }
    if groups.is_empty() {
        SAME
    } else {
        DIFFERENT
    }
}

/// Everything the output shows.
struct Report<'a> {
    args: &'a Args,
    loaded: &'a [Loaded; 2],
    env: Vec<String>,
    comparison: &'a Comparison,
    groups: &'a [Group<'a>],
    keys: Vec<String>,
}

impl Report<'_> {
    fn topics(&self) -> Vec<&'static str> {
        let mut topics: Vec<Topic> = self.groups.iter().map(|g| g.topic).collect();
        topics.dedup();
        topics.into_iter().map(Topic::name).collect()
    }

    fn differing_samples(&self) -> usize {
        let compared = &self.comparison.compared;
        compared.iter().filter(|c| !c.changes().is_empty()).count()
    }

    /// Side notes: what was not compared, and keys that changed without a visible effect.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.comparison.reference.is_none() {
            notes.push(
                "no sample origin is allowed by both policies, so methods, headers and private \
                 network preflights were not compared"
                    .to_owned(),
            );
        }
        if self.groups.is_empty() && !self.keys.is_empty() {
            notes.push(format!(
                "the files differ in {}, but no sample request tells them apart",
                self.keys.join(", ")
            ));
        }
        notes
    }

    fn to_json(&self) -> Value {
        let differences: Vec<Value> = self
            .groups
            .iter()
            .flat_map(|g| g.members().map(|c| difference_json(g, c)))
            .collect();
        json!({
            "old": check::file_json(&self.args.old, &self.loaded[0]),
            "new": check::file_json(&self.args.new, &self.loaded[1]),
            "status": if self.groups.is_empty() { "same" } else { "different" },
            "env_overrides": self.env,
            "samples": self.comparison.compared.len(),
            "differing_samples": self.differing_samples(),
            "reference_origin": self.comparison.reference,
            "differs_in": self.topics(),
            "keys_changed": self.keys,
            "differences": differences,
            "notes": self.notes(),
        })
    }

    fn print(&self, style: Style) {
        println!("{} {}", style.bold("OLD"), self.args.old.display());
        println!("{} {}", style.bold("NEW"), self.args.new.display());
        if !self.env.is_empty() {
            println!(
                "{} {} override{} both files",
                style.dim("environment:"),
                self.env.join(", "),
                if self.env.len() == 1 { "s" } else { "" }
            );
        }
        let mut topic = None;
        for g in self.groups {
            if topic != Some(g.topic) {
                println!();
                println!("{}", style.bold(g.topic.name()));
                topic = Some(g.topic);
            }
            print_group(g, style);
        }
        println!();
        for note in self.notes() {
            println!("{} {note}", style.dim("note:"));
        }
        self.print_verdict(style);
    }

    fn print_verdict(&self, style: Style) {
        let total = self.comparison.compared.len();
        if self.groups.is_empty() {
            println!(
                "{}: the policies decide the same on all {total} sample requests",
                style.green("same")
            );
        } else {
            println!(
                "{}: {} of {total} sample requests are decided differently ({})",
                style.red("different"),
                self.differing_samples(),
                self.topics().join(", ")
            );
        }
    }
}

fn difference_json(g: &Group<'_>, c: &Compared) -> Value {
    json!({
        "topic": g.topic.name(),
        "kind": c.sample.kind.name(),
        "value": c.sample.value,
        "summary": c.headline(&g.change, Style::for_stdout(ColorChoice::Never)),
        "differs": g.change.names(),
        "request": c.sample.to_json(),
        "old": c.old.to_json(),
        "new": c.new.to_json(),
    })
}

fn print_group(g: &Group<'_>, style: Style) {
    let c = g.first;
    println!("  {}", c.headline(&g.change, style));
    println!("    {} {}", style.dim(">"), c.sample.method);
    for (n, v) in &c.sample.sent {
        println!("    {} {n}: {v}", style.dim(">"));
    }
    print_side("OLD", &c.old, &g.change, style);
    print_side("NEW", &c.new, &g.change, style);
    if g.also.is_empty() {
        return;
    }
    let shown: Vec<String> = g.also.iter().take(MAX_ALSO).map(|c| c.sample.subject()).collect();
    let more = g.also.len() - shown.len();
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let also = format!("the same on {}{tail}", shown.join(", "));
    println!("    {}", style.dim(&also));
}

/// One policy's decision and its answer: all of it when the decisions differ, otherwise the
/// part that differs from the other policy's.
fn print_side(label: &str, answer: &Answer, change: &Change, style: Style) {
    let decision = match &answer.reason {
        Some(reason) => format!("{}: {reason}", answer.verdict.word()),
        None => answer.verdict.word().to_owned(),
    };
    println!(
        "    {}  {}",
        style.dim(label),
        answer.verdict.paint(&decision, style)
    );
    let line = |text: &str| println!("         {text}");
    let header = |name: &str, value: &str| line(&format!("{} {name}: {value}", style.dim("<")));
    match change {
        Change::Decision(_) => {
            if answer.status().is_some() {
                line(&answered_by(answer));
            }
            if answer.headers.is_empty() {
                line(&style.dim("no CORS headers"));
            }
            for (name, value) in &answer.headers {
                header(name, value);
            }
        }
        Change::Part(Part::Status) => line(&answered_by(answer)),
        Change::Part(Part::Header(h)) => header(h.name(), answer.header(*h).unwrap_or("(none)")),
        Change::Part(Part::Vary) => header(
            "vary",
            &answer.vary_value().unwrap_or_else(|| "(none)".to_owned()),
        ),
    }
}

/// Who answers, in a few words: the CORS layer with its status, or the handler.
fn answered_by(answer: &Answer) -> String {
    match answer.status() {
        Some(status) => format!("{status} from the CORS layer"),
        None => "the handler answers".to_owned(),
    }
}

fn report_unusable(args: &Args, loaded: &[Loaded; 2], json: bool, style: Style) {
    let files = [&args.old, &args.new];
    if json {
        let doc = json!({
            "old": check::file_json(files[0], &loaded[0]),
            "new": check::file_json(files[1], &loaded[1]),
            "status": "unusable",
        });
        println!("{doc:#}");
        return;
    }
    for (path, loaded) in files.iter().zip(loaded) {
        match loaded {
            Loaded::Valid(_) => {}
            Loaded::Unreadable(message) => eprintln!("{} {message}", style.red("error:")),
            Loaded::Invalid(errors) => {
                let heading = check::invalid_heading(&path.display().to_string(), errors, style);
                eprintln!("{} {heading}", style.red("error:"));
                for e in errors {
                    eprintln!("{}", check::error_line(e, style));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_give_a_match_and_a_near_miss() {
        assert_eq!(
            pattern_samples("https://*.example.com"),
            ["https://sub.example.com", "https://example.com"]
        );
        assert_eq!(
            pattern_samples("http://localhost:*"),
            ["http://localhost:8080", "https://localhost:8080"]
        );
        assert_eq!(
            pattern_samples("https://*.example.com:8443"),
            ["https://sub.example.com:8443", "https://example.com:8443"]
        );
        assert_eq!(
            pattern_samples("http://[::1]:*"),
            ["http://[::1]:8080", "https://[::1]:8080"]
        );
        assert!(pattern_samples("*").is_empty());
    }

    /// True when a policy with `regex` alone allows `origin`.
    fn allowed_by(regex: &str, origin: &str) -> bool {
        Policy::builder()
            .allow_origin_regex([regex])
            .build()
            .is_ok_and(|p| p.allows_origin(origin.as_bytes()))
    }

    #[test]
    fn simple_regexes_give_a_sample_the_regex_allows() {
        let cases = [
            (
                r"https://pr-[0-9]+\.preview\.example\.com",
                "https://pr-0.preview.example.com",
            ),
            (r"^https://(app|admin)\.example\.com$", "https://app.example.com"),
            (r"https://([a-z0-9-]+\.)?example\.org", "https://a.example.org"),
            // `\d` is the class [0-9] once parsed, sampled like it (the old parser wrote 1).
            (r"https://pr-\d{3}\.example\.net", "https://pr-000.example.net"),
            // The old parser gave up on these three.
            (r"https://[^.]+\.example\.com", "https://a.example.com"),
            (r"https://\bexample\.com", "https://example.com"),
            (r"https://(?i)EXAMPLE\.com", "https://example.com"),
            // A port does not start with 0.
            (r"http://localhost:[0-9]+", "http://localhost:1"),
            (r"http://localhost:\d{4}", "http://localhost:1000"),
            (
                r"https?://(www\.)?example\.com(:\d+)?",
                "https://www.example.com:1",
            ),
            (r"https://\w+\.example\.com", "https://a.example.com"),
            (r"(?-u:https://[a-z]+\.example\.com)", "https://a.example.com"),
            ("((((((((((((https://a\\.example))))))))))))", "https://a.example"),
            // Rounds that write nothing end a long repetition.
            (r"https://(?:\b){4294967295}x", "https://x"),
            (r"https://(?:|a){1000}x", "https://x"),
        ];
        for (regex, sample) in cases {
            assert_eq!(regex_sample(regex).as_deref(), Some(sample), "{regex}");
            assert!(allowed_by(regex, sample), "{regex}");
        }
    }

    #[test]
    fn other_regexes_give_none_and_never_panic() {
        let deep = format!("{}https://a\\.example{}", "(".repeat(10_000), ")".repeat(10_000));
        let regexes = [
            // No origin is written in capitals or starts a port with 0.
            r"https://[A-Z]+\.example\.com",
            r"http://localhost:0\d+",
            "(((((((((((a)))))))))))",
            "[",
            "(",
            "a{",
            "a{99999999999999999999}",
            "\\",
            "",
            // Nothing matches an empty class.
            r"https://[^\x00-\x{10FFFF}]\.example",
            // Too long to be an origin, however it is nested.
            "https://a{4294967295}",
            "https://((a{1000}){1000}){1000}",
            // Too big for the engine, and sampled at once all the same.
            r"https://(?:|a){4294967295}x",
            &deep,
        ];
        for regex in regexes {
            assert_eq!(regex_sample(regex), None, "{regex:.60}");
        }
    }

    #[test]
    fn any_sample_is_allowed_by_its_regex() {
        let regexes = [
            r"https://.*",
            r"https://.+\.example\.com",
            r"(?s)https://.\.example\.com",
            r"https://[\-.a]x\.com",
            r"https://(?:|a)b\.com",
            r"https://(?:[^a-z0-9]|b)\.com",
            r"https://a{0}b\.com",
            r"https://(a|b)*?c\.com",
            r"\Ahttps://x\.com\z",
            r"https://x\.com(?m:$)",
            r"(?x) https :// x \. com  # comment",
            r"https://\p{Greek}\.com",
            r"https://é\.com",
            r"https://[[:alpha:]&&[:lower:]]\.com",
        ];
        for regex in regexes {
            if let Some(sample) = regex_sample(regex) {
                assert!(allowed_by(regex, &sample), "{regex} gave {sample}");
            }
        }
    }
}

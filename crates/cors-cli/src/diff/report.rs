//! How `cors diff` shows the differences: grouped by topic for people, one JSON document for
//! machines.

use super::compare::{Change, Compared, Comparison, Group, Part, Topic};
use crate::answer::Answer;
use crate::check::{self, Loaded};
use crate::style::Style;
use crate::ColorChoice;
use serde_json::{json, Map, Value};
use std::path::Path;

/// How many other samples a repeated difference names in text (JSON lists them all).
const MAX_ALSO: usize = 5;

/// Everything the output shows.
pub(super) struct Report<'a> {
    /// The old file and the new.
    pub(super) files: [&'a Path; 2],
    pub(super) loaded: &'a [Loaded; 2],
    pub(super) env: Vec<String>,
    pub(super) differences: Differences<'a>,
}

impl Report<'_> {
    pub(super) fn to_json(&self) -> Value {
        let mut doc = Map::new();
        doc.insert(
            "old".into(),
            check::file_json(self.files[0], &self.loaded[0]).into(),
        );
        doc.insert(
            "new".into(),
            check::file_json(self.files[1], &self.loaded[1]).into(),
        );
        let status = if self.differences.is_same() {
            "same"
        } else {
            "different"
        };
        doc.insert("status".into(), status.into());
        doc.insert("env_overrides".into(), json!(self.env));
        doc.extend(self.differences.json_fields());
        Value::Object(doc)
    }

    pub(super) fn print(&self, style: Style) {
        print_files(self.files, &self.env, style);
        self.differences.print_groups("", style);
        println!();
        self.differences.print_notes("", style);
        println!("{}", self.differences.verdict(style));
    }
}

/// The two files and the `CORS_*` variables that override them.
pub(super) fn print_files(files: [&Path; 2], env: &[String], style: Style) {
    println!("{} {}", style.bold("OLD"), files[0].display());
    println!("{} {}", style.bold("NEW"), files[1].display());
    if !env.is_empty() {
        println!(
            "{} {} override{} both files",
            style.dim("environment:"),
            env.join(", "),
            if env.len() == 1 { "s" } else { "" }
        );
    }
}

/// Where two policies decide differently: every sample, the differences grouped, and the
/// keys whose values differ.
pub(super) struct Differences<'a> {
    pub(super) comparison: &'a Comparison,
    pub(super) groups: &'a [Group<'a>],
    pub(super) keys: Vec<String>,
}

impl Differences<'_> {
    /// Whether every sample is decided the same.
    pub(super) fn is_same(&self) -> bool {
        self.groups.is_empty()
    }

    /// What the differences are about, in report order.
    pub(super) fn topics(&self) -> Vec<&'static str> {
        let mut topics: Vec<Topic> = self.groups.iter().map(|g| g.topic).collect();
        topics.dedup();
        topics.into_iter().map(Topic::name).collect()
    }

    /// How many sample requests were compared.
    pub(super) fn samples(&self) -> usize {
        self.comparison.compared.len()
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

    /// The JSON output's fields about the comparison: the samples, the differences, the notes.
    pub(super) fn json_fields(&self) -> Map<String, Value> {
        let differences: Vec<Value> = self
            .groups
            .iter()
            .flat_map(|g| g.members().map(|c| difference_json(g, c)))
            .collect();
        let mut doc = Map::new();
        doc.insert("samples".into(), json!(self.samples()));
        doc.insert("differing_samples".into(), json!(self.differing_samples()));
        doc.insert("reference_origin".into(), json!(self.comparison.reference));
        doc.insert("differs_in".into(), json!(self.topics()));
        doc.insert("keys_changed".into(), json!(self.keys));
        doc.insert("differences".into(), Value::Array(differences));
        doc.insert("notes".into(), json!(self.notes()));
        doc
    }

    /// The differences under their topics, each line after `pad`.
    pub(super) fn print_groups(&self, pad: &str, style: Style) {
        let mut topic = None;
        for g in self.groups {
            if topic != Some(g.topic) {
                println!();
                println!("{pad}{}", style.bold(g.topic.name()));
                topic = Some(g.topic);
            }
            print_group(g, pad, style);
        }
    }

    /// The notes, each line after `pad`.
    pub(super) fn print_notes(&self, pad: &str, style: Style) {
        for note in self.notes() {
            println!("{pad}{} {note}", style.dim("note:"));
        }
    }

    /// The verdict in one line: `same: ...` or `different: N of M sample requests ...`.
    pub(super) fn verdict(&self, style: Style) -> String {
        let total = self.samples();
        if self.groups.is_empty() {
            format!(
                "{}: the policies decide the same on all {total} sample requests",
                style.green("same")
            )
        } else {
            format!(
                "{}: {} of {total} sample requests are decided differently ({})",
                style.red("different"),
                self.differing_samples(),
                self.topics().join(", ")
            )
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

fn print_group(g: &Group<'_>, pad: &str, style: Style) {
    let c = g.first;
    println!("{pad}  {}", c.headline(&g.change, style));
    println!("{pad}    {} {}", style.dim(">"), c.sample.method);
    for (n, v) in &c.sample.sent {
        println!("{pad}    {} {n}: {v}", style.dim(">"));
    }
    print_side("OLD", &c.old, &g.change, pad, style);
    print_side("NEW", &c.new, &g.change, pad, style);
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
    println!("{pad}    {}", style.dim(&also));
}

/// One policy's decision and its answer: all of it when the decisions differ, otherwise the
/// part that differs from the other policy's.
fn print_side(label: &str, answer: &Answer, change: &Change, pad: &str, style: Style) {
    let decision = match &answer.reason {
        Some(reason) => format!("{}: {reason}", answer.verdict.word()),
        None => answer.verdict.word().to_owned(),
    };
    println!(
        "{pad}    {}  {}",
        style.dim(label),
        answer.verdict.paint(&decision, style)
    );
    let line = |text: &str| println!("{pad}         {text}");
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

pub(super) fn report_unusable(files: [&Path; 2], loaded: &[Loaded; 2], json: bool, style: Style) {
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
            Loaded::Valid(_) | Loaded::Set(_) => {}
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

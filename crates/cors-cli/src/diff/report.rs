//! How `cors diff` shows the differences: grouped by topic for people, one JSON document for
//! machines.

use super::compare::{Change, Compared, Comparison, Group, Part, Topic};
use crate::answer::Answer;
use crate::check::{self, Loaded};
use crate::style::Style;
use crate::ColorChoice;
use serde_json::{json, Value};
use std::path::Path;

/// How many other samples a repeated difference names in text (JSON lists them all).
const MAX_ALSO: usize = 5;

/// Everything the output shows.
pub(super) struct Report<'a> {
    /// The old file and the new.
    pub(super) files: [&'a Path; 2],
    pub(super) loaded: &'a [Loaded; 2],
    pub(super) env: Vec<String>,
    pub(super) comparison: &'a Comparison,
    pub(super) groups: &'a [Group<'a>],
    pub(super) keys: Vec<String>,
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

    pub(super) fn to_json(&self) -> Value {
        let differences: Vec<Value> = self
            .groups
            .iter()
            .flat_map(|g| g.members().map(|c| difference_json(g, c)))
            .collect();
        json!({
            "old": check::file_json(self.files[0], &self.loaded[0]),
            "new": check::file_json(self.files[1], &self.loaded[1]),
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

    pub(super) fn print(&self, style: Style) {
        println!("{} {}", style.bold("OLD"), self.files[0].display());
        println!("{} {}", style.bold("NEW"), self.files[1].display());
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

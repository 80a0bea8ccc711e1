//! Where two policies decide differently: every sample answered by both, the differences
//! it shows, and the differences grouped for the report.

use super::samples::{origin_samples, preflight_samples, Kind, Sample};
use crate::answer::Answer;
use crate::check;
use crate::style::Style;
use cors_core::adapter::CorsHeader;
use cors_core::{Policy, PolicyConfig};
use serde_json::Value;

/// What a difference is about, in the order the report lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Topic {
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
    pub(super) fn name(self) -> &'static str {
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

    /// The topic of a difference in the decision on a sample about `kind`.
    fn of_kind(kind: Kind) -> Topic {
        match kind {
            Kind::Origin => Topic::Origins,
            Kind::Method => Topic::Methods,
            Kind::Header => Topic::Headers,
            Kind::PrivateNetwork => Topic::PrivateNetwork,
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
pub(super) enum Part {
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
pub(super) enum Change {
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
    pub(super) fn names(&self) -> Vec<&'static str> {
        match self {
            Change::Decision(parts) => std::iter::once("outcome")
                .chain(parts.iter().map(|p| p.name()))
                .collect(),
            Change::Part(part) => vec![part.name()],
        }
    }
}

/// One sample and both answers.
pub(super) struct Compared {
    pub(super) sample: Sample,
    pub(super) old: Answer,
    pub(super) new: Answer,
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
    pub(super) fn changes(&self) -> Vec<(Topic, Change)> {
        let parts = self.parts();
        if self.old.verdict != self.new.verdict {
            return vec![(Topic::of_kind(self.sample.kind), Change::Decision(parts))];
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

    pub(super) fn headline(&self, change: &Change, style: Style) -> String {
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
pub(super) struct Comparison {
    pub(super) compared: Vec<Compared>,
    /// An origin both policies allow, so that a method or header sample tests the method or
    /// header; `None` when there is none.
    pub(super) reference: Option<String>,
}

pub(super) fn compare(old: &Policy, new: &Policy) -> Comparison {
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

/// The keys whose values differ between the two configurations, whether or not any request
/// shows it (a reordered list, a method that always passes).
pub(super) fn keys_changed(old: &PolicyConfig, new: &PolicyConfig) -> Vec<String> {
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
pub(super) struct Group<'a> {
    pub(super) topic: Topic,
    pub(super) change: Change,
    pub(super) first: &'a Compared,
    /// The other samples with the same change.
    pub(super) also: Vec<&'a Compared>,
}

impl<'a> Group<'a> {
    pub(super) fn members(&self) -> impl Iterator<Item = &'a Compared> + '_ {
        std::iter::once(self.first).chain(self.also.iter().copied())
    }
}

/// Differences in report order, a repeated change once with all its samples.
pub(super) fn group(compared: &[Compared]) -> Vec<Group<'_>> {
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

//! `cors diff` when either file is a policy set (rules §11): entry by entry, the default with
//! the default and each route with the route of the same name, each pair of policies compared
//! as two plain policies are; a route only in one file, and a route whose host or path
//! changed, are differences of their own. A plain policy file is a set with only a default.

use super::compare::{compare, group, keys_changed, Comparison, Group};
use super::report::{print_files, Differences};
use crate::check::{self, Loaded};
use crate::style::Style;
use cors_core::{Policy, PolicySet, Route};
use serde_json::{json, Map, Value};
use std::path::Path;

/// A loaded file as a set: a plain policy is a set with only a default; `None` when the file
/// cannot be used.
pub(super) fn as_set(loaded: &Loaded) -> Option<PolicySet> {
    match loaded {
        Loaded::Valid(policy) => Some(PolicySet::from(policy.clone())),
        Loaded::Set(set) => Some(set.clone()),
        Loaded::Invalid(_) | Loaded::Unreadable(_) => None,
    }
}

/// What a route covers: its host and its path prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    host: Option<String>,
    path: Option<String>,
}

impl Target {
    fn of(route: &Route) -> Target {
        Target {
            host: route.host(),
            path: route.path(),
        }
    }

    fn to_json(&self) -> Value {
        json!({ "host": self.host, "path": self.path })
    }
}

/// One entry of either set, and how the two files compare on it.
struct Entry {
    /// The route's name; `None` for the default.
    name: Option<String>,
    /// What the route covers in the old set and in the new (`None` where it is missing, and
    /// for the default).
    targets: [Option<Target>; 2],
    /// Whether the old set and the new have the entry.
    present: [bool; 2],
    /// What the route covers, in words, as the newest file says.
    covers: Option<String>,
    /// Both policies compared, and the keys whose values differ, when both sets have it.
    compared: Option<(Comparison, Vec<String>)>,
}

impl Entry {
    fn new(name: Option<&str>, routes: [Option<&Route>; 2], policies: [Option<&Policy>; 2]) -> Entry {
        let compared = match policies {
            [Some(old), Some(new)] => {
                let keys = keys_changed(&old.to_config(), &new.to_config());
                Some((compare(old, new), keys))
            }
            _ => None,
        };
        Entry {
            name: name.map(str::to_owned),
            targets: routes.map(|r| r.map(Target::of)),
            present: policies.map(|p| p.is_some()),
            covers: routes[1].or(routes[0]).map(check::covers),
            compared,
        }
    }

    /// The entry as the text names it: `route public (path /public)` or `default`.
    fn label(&self) -> String {
        match (&self.name, &self.covers) {
            (Some(name), Some(covers)) if !self.moved() => format!("route {name} ({covers})"),
            (Some(name), _) => format!("route {name}"),
            (None, _) => "default".to_owned(),
        }
    }

    /// Whether a route in both files covers other requests in the new one.
    fn moved(&self) -> bool {
        matches!(&self.targets, [Some(old), Some(new)] if old != new)
    }

    /// The entry in a few words: `route public` or `default`.
    fn short_name(&self) -> String {
        match &self.name {
            Some(name) => format!("route {name}"),
            None => "default".to_owned(),
        }
    }

    /// What differs besides the decisions on the samples: the entry missing from one file, or
    /// what the route covers.
    fn changes(&self) -> Vec<EntryChange> {
        let mut changes = Vec::new();
        match self.present {
            [true, false] => changes.push(EntryChange::OnlyInOld),
            [false, true] => changes.push(EntryChange::OnlyInNew),
            _ => {}
        }
        if self.moved() {
            changes.push(EntryChange::Target);
        }
        changes
    }
}

/// A difference in the sets' entries themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryChange {
    /// Only the old set has the entry.
    OnlyInOld,
    /// Only the new set has it.
    OnlyInNew,
    /// The route covers another host or path.
    Target,
}

impl EntryChange {
    /// The name the JSON output lists.
    fn name(self) -> &'static str {
        match self {
            EntryChange::OnlyInOld => "only_in_old",
            EntryChange::OnlyInNew => "only_in_new",
            EntryChange::Target => "host_or_path",
        }
    }

    /// The words the text uses.
    fn text(self) -> &'static str {
        match self {
            EntryChange::OnlyInOld => "only in OLD",
            EntryChange::OnlyInNew => "only in NEW",
            EntryChange::Target => "host/path",
        }
    }
}

/// The route of `set` named `name`.
fn find<'s>(set: &'s PolicySet, name: &str) -> Option<&'s Route> {
    set.routes().iter().find(|r| r.name() == name)
}

/// Every entry of either set: the old set's routes in order, the routes only the new set has,
/// then the default when either has one.
fn entries(old: &PolicySet, new: &PolicySet) -> Vec<Entry> {
    let mut entries = Vec::new();
    for route in old.routes() {
        let other = find(new, route.name());
        let policies = [Some(route.policy()), other.map(Route::policy)];
        entries.push(Entry::new(Some(route.name()), [Some(route), other], policies));
    }
    for route in new.routes().iter().filter(|r| find(old, r.name()).is_none()) {
        let policies = [None, Some(route.policy())];
        entries.push(Entry::new(Some(route.name()), [None, Some(route)], policies));
    }
    let defaults = [old.default_policy(), new.default_policy()];
    if defaults.iter().any(Option::is_some) {
        entries.push(Entry::new(None, [None, None], defaults));
    }
    entries
}

/// An entry with its comparison grouped, ready to be shown.
struct Shown<'a> {
    entry: &'a Entry,
    differences: Option<Differences<'a>>,
}

impl Shown<'_> {
    /// What differs on this entry: its [`Entry::changes`], then the topics of the samples.
    fn differs_in(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self.entry.changes().into_iter().map(EntryChange::text).collect();
        if let Some(d) = &self.differences {
            all.extend(d.topics());
        }
        all
    }

    fn to_json(&self) -> Value {
        let entry = self.entry;
        let mut doc = Map::new();
        let kind = if entry.name.is_some() { "route" } else { "default" };
        doc.insert("entry".into(), kind.into());
        doc.insert("name".into(), json!(entry.name));
        let status = if self.differs_in().is_empty() {
            "same"
        } else {
            "different"
        };
        doc.insert("status".into(), status.into());
        doc.insert("in_old".into(), entry.present[0].into());
        doc.insert("in_new".into(), entry.present[1].into());
        for (key, target) in ["old_target", "new_target"].into_iter().zip(&entry.targets) {
            doc.insert(key.into(), target.as_ref().map_or(Value::Null, Target::to_json));
        }
        let changes: Vec<&str> = entry.changes().into_iter().map(EntryChange::name).collect();
        doc.insert("changes".into(), json!(changes));
        if let Some(d) = &self.differences {
            doc.extend(d.json_fields());
        }
        Value::Object(doc)
    }

    fn print(&self, style: Style) {
        let entry = self.entry;
        println!();
        println!("{}", style.bold(&entry.label()));
        for change in entry.changes() {
            let other = match change {
                EntryChange::OnlyInOld => "NEW",
                EntryChange::OnlyInNew => "OLD",
                EntryChange::Target => continue,
            };
            let note = match entry.name {
                Some(_) => format!("({other} chooses another entry, or none, for the requests it covers)"),
                None => format!("({other} has no default: requests no route covers get no CORS headers)"),
            };
            println!("  {} {}", style.red(change.text()), style.dim(&note));
        }
        if let [Some(old), Some(new)] = &entry.targets {
            if old != new {
                let words = |t: &Target| covers_text(t);
                println!("  {} {}", style.dim("OLD  covers"), words(old));
                println!("  {} {}", style.dim("NEW  covers"), words(new));
            }
        }
        if let Some(d) = &self.differences {
            d.print_groups("  ", style);
            d.print_notes("  ", style);
            println!("  {}", d.verdict(style));
        }
    }
}

/// A target in words: `host api.example.com, path /admin`.
fn covers_text(target: &Target) -> String {
    let host = target.host.as_ref().map(|h| format!("host {h}"));
    let path = target.path.as_ref().map(|p| format!("path {p}"));
    host.into_iter().chain(path).collect::<Vec<_>>().join(", ")
}

/// Compares two sets (a plain file being a set with only a default), prints the report and
/// returns whether they decide the same.
pub(super) fn run(
    files: [&Path; 2],
    loaded: &[Loaded; 2],
    sets: [&PolicySet; 2],
    json: bool,
    style: Style,
) -> bool {
    let entries = entries(sets[0], sets[1]);
    let groups: Vec<Vec<Group<'_>>> = entries
        .iter()
        .map(|e| {
            e.compared
                .as_ref()
                .map_or_else(Vec::new, |(c, _)| group(&c.compared))
        })
        .collect();
    let shown: Vec<Shown<'_>> = entries
        .iter()
        .zip(&groups)
        .map(|(entry, groups)| Shown {
            entry,
            differences: entry.compared.as_ref().map(|(comparison, keys)| Differences {
                comparison,
                groups,
                keys: keys.clone(),
            }),
        })
        .collect();
    let same = shown.iter().all(|s| s.differs_in().is_empty());
    let env = check::env_overrides();
    if json {
        print_json(files, loaded, &env, &shown, same);
    } else {
        print_files(files, &env, style);
        for entry in &shown {
            entry.print(style);
        }
        println!();
        println!("{}", verdict(&shown, style));
    }
    same
}

fn print_json(files: [&Path; 2], loaded: &[Loaded; 2], env: &[String], shown: &[Shown<'_>], same: bool) {
    let differing: Vec<String> = shown
        .iter()
        .filter(|s| !s.differs_in().is_empty())
        .map(|s| s.entry.short_name())
        .collect();
    let doc = json!({
        "old": check::file_json(files[0], &loaded[0]),
        "new": check::file_json(files[1], &loaded[1]),
        "status": if same { "same" } else { "different" },
        "env_overrides": env,
        "sets": true,
        "differing_entries": differing,
        "entries": shown.iter().map(Shown::to_json).collect::<Vec<_>>(),
    });
    println!("{doc:#}");
}

/// The last line: `same: ...`, or each entry that differs and in what.
fn verdict(shown: &[Shown<'_>], style: Style) -> String {
    let differing: Vec<String> = shown
        .iter()
        .filter_map(|s| {
            let differs_in = s.differs_in();
            (!differs_in.is_empty()).then(|| format!("{} ({})", s.entry.short_name(), differs_in.join(", ")))
        })
        .collect();
    if differing.is_empty() {
        let samples: usize = shown
            .iter()
            .filter_map(|s| s.differences.as_ref())
            .map(Differences::samples)
            .sum();
        return format!(
            "{}: every entry decides the same on all its sample requests ({samples} in all)",
            style.green("same")
        );
    }
    format!("{}: {}", style.red("different"), differing.join("; "))
}

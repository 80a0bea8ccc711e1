//! The manifests keep the crates publishable, checked without running `cargo package` (which
//! takes minutes): `cargo package --workspace` packs a crate only if every path dependency it
//! keeps has a version, and crates.io takes it only if what it keeps is published too.
//!
//! - A path dependency carries a version (the root `Cargo.toml`'s `[workspace.dependencies]`
//!   entries of the published crates do, so `NAME.workspace = true` is enough), except a
//!   dev-dependency on an unpublished member, on the crate itself, or one that would close a
//!   circle: that one is a path alone, which `cargo package` drops from the published manifest.
//! - A published crate depends on no unpublished member (but through such dev-dependencies).
//! - Each published crate declares its licence (`MIT OR Apache-2.0`, from the workspace), a
//!   description, the repository, a `README.md` that exists, docs.rs metadata with every
//!   feature, the workspace's `rust-version`; it holds copies of `LICENSE-MIT` and
//!   `LICENSE-APACHE` (identical to the root's) and its package leaves none of them out.
//! - Every other member is `publish = false`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The members published on crates.io; every other member is `publish = false`.
const PUBLISHED: [&str; 8] = [
    "cors-core",
    "cors-axum",
    "cors-actix",
    "cors-rocket",
    "cors-warp",
    "cors-store",
    "cors-cli",
    "cors-audit",
];

/// The licence every crate declares, and the files that hold its texts.
const LICENSE: &str = "MIT OR Apache-2.0";
const LICENSE_FILES: [&str; 2] = ["LICENSE-MIT", "LICENSE-APACHE"];

/// The kinds of dependency tables, each at the top of a manifest or under `[target.X]`.
const DEPENDENCY_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// The workspace: the root manifest and its members' manifests, as written.
struct Workspace {
    root: toml::Table,
    /// Each member's directory from the root (`crates/cors-core`) and its manifest.
    members: Vec<(String, toml::Table)>,
}

/// One path dependency of a member on another member.
struct PathDependency {
    /// The member that declares it and the one it names (package names).
    from: String,
    to: String,
    /// Where it is declared, for messages: `crates/cors-axum/Cargo.toml [dev-dependencies] x`.
    at: String,
    dev: bool,
    /// Its version requirement, its own or the workspace entry's.
    version: Option<String>,
    /// Through `workspace = true`.
    inherited: bool,
}

fn root_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn read_toml(path: &Path) -> toml::Table {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load() -> Workspace {
    let dir = root_dir();
    let root = read_toml(&dir.join("Cargo.toml"));
    let members = root["workspace"]["members"]
        .as_array()
        .expect("the root Cargo.toml lists [workspace] members")
        .iter()
        .map(|m| {
            let member = m.as_str().unwrap().to_owned();
            let manifest = read_toml(&dir.join(&member).join("Cargo.toml"));
            (member, manifest)
        })
        .collect();
    Workspace { root, members }
}

/// `a/b/../c` is `a/c`: paths compared without the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl Workspace {
    fn package(manifest: &toml::Table) -> &toml::Table {
        manifest["package"].as_table().expect("a [package] table")
    }

    fn name(manifest: &toml::Table) -> String {
        Self::package(manifest)["name"].as_str().unwrap().to_owned()
    }

    /// A `[package]` key, its own value or the workspace's (`key.workspace = true`).
    fn package_key<'a>(&'a self, manifest: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
        let value = Self::package(manifest).get(key)?;
        if is_inherited(value) {
            self.root["workspace"].get("package")?.get(key)
        } else {
            Some(value)
        }
    }

    fn version(&self, manifest: &toml::Table) -> String {
        let version = self.package_key(manifest, "version").expect("a version");
        version.as_str().unwrap().to_owned()
    }

    fn published(manifest: &toml::Table) -> bool {
        Self::package(manifest)
            .get("publish")
            .and_then(toml::Value::as_bool)
            != Some(false)
    }

    fn manifest(&self, name: &str) -> Option<&(String, toml::Table)> {
        self.members.iter().find(|(_, m)| Self::name(m) == name)
    }

    /// The member whose directory `path` (from the root) is.
    fn member_at(&self, path: &Path) -> Option<String> {
        let path = normalize(path);
        let (_, manifest) = self.members.iter().find(|(dir, _)| Path::new(dir) == path)?;
        Some(Self::name(manifest))
    }

    /// Every path dependency of every member on a member.
    fn path_dependencies(&self) -> Vec<PathDependency> {
        let mut found = Vec::new();
        for (dir, manifest) in &self.members {
            let mut tables = Vec::new();
            for kind in DEPENDENCY_TABLES {
                tables.push((format!("[{kind}]"), kind, manifest.get(kind)));
            }
            for (cfg, target) in manifest
                .get("target")
                .and_then(|t| t.as_table())
                .into_iter()
                .flatten()
            {
                for kind in DEPENDENCY_TABLES {
                    tables.push((format!("[target.'{cfg}'.{kind}]"), kind, target.get(kind)));
                }
            }
            for (label, kind, table) in tables {
                let Some(table) = table.and_then(toml::Value::as_table) else {
                    continue;
                };
                for (key, entry) in table {
                    let at = format!("{dir}/Cargo.toml {label} {key}");
                    if let Some(dep) = self.path_dependency(dir, manifest, kind, key, entry, at) {
                        found.push(dep);
                    }
                }
            }
        }
        found
    }

    fn path_dependency(
        &self,
        dir: &str,
        manifest: &toml::Table,
        kind: &str,
        key: &str,
        entry: &toml::Value,
        at: String,
    ) -> Option<PathDependency> {
        let entry = entry.as_table()?;
        let inherited = entry.get("workspace").and_then(toml::Value::as_bool) == Some(true);
        // An inherited entry's path is the workspace's, from the root; its own, from `dir`.
        let (base, from_dir) = if inherited {
            let base = self.root["workspace"]["dependencies"].get(key)?.as_table()?;
            (base, PathBuf::new())
        } else {
            (entry, PathBuf::from(dir))
        };
        let path = base.get("path")?.as_str()?;
        let to = self
            .member_at(&from_dir.join(path))
            .unwrap_or_else(|| panic!("{at}: the path {path:?} is no member of the workspace"));
        let version = (entry.get("version").or(base.get("version")))
            .and_then(toml::Value::as_str)
            .map(str::to_owned);
        let from = Self::name(manifest);
        Some(PathDependency {
            from,
            to,
            at,
            dev: kind == "dev-dependencies",
            version,
            inherited,
        })
    }
}

fn is_inherited(value: &toml::Value) -> bool {
    value.get("workspace").and_then(toml::Value::as_bool) == Some(true)
}

/// Whether `version` meets `requirement` as far as its numbers go (`0.1` and `0.1.0` take
/// `0.1.0`): enough to see a requirement left behind by a version bump.
fn meets(version: &str, requirement: &str) -> bool {
    let requirement = requirement.trim_start_matches(['^', '=', '~', ' ']);
    let have: Vec<&str> = version.split(['.', '-', '+']).collect();
    let want: Vec<&str> = requirement.split('.').collect();
    want.len() <= have.len() && want.iter().zip(&have).all(|(w, h)| w == h)
}

/// The members each member keeps a dependency on once packaged: its normal and build
/// dependencies, and the dev-dependencies with a version (the others are dropped).
fn kept_edges(deps: &[PathDependency]) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for dep in deps.iter().filter(|d| !d.dev || d.version.is_some()) {
        edges.entry(&dep.from).or_default().insert(&dep.to);
    }
    edges
}

fn reaches(edges: &BTreeMap<&str, BTreeSet<&str>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut next = vec![from];
    while let Some(at) = next.pop() {
        if at == to {
            return true;
        }
        if seen.insert(at) {
            next.extend(edges.get(at).into_iter().flatten().copied());
        }
    }
    false
}

/// What is wrong with the path dependencies, one line each, with its fix.
fn dependency_problems(ws: &Workspace) -> Vec<String> {
    let deps = ws.path_dependencies();
    let edges = kept_edges(&deps);
    let mut problems = Vec::new();
    for dep in &deps {
        let (_, target) = ws.manifest(&dep.to).unwrap();
        let (to_published, to_version) = (Workspace::published(target), ws.version(target));
        let (_, source) = ws.manifest(&dep.from).unwrap();
        let dropped_because = if !dep.dev {
            None
        } else if dep.to == dep.from {
            Some("it is the crate itself")
        } else if !to_published {
            Some("that crate is `publish = false`")
        } else if reaches(&edges, &dep.to, &dep.from) {
            Some("that crate depends on this one: the two could not be published one before the other")
        } else {
            None
        };
        let fix_inherit = if dep.inherited {
            format!("write the path alone, `{} = {{ path = \"...\" }}`", dep.to)
        } else {
            "remove its `version`".to_owned()
        };
        match (&dep.version, dropped_because) {
            (Some(_), Some(why)) => problems.push(format!(
                "{}: a dev-dependency with a version, but {why}; {fix_inherit} so that `cargo \
                 package` drops it from the published manifest",
                dep.at
            )),
            (None, None) if dep.inherited => problems.push(format!(
                "{}: a path dependency without a version: add `version = \"{to_version}\"` to \
                 its entry in the root Cargo.toml's [workspace.dependencies]",
                dep.at
            )),
            (None, None) => problems.push(format!(
                "{}: a path dependency without a version; write `{}.workspace = true` (the \
                 root Cargo.toml's entry has the path and the version) or add \
                 `version = \"{to_version}\"`",
                dep.at, dep.to
            )),
            (Some(requirement), None) if !meets(&to_version, requirement) => problems.push(format!(
                "{}: version {requirement:?} does not take {} {to_version}; update it (in the \
                 root Cargo.toml's [workspace.dependencies] if inherited)",
                dep.at, dep.to
            )),
            _ => {}
        }
        if !dep.dev && Workspace::published(source) && !to_published {
            problems.push(format!(
                "{}: published {} depends on {}, which is `publish = false`; publish it too or \
                 drop the dependency",
                dep.at, dep.from, dep.to
            ));
        }
    }
    problems
}

#[test]
fn path_dependencies_carry_a_version_unless_packaging_drops_them() {
    let ws = load();
    let mut problems = dependency_problems(&ws);
    let entries = ws.root["workspace"]["dependencies"].as_table().unwrap();
    for name in PUBLISHED {
        let entry = entries.get(name).and_then(toml::Value::as_table);
        if entry.is_some_and(|e| e.contains_key("path") && !e.contains_key("version")) {
            problems.push(format!(
                "Cargo.toml [workspace.dependencies] {name}: a path without a version; add \
                 `version = \"...\"` (the crate's version)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn published_and_unpublished_members_are_the_listed_ones() {
    let ws = load();
    let mut problems = Vec::new();
    for (dir, manifest) in &ws.members {
        let name = Workspace::name(manifest);
        match (PUBLISHED.contains(&name.as_str()), Workspace::published(manifest)) {
            (true, false) => problems.push(format!(
                "{dir}/Cargo.toml: {name} is published (PUBLISHED in tests/tests/manifests.rs) \
                 but says `publish = false`; remove it, or take {name} off PUBLISHED"
            )),
            (false, true) => problems.push(format!(
                "{dir}/Cargo.toml: {name} is not for users: add `publish = false` to [package] \
                 (or, if it is a library to publish, add it to PUBLISHED in \
                 tests/tests/manifests.rs)"
            )),
            _ => {}
        }
    }
    for name in PUBLISHED {
        if ws.manifest(name).is_none() {
            problems.push(format!("{name}, in PUBLISHED, is no member of the workspace"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What a published crate's `[package]` lacks, one line each.
fn package_problems(ws: &Workspace, dir: &str, manifest: &toml::Table) -> Vec<String> {
    let package = Workspace::package(manifest);
    let key = |k: &str| ws.package_key(manifest, k);
    let text = |k: &str| key(k).and_then(toml::Value::as_str).unwrap_or("");
    let mut problems = Vec::new();
    let mut lacks = |what: String| problems.push(format!("{dir}/Cargo.toml [package]: {what}"));
    if text("license") != LICENSE {
        lacks(format!(
            "license is {:?}; write `license.workspace = true` ({LICENSE:?})",
            text("license")
        ));
    }
    if package.contains_key("license-file") {
        lacks("remove `license-file`: `license` names the licences, the files are in the package".into());
    }
    if text("description").trim().is_empty() {
        lacks("no description; add `description = \"...\"` (one line, what the crate is)".into());
    }
    let workspace_repository = ws.root["workspace"]
        .get("package")
        .and_then(|p| p.get("repository"));
    if workspace_repository.is_some() && key("repository").is_none() {
        lacks("no repository; add `repository.workspace = true`".into());
    }
    if text("readme") != "README.md" || !root_dir().join(dir).join("README.md").is_file() {
        lacks(format!("add `readme = \"README.md\"` and {dir}/README.md (what the crate is, its dependency line, links to the guide and the quick starts, the licence)"));
    }
    if !package.get("rust-version").is_some_and(is_inherited) || key("rust-version").is_none() {
        lacks("add `rust-version.workspace = true` (the root's [workspace.package] rust-version)".into());
    }
    let docs_rs = package
        .get("metadata")
        .and_then(|m| m.get("docs").and_then(|d| d.get("rs")));
    if docs_rs
        .and_then(|d| d.get("all-features"))
        .and_then(toml::Value::as_bool)
        != Some(true)
    {
        lacks("add `[package.metadata.docs.rs]` with `all-features = true` (docs.rs then documents every feature)".into());
    }
    problems
}

/// What keeps a published crate's package from holding its licence texts, one line each.
fn license_file_problems(dir: &str, manifest: &toml::Table) -> Vec<String> {
    let root = root_dir();
    let package = Workspace::package(manifest);
    let list = |key: &str| -> Vec<String> {
        let values = package.get(key).and_then(toml::Value::as_array);
        values
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let (include, exclude) = (list("include"), list("exclude"));
    let mut problems = Vec::new();
    for file in LICENSE_FILES {
        let (copy, original) = (root.join(dir).join(file), root.join(file));
        match (fs::read(&copy), fs::read(&original)) {
            (Ok(copy), Ok(original)) if copy == original => {}
            (Ok(_), Ok(_)) => problems.push(format!(
                "{dir}/{file} differs from the root's {file}; copy it again: `cp {file} {dir}/`"
            )),
            (Err(_), _) => problems.push(format!(
                "{dir}/{file} is missing: the package must hold the licence texts; `cp {file} {dir}/`"
            )),
            (_, Err(e)) => problems.push(format!("{file} at the root: {e}")),
        }
        if !include.is_empty() && !include.iter().any(|i| i == file) {
            problems.push(format!("{dir}/Cargo.toml: `include` leaves out {file}; add it"));
        }
        if exclude
            .iter()
            .any(|e| file.starts_with(e.trim_matches('/').trim_end_matches('*')))
        {
            problems.push(format!("{dir}/Cargo.toml: `exclude` drops {file}; narrow it"));
        }
    }
    problems
}

/// The Rust code blocks of a crate's README, which nothing compiles (the docs check takes
/// README.md and docs/ only): a crate's README shows its dependency line, not code.
fn rust_blocks(readme: &str) -> Vec<usize> {
    let mut open = false;
    let mut found = Vec::new();
    for (index, line) in readme.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            if !open && (info.trim().is_empty() || info.trim().starts_with("rust")) {
                found.push(index + 1);
            }
            open = !open;
        }
    }
    found
}

#[test]
fn published_crates_carry_what_crates_io_and_docs_rs_show() {
    let ws = load();
    let mut problems = Vec::new();
    for (dir, manifest) in &ws.members {
        if !PUBLISHED.contains(&Workspace::name(manifest).as_str()) {
            continue;
        }
        problems.extend(package_problems(&ws, dir, manifest));
        problems.extend(license_file_problems(dir, manifest));
        let readme = fs::read_to_string(root_dir().join(dir).join("README.md")).unwrap_or_default();
        for line in rust_blocks(&readme) {
            problems.push(format!(
                "{dir}/README.md:{line}: a Rust block, which no test compiles; show the \
                 dependency line (```toml) and link to docs/, whose snippets tests/docs-check \
                 compiles"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_workspace_declares_the_licence_its_texts_and_a_rust_version() {
    let ws = load();
    let package = ws.root["workspace"]["package"]
        .as_table()
        .expect("[workspace.package]");
    assert_eq!(
        package.get("license").and_then(toml::Value::as_str),
        Some(LICENSE),
        "Cargo.toml [workspace.package]: license = {LICENSE:?}"
    );
    let rust_version = package.get("rust-version").and_then(toml::Value::as_str);
    assert!(
        rust_version.is_some_and(|v| v.split('.').count() >= 2),
        "Cargo.toml [workspace.package]: add rust-version (the oldest Rust the crates build \
         with: at least the highest rust-version among the dependencies in Cargo.lock)"
    );
    let text = |file: &str| {
        fs::read_to_string(root_dir().join(file))
            .unwrap_or_else(|e| panic!("{file} at the repository's root: {e}; add its standard text"))
    };
    let mit = text("LICENSE-MIT");
    assert!(
        mit.contains("Permission is hereby granted, free of charge")
            && mit.contains("Copyright (c) 2026 The cors-toolkit authors"),
        "LICENSE-MIT: the MIT licence's standard text, with `Copyright (c) 2026 The \
         cors-toolkit authors`"
    );
    let apache = text("LICENSE-APACHE");
    assert!(
        apache.contains("Version 2.0, January 2004") && apache.contains("END OF TERMS AND CONDITIONS"),
        "LICENSE-APACHE: the full text of the Apache License 2.0"
    );
}

/// A made-up workspace: `core` published, `adapter` on it, `audit` whose tests use `core`
/// while `core`'s tests use it, `suite` unpublished, `demo` on `suite`.
fn made_up(adapter_core: &str, core_audit: &str, adapter_suite: &str) -> Workspace {
    let manifest = |text: String| -> toml::Table { toml::from_str(&text).unwrap() };
    let package = |name: &str, publish: bool| {
        let publish = if publish { "" } else { "publish = false" };
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{publish}\n")
    };
    let root = manifest(
        "[workspace]\nmembers = []\n[workspace.dependencies]\n\
         core = { path = \"core\", version = \"0.1.0\" }\naudit = { path = \"audit\", version = \"0.1.0\" }\n"
            .into(),
    );
    let members = vec![
        (
            "core".into(),
            manifest(format!(
                "{}[dev-dependencies]\n{core_audit}\ncore = {{ path = \".\" }}\n",
                package("core", true)
            )),
        ),
        (
            "audit".into(),
            manifest(format!(
                "{}[dependencies]\ncore.workspace = true\n",
                package("audit", true)
            )),
        ),
        (
            "adapter".into(),
            manifest(format!(
                "{}[dependencies]\n{adapter_core}\n[dev-dependencies]\n{adapter_suite}\n",
                package("adapter", true)
            )),
        ),
        (
            "suite".into(),
            manifest(format!(
                "{}[dependencies]\ncore.workspace = true\n",
                package("suite", false)
            )),
        ),
        (
            "demo".into(),
            manifest(format!(
                "{}[dependencies]\nsuite = {{ path = \"../suite\", version = \"0.1\" }}\n",
                package("demo", false)
            )),
        ),
    ];
    Workspace { root, members }
}

#[test]
fn each_wrong_dependency_is_found_and_only_those() {
    let right = made_up(
        "core.workspace = true",
        "audit = { path = \"../audit\" }",
        "suite = { path = \"../suite\" }",
    );
    assert_eq!(dependency_problems(&right), Vec::<String>::new());

    let wrong = made_up(
        "core = { path = \"../core\" }",
        "audit.workspace = true",
        "suite = { path = \"../suite\", version = \"0.1.0\" }",
    );
    let problems = dependency_problems(&wrong);
    let expect = [
        "core/Cargo.toml [dev-dependencies] audit: a dev-dependency with a version, but that crate depends on this one",
        "adapter/Cargo.toml [dependencies] core: a path dependency without a version",
        "adapter/Cargo.toml [dev-dependencies] suite: a dev-dependency with a version, but that crate is `publish = false`",
    ];
    for expected in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "not found: {expected}\nfound:\n{}",
            problems.join("\n")
        );
    }
    assert_eq!(problems.len(), expect.len(), "{}", problems.join("\n"));

    let behind = made_up("core = { path = \"../core\", version = \"0.2\" }", "", "");
    let problems = dependency_problems(&behind);
    assert!(
        problems.len() == 1 && problems[0].contains("does not take core 0.1.0"),
        "{problems:?}"
    );
}

#[test]
fn rust_blocks_are_found_and_other_blocks_left_alone() {
    let readme = "# x\n```toml\n[dependencies]\n```\ntext\n```rust\nfn main() {}\n```\n```\nplain\n```\n```sh\ncargo install x\n```\n";
    assert_eq!(rust_blocks(readme), [6, 9]);
}

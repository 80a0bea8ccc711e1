//! The repository cites its own rules only: every `§N` in a `.rs`, `.md` or `.toml` file is a
//! `## §N` heading of `docs/rules.md`, and no such file points at a document outside the
//! repository.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository's root, two levels above this crate.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Directories never walked: build output, version control, installed packages.
fn skipped(dir: &Path) -> bool {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "target" | ".git" | "node_modules") || name.starts_with(".venv")
}

/// Every `.rs`, `.md` and `.toml` file under `dir`, symbolic links not followed.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = entry.path();
        let kind = entry
            .file_type()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if kind.is_dir() {
            if !skipped(&path) {
                sources(&path, found);
            }
        } else if kind.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "md" | "toml")
            )
        {
            found.push(path);
        }
    }
}

/// The repository's source and documentation files, with their text and their path from the
/// root. A file that is not UTF-8 (none should be) is read lossily.
fn files() -> Vec<(String, String)> {
    let root = root();
    let mut paths = Vec::new();
    sources(&root, &mut paths);
    paths.sort();
    assert!(
        paths.len() > 100,
        "only {} files found under {}",
        paths.len(),
        root.display()
    );
    paths
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
            (name, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

/// Each `§` followed by a number in `text`: the number and the 1-based line it is on.
fn citations(text: &str) -> Vec<(u32, usize)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices('§') {
            let digits: String = line[at + '§'.len_utf8()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(section) = digits.parse() {
                found.push((section, index + 1));
            }
        }
    }
    found
}

/// The sections `docs/rules.md` has, from its `## §N ...` headings.
fn sections() -> Vec<u32> {
    let rules = fs::read_to_string(root().join("docs/rules.md")).expect("docs/rules.md");
    let sections: Vec<u32> = rules
        .lines()
        .filter_map(|line| line.strip_prefix("## §"))
        .map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits
                .parse()
                .unwrap_or_else(|_| panic!("docs/rules.md: a heading without a number: {rest:?}"))
        })
        .collect();
    let expected: Vec<u32> = (1..=sections.len() as u32).collect();
    assert_eq!(
        sections, expected,
        "docs/rules.md: its sections are numbered 1, 2, 3... in order"
    );
    sections
}

#[test]
fn every_cited_section_is_a_heading_of_the_rules() {
    let sections = sections();
    let missing: Vec<String> = files()
        .iter()
        .flat_map(|(name, text)| {
            citations(text)
                .into_iter()
                .filter(|(section, _)| !sections.contains(section))
                .map(move |(section, line)| format!("{name}:{line}: §{section}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "these cite a section docs/rules.md does not have (its headings: §1 to §{}):\n{}",
        sections.len(),
        missing.join("\n")
    );
}

#[test]
fn nothing_points_outside_the_repository() {
    // Spelled in two pieces, so that this file does not name them itself.
    let outside = [concat!("shared", "/spec"), concat!("examples", "-contract")];
    let mut found = Vec::new();
    for (name, text) in files() {
        for (index, line) in text.lines().enumerate() {
            let line = line.to_ascii_lowercase();
            for needle in outside.iter().filter(|needle| line.contains(*needle)) {
                found.push(format!("{name}:{}: {needle}", index + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "these point at documents outside the repository; cite docs/rules.md (`rules §N`) or \
         another document of the repository instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn citations_are_found_where_they_stand() {
    // `\u{a7}` is `§`, written so that this file cites no section itself.
    let text = "rules \u{a7}4: a preflight\n\n(\u{a7}1, \u{a7}10)";
    assert_eq!(citations(text), [(4, 1), (1, 3), (10, 3)]);
    assert_eq!(citations("\u{a7} alone, \u{a7}x, a \u{a7} 2"), []);
}

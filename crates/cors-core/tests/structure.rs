//! The engine's shape, checked on its source: no two modules import each other, directly or
//! through others (each concept reads only what is below it), and no function is longer than
//! can be read at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The longest function allowed, in lines without comments (the one-pass origin scanner, 83, is
/// the longest).
const MAX_FUNCTION_LINES: usize = 85;

/// Each module's source, without its tests and comments.
fn modules() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let code: Vec<&str> = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        modules.insert(name, code.join("\n"));
    }
    modules
}

/// Which module each root re-export comes from (`pub use policy::{Policy, ...}` in lib.rs).
fn root_items() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut items = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.trim_end_matches(';').split_once("::") else {
            continue;
        };
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            items.insert(name.trim().to_owned(), module.to_owned());
        }
    }
    items
}

/// The modules `code` imports: `crate::module::...` paths and root items (`crate::Policy`).
fn imports(
    code: &str,
    modules: &BTreeMap<String, String>,
    root: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            group.split(',').map(|n| n.trim().to_owned()).collect()
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            vec![rest[..end].to_owned()]
        };
        for name in names {
            let name = name.split("::").next().unwrap_or("").to_owned();
            if modules.contains_key(&name) {
                found.insert(name);
            } else if let Some(module) = root.get(&name) {
                found.insert(module.clone());
            }
        }
    }
    found
}

#[test]
fn no_module_imports_itself_through_others() {
    let modules = modules();
    let root = root_items();
    let graph: BTreeMap<&String, BTreeSet<String>> = modules
        .iter()
        .map(|(name, code)| {
            let mut deps = imports(code, &modules, &root);
            deps.remove(name);
            (name, deps)
        })
        .collect();
    assert!(graph.len() > 20, "the modules were not found: {graph:?}");
    // A module is on a circle when it can reach itself.
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(&String, Vec<&String>)> = vec![(start, vec![start])];
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(module).into_iter().flatten() {
                let mut path = path.clone();
                path.push(next);
                assert!(next != *start, "import circle: {path:?}");
                if let Some((key, _)) = graph.get_key_value(next) {
                    if seen.insert(next.clone()) {
                        stack.push((key, path));
                    }
                }
            }
        }
    }
}

#[test]
fn no_function_is_longer_than_can_be_read_at_once() {
    let mut long = Vec::new();
    let mut seen = 0;
    for (name, code) in modules() {
        let lines: Vec<&str> = code.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let body = line.trim_start();
            let indent = line.len() - body.len();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "const fn ", "pub const fn "]
                .iter()
                .any(|p| body.starts_with(p));
            if !is_fn || body.ends_with(';') {
                i += 1;
                continue;
            }
            seen += 1;
            // The body ends at the first closing brace back at the signature's indentation.
            let end = (i + 1..lines.len())
                .find(|&j| {
                    let l = lines[j];
                    l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}')
                })
                .unwrap_or(i);
            if end - i + 1 > MAX_FUNCTION_LINES {
                long.push(format!("{name}.rs: {} ({} lines)", body, end - i + 1));
            }
            i = end + 1;
        }
    }
    assert!(seen > 100, "the functions were not found ({seen})");
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines:\n{}",
        long.join("\n")
    );
}

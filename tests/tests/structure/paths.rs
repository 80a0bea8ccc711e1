//! The paths code names (`use` trees, `crate::` and `super::` paths) and the modules they lead
//! to, through `pub use` re-exports.

use super::text::{identifier_at, keyword_indices};
use super::Source;
use std::collections::{BTreeMap, BTreeSet};

/// One path a use tree names, and the name it is known by when it is not its last segment.
pub(crate) struct UsePath {
    pub(crate) segments: Vec<String>,
    pub(crate) alias: Option<String>,
}

/// The paths of the use tree at the start of `code`, after `prefix`: `a::{b, c::d as e}` gives
/// `a::b` and `a::c::d` (known as `e`). A path in an expression (`a::b(x)`) ends where the path
/// does. Returns the code after the tree.
pub(crate) fn use_tree<'a>(code: &'a str, prefix: &[String], out: &mut Vec<UsePath>) -> &'a str {
    let code = code.trim_start();
    if let Some(group) = code.strip_prefix('{') {
        return use_group(group, prefix, out);
    }
    let name = if code.starts_with('*') {
        "*"
    } else {
        identifier_at(code)
    };
    if name.is_empty() {
        // A turbofish or generic arguments (`a::B::<T>`): the path is what came before.
        if !prefix.is_empty() {
            out.push(UsePath {
                segments: prefix.to_vec(),
                alias: None,
            });
        }
        return code;
    }
    let path: Vec<String> = prefix.iter().cloned().chain([name.to_owned()]).collect();
    let rest = &code[name.len()..];
    if let Some(rest) = rest.trim_start().strip_prefix("::") {
        return use_tree(rest, &path, out);
    }
    let alias = rest
        .trim_start()
        .strip_prefix("as ")
        .map(|a| identifier_at(a.trim_start()));
    out.push(UsePath {
        segments: path,
        alias: alias.map(str::to_owned),
    });
    rest
}

/// The trees of a `{...}` group, `group` starting after its `{`.
pub(crate) fn use_group<'a>(mut group: &'a str, prefix: &[String], out: &mut Vec<UsePath>) -> &'a str {
    loop {
        let rest = group.trim_start();
        if let Some(rest) = rest.strip_prefix('}') {
            return rest;
        }
        let rest = use_tree(rest, prefix, out).trim_start();
        // Past the tree: its alias, up to the next `,` or the closing `}`.
        let next = rest.find([',', '}']).unwrap_or(rest.len());
        group = rest[next..].strip_prefix(',').unwrap_or(&rest[next..]);
        if next == rest.len() {
            return group;
        }
    }
}

/// `path`, written in `module`, from the crate root; `None` for a path into another crate.
pub(crate) fn absolute(path: &[String], module: &str, modules: &BTreeSet<String>) -> Option<Vec<String>> {
    let mut base: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let mut rest = path;
    match path.first()?.as_str() {
        "crate" => {
            base.clear();
            rest = &path[1..];
        }
        "self" => rest = &path[1..],
        "super" => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        first if modules.contains(&child(module, first)) => {}
        _ => return None,
    }
    Some(
        base.into_iter()
            .map(str::to_owned)
            .chain(rest.iter().cloned())
            .collect(),
    )
}

/// What each module re-exports with `pub use`: (module, name) to the path it names.
pub(crate) type Exports = BTreeMap<(String, String), Vec<String>>;

pub(crate) fn reexports(sources: &[Source], modules: &BTreeSet<String>) -> Exports {
    let mut exports = Exports::new();
    for source in sources {
        let code = &source.code;
        for at in keyword_indices(code, "use") {
            let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
            if !code[line_start..at].trim_start().starts_with("pub") {
                continue;
            }
            let mut paths = Vec::new();
            use_tree(&code[at + "use".len()..], &[], &mut paths);
            for UsePath { mut segments, alias } in paths {
                if segments.last().is_some_and(|s| s == "self") {
                    segments.pop();
                }
                let name = alias.or_else(|| segments.last().cloned());
                let target = absolute(&segments, &source.module, modules);
                if let (Some(name), Some(target)) = (name, target) {
                    exports.insert((source.module.clone(), name), target);
                }
            }
        }
    }
    exports
}

/// The module an absolute path leads to: the deepest module it names, followed through the
/// re-exports on its way (`crate::Policy` to the module `Policy` is defined in). `None` for the
/// crate root.
pub(crate) fn owner(path: &[String], modules: &BTreeSet<String>, exports: &Exports) -> Option<String> {
    let mut path = path.to_vec();
    // A few rounds: a re-export of a re-export; never forever on a re-export of itself.
    for _ in 0..8 {
        let depth = (1..=path.len())
            .rev()
            .find(|&n| modules.contains(&path[..n].join("::")))
            .unwrap_or(0);
        let module = path[..depth].join("::");
        let exported = path
            .get(depth)
            .and_then(|name| exports.get(&(module.clone(), name.clone())));
        match exported {
            Some(target) => path = target.iter().chain(&path[depth + 1..]).cloned().collect(),
            None => return (!module.is_empty()).then_some(module),
        }
    }
    None
}

/// The absolute paths `code`, the code of `module`, names with `crate::` and `super::`.
pub(crate) fn imported_paths(code: &str, module: &str, modules: &BTreeSet<String>) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for word in ["crate", "super"] {
        for at in keyword_indices(code, word) {
            let before = code[..at].trim_end();
            // Not `super::super::x` from its second `super`, nor a `pub(in crate::x)`.
            let inside = before.ends_with("::") || before.ends_with("(in");
            if inside || !code[at + word.len()..].starts_with("::") {
                continue;
            }
            let mut found = Vec::new();
            use_tree(&code[at..], &[], &mut found);
            paths.extend(
                found
                    .iter()
                    .filter_map(|p| absolute(&p.segments, module, modules)),
            );
        }
    }
    paths
}

pub(crate) fn child(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_owned()
    } else {
        format!("{module}::{name}")
    }
}

//! The workspace's shape, checked on its source: in every crate, no function is longer than
//! can be read at once, and no module imports itself through others (each concept reads only
//! what is below it).
//!
//! The source is read as text, not parsed: comments, string and character literals are
//! blanked out first (so that a brace, `fn` or `crate::` found is code), and `#[cfg(test)]`
//! items are left out. A module is a file under a crate's `src/` (`a/b.rs` and `a/b/mod.rs`
//! are `a::b`; the crate roots `lib.rs`, `main.rs` and `bin/*.rs` are no module); an import is
//! a `crate::` or `super::` path, counted for the deepest module the path names, through the
//! `pub use` re-exports on its way (`crate::Policy` is the module `Policy` comes from).

// In a folder of their own: Cargo would take files beside the test for tests of their own.
#[path = "structure/paths.rs"]
mod paths;
#[path = "structure/text.rs"]
mod text;

use paths::{child, imported_paths, owner, reexports};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use text::{
    code_only, identifier_at, item_end, keyword_indices, line_of, test_module_declarations,
    without_test_items,
};

/// The longest function allowed, in lines without `//` comment lines.
const MAX_FUNCTION_LINES: usize = 85;

/// Each module's imports: the modules its code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// One source file of a crate.
struct Source {
    /// The path from the workspace root, for messages.
    file: PathBuf,
    /// The module path (`a::b`), empty for a crate root.
    module: String,
    /// The file's lines as written.
    lines: Vec<String>,
    /// The text with comments, literals and `#[cfg(test)]` items blanked out, line for line.
    code: String,
    /// The modules it declares `#[cfg(test)] mod NAME;`.
    test_modules: Vec<String>,
}

/// The files of one crate: a package's library or its binary, or one of its `src/bin` binaries.
struct Crate {
    /// The package name, with `/bin/NAME` for a `src/bin` binary.
    name: String,
    sources: Vec<Source>,
}

impl Crate {
    fn modules(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().filter(|s| !s.module.is_empty())
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The members of the root `Cargo.toml`'s workspace, as directories from its root.
fn members() -> Vec<String> {
    let manifest: toml::Table = read_toml(&workspace_root().join("Cargo.toml"));
    let members = manifest["workspace"]["members"].as_array().unwrap();
    members.iter().map(|m| m.as_str().unwrap().to_owned()).collect()
}

fn read_toml(path: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every crate of the workspace, its files read.
fn crates() -> Vec<Crate> {
    let root = workspace_root();
    let mut crates: BTreeMap<String, Crate> = BTreeMap::new();
    for member in members() {
        let manifest = read_toml(&root.join(&member).join("Cargo.toml"));
        let package = manifest["package"]["name"].as_str().unwrap().to_owned();
        let src = root.join(&member).join("src");
        let files = rs_files(&src);
        assert!(!files.is_empty(), "no source files under {}", src.display());
        for file in files {
            let relative = file.strip_prefix(&src).unwrap();
            let (name, module) = crate_and_module(&package, relative);
            let krate = crates.entry(name.clone()).or_insert(Crate {
                name,
                sources: Vec::new(),
            });
            krate.sources.push(read_source(&root, &file, module));
        }
    }
    let mut crates: Vec<Crate> = crates.into_values().collect();
    for krate in &mut crates {
        drop_test_modules(krate);
    }
    crates
}

/// The `.rs` files under `dir`, at any depth, in a stable order.
fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rs_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The crate a file under `src/` belongs to and its module path there: `src/bin/NAME.rs` and
/// `src/bin/NAME/main.rs` are the roots of binaries of their own.
fn crate_and_module(package: &str, relative: &Path) -> (String, String) {
    let parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let (name, parts) = match parts.as_slice() {
        [bin, name, rest @ ..] if bin == "bin" => (format!("{package}/bin/{name}"), rest.to_vec()),
        [bin, name] if bin == "bin" => (format!("{package}/bin/{name}"), Vec::new()),
        _ => (package.to_owned(), parts),
    };
    let mut parts = parts;
    if matches!(parts.as_slice(), [root] if root == "lib" || root == "main") {
        parts.clear();
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    (name, parts.join("::"))
}

fn read_source(root: &Path, file: &Path, module: String) -> Source {
    let text = std::fs::read_to_string(file).unwrap();
    source(file.strip_prefix(root).unwrap(), module, &text)
}

fn source(file: &Path, module: String, text: &str) -> Source {
    let code = code_only(text);
    Source {
        file: file.to_owned(),
        test_modules: test_module_declarations(&code),
        code: without_test_items(&code),
        lines: text.lines().map(str::to_owned).collect(),
        module,
    }
}

/// Drops the files of modules declared `#[cfg(test)] mod NAME;` (and the modules under them).
fn drop_test_modules(krate: &mut Crate) {
    let mut tests = Vec::new();
    for source in &krate.sources {
        for name in &source.test_modules {
            tests.push(child(&source.module, name));
        }
    }
    let is_test = |m: &str| tests.iter().any(|t| m == t || m.starts_with(&format!("{t}::")));
    krate.sources.retain(|s| !is_test(&s.module));
}

// ---------------------------------------------------------------------------------------------
// Functions.

/// A function with a body: its name and its first and last line (from 0).
struct Function {
    name: String,
    first: usize,
    last: usize,
}

/// Every function with a body in `code`, whatever its qualifiers (`pub(super) async fn`), in
/// an `impl` or a trait, or inside another function.
fn functions(code: &str) -> Vec<Function> {
    let function = |at: usize| {
        // `fn(u8) -> u8` is a type, not a function.
        let name = identifier_at(code[at + "fn".len()..].trim_start());
        if name.is_empty() {
            return None;
        }
        let (end, has_body) = item_end(code, at)?;
        has_body.then(|| Function {
            name: name.to_owned(),
            first: line_of(code, at),
            last: line_of(code, end - 1),
        })
    };
    keyword_indices(code, "fn").filter_map(function).collect()
}

/// The lines of `function` that are not `//` comments.
fn length(source: &Source, function: &Function) -> usize {
    source.lines[function.first..=function.last]
        .iter()
        .filter(|l| !l.trim_start().starts_with("//"))
        .count()
}

#[test]
fn no_function_is_longer_than_can_be_read_at_once() {
    let mut long = Vec::new();
    let mut seen = 0;
    for krate in crates() {
        for source in &krate.sources {
            for function in functions(&source.code) {
                seen += 1;
                let lines = length(source, &function);
                if lines > MAX_FUNCTION_LINES {
                    let (file, name) = (source.file.display(), &function.name);
                    long.push(format!("{}: {file}: fn {name} ({lines} lines)", krate.name));
                }
            }
        }
    }
    assert!(seen > 1000, "the functions were not found ({seen})");
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines:\n{}",
        long.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Import circles.
/// Each module of `krate` and the other modules it imports.
fn module_graph(krate: &Crate) -> Graph {
    let modules: BTreeSet<String> = krate.modules().map(|s| s.module.clone()).collect();
    let exports = reexports(&krate.sources, &modules);
    let imports = |source: &Source| -> BTreeSet<String> {
        let paths = imported_paths(&source.code, &source.module, &modules);
        let owners = paths.iter().filter_map(|p| owner(p, &modules, &exports));
        owners.filter(|m| *m != source.module).collect()
    };
    krate.modules().map(|s| (s.module.clone(), imports(s))).collect()
}

/// Every crate's name and module graph.
fn module_graphs() -> Vec<(String, Graph)> {
    crates()
        .iter()
        .map(|k| (k.name.clone(), module_graph(k)))
        .collect()
}

/// The shortest circle of imports from `start` back to it, if there is one.
fn circle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(module) = queue.pop_front() {
        for next in graph.get(module).into_iter().flatten() {
            if next == start {
                let mut path = vec![start.to_owned()];
                let mut at = module;
                while at != start {
                    path.push(at.to_owned());
                    at = came_from[at];
                }
                path.push(start.to_owned());
                path.reverse();
                return Some(path);
            }
            if !came_from.contains_key(next.as_str()) {
                came_from.insert(next, module);
                queue.push_back(next);
            }
        }
    }
    None
}

#[test]
fn no_module_imports_itself_through_others() {
    let (mut modules, mut imports) = (0, 0);
    // One circle per set of modules on it, whichever of them it was found from.
    let mut circles: BTreeMap<(String, BTreeSet<String>), String> = BTreeMap::new();
    for (name, graph) in module_graphs() {
        modules += graph.len();
        imports += graph.values().map(BTreeSet::len).sum::<usize>();
        for start in graph.keys() {
            if let Some(circle) = circle_through(&graph, start) {
                let members = circle.iter().cloned().collect();
                let shown = format!("{name}: {}", circle.join(" -> "));
                circles.entry((name.clone(), members)).or_insert(shown);
            }
        }
    }
    assert!(modules > 80, "the modules were not found ({modules})");
    assert!(imports > 100, "the imports were not found ({imports})");
    let circles: Vec<String> = circles.into_values().collect();
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}
// ---------------------------------------------------------------------------------------------
// The readers themselves, on made-up code: what each check must see, and must not.

/// A made-up crate of `(module, code)` files, the root's module empty.
fn made_up(files: &[(&str, &str)]) -> Crate {
    let sources = files
        .iter()
        .map(|(module, text)| source(Path::new(module), (*module).to_owned(), text))
        .collect();
    let mut krate = Crate {
        name: "made-up".to_owned(),
        sources,
    };
    drop_test_modules(&mut krate);
    krate
}

#[test]
fn long_functions_are_found_in_any_form_and_only_in_code() {
    let body = "        let x = 1;\n        // Not counted.\n".repeat(MAX_FUNCTION_LINES);
    let long = format!(
        "impl A {{\n    pub(super) async fn long(&self) -> [u8; 2]\n    where\n        Self: Sized,\n    \
         {{\n{body}    }}\n}}\n"
    );
    let others = "fn short<'a>(x: &'a str) { let s = \"}\"; let c = '}'; let r = r#\"{\"#; }\n\
                  trait T { fn declared(&self); }\n\
                  // fn commented() {\n";
    let tests = format!("#[cfg(test)]\nmod tests {{\n    fn in_tests() {{\n{body}    }}\n}}\n");
    let source = source(Path::new("a.rs"), "a".to_owned(), &(long + others + &tests));
    let found: Vec<(String, usize)> = functions(&source.code)
        .iter()
        .map(|f| (f.name.clone(), length(&source, f)))
        .collect();
    let expected = [
        ("long".to_owned(), MAX_FUNCTION_LINES + 5),
        ("short".to_owned(), 1),
    ];
    assert_eq!(found, expected);
}

#[test]
fn circles_through_groups_super_and_reexports_are_found() {
    let krate = made_up(&[
        ("", "mod p;\npub use p::Policy;\n"),
        // Through `super::` on one side, a nested group on the other.
        ("x::y", "use super::z::f;\n"),
        ("x::z", "use crate::{x::{y::{self, g}}};\n"),
        // Through the root's re-export of `Policy`.
        ("p", "pub struct Policy;\nfn f() { crate::q::Q::<u8>::new(); }\n"),
        ("q", "use crate::Policy as P;\n"),
        // No circle: the way back is a comment, a string and a test.
        ("r", "use crate::s::S;\n"),
        (
            "s",
            "// crate::r\nconst S: &str = \"crate::r\";\n#[cfg(test)]\nmod tests { use crate::r; }\n",
        ),
    ]);
    let graph = module_graph(&krate);
    let circles: BTreeSet<Vec<String>> = graph.keys().filter_map(|m| circle_through(&graph, m)).collect();
    let expected = [
        ["p", "q", "p"],
        ["q", "p", "q"],
        ["x::y", "x::z", "x::y"],
        ["x::z", "x::y", "x::z"],
    ];
    let expected: BTreeSet<Vec<String>> = expected
        .iter()
        .map(|c| c.iter().map(|m| m.to_string()).collect())
        .collect();
    assert_eq!(circles, expected, "{graph:?}");
}

// ---------------------------------------------------------------------------------------------
// The layers of cors-core (ARCHITECTURE.md): from the bytes a browser sends up to the glue the
// adapters share. A module may import modules of its own layer and of the layers below.
const CORE_LAYERS: &[&[&str]] = &[
    &["limits"],
    &["wire"],
    &["config"],
    &["decision"],
    &["lookup"],
    &[
        "origin",
        "method",
        "header",
        "method_override",
        "preset",
        "guard",
        "route",
    ],
    &["compile"],
    &["file"],
    &["observe", "metrics"],
    &["policy"],
    &["set"],
    &["adapter"],
    &["live"],
];

/// The layer of a module: that of its top-level folder or file.
fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap_or(module);
    CORE_LAYERS.iter().position(|layer| layer.contains(&top))
}

/// Each import of `graph` that goes up a layer, and each module in no layer.
fn layering_faults(graph: &Graph) -> Vec<String> {
    let mut faults = Vec::new();
    for (module, imports) in graph {
        let Some(own) = layer_of(module) else {
            faults.push(format!("{module} is in no layer of CORE_LAYERS"));
            continue;
        };
        for import in imports {
            match layer_of(import) {
                Some(theirs) if theirs <= own => {}
                Some(theirs) => faults.push(format!(
                    "{module} (layer {own}) imports {import} (layer {theirs})"
                )),
                None => faults.push(format!("{module} imports {import}, which is in no layer")),
            }
        }
    }
    faults
}

#[test]
fn no_core_module_imports_one_of_a_layer_above_it() {
    let graphs = module_graphs();
    let (_, graph) = graphs
        .iter()
        .find(|(name, _)| name == "cors-core")
        .expect("cors-core is a member");
    assert!(
        graph.len() > 40,
        "the modules of cors-core were not found ({})",
        graph.len()
    );
    let faults = layering_faults(graph);
    assert!(
        faults.is_empty(),
        "imports against the layers:\n{}",
        faults.join("\n")
    );
}

#[test]
fn an_import_from_above_or_a_module_in_no_layer_is_a_fault() {
    let krate = made_up(&[
        ("", "mod wire;\nmod policy;\n"),
        ("wire::origin", "use crate::limits::MAX;\n"),
        ("limits", "pub const MAX: usize = 1;\n"),
        ("decision::plan", "use crate::policy::Policy;\n"),
        ("policy", "pub struct Policy;\nuse crate::wire::origin;\n"),
        ("extra", "use crate::limits::MAX;\n"),
    ]);
    let faults = layering_faults(&module_graph(&krate));
    let expected = [
        "decision::plan (layer 3) imports policy (layer 9)",
        "extra is in no layer of CORE_LAYERS",
    ];
    assert_eq!(faults, expected);
}

//! The crate's layers (see the picture at the top of `src/lib.rs`): reads the sources, finds
//! which module refers to which (`crate::x`, `crate::folder::x`, `use crate::{x, folder::{y}}`,
//! and the names `lib.rs` re-exports), and fails when a module refers to one in a layer above
//! it, when the references close a cycle, or when a module is not placed in a layer. A module
//! is a top-level module of `lib.rs`, or a submodule of a folder (`foundation/mod.rs`) whose
//! submodules are placed in layers one by one.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may use the modules of its own layer and of the layers below.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "foundation::clock",
            "foundation::config",
            "foundation::error_chain",
            "foundation::path_encoding",
            "foundation::report_time",
            "foundation::validate",
        ],
    ),
    (
        "generated",
        &[
            "codegen::hook_interface",
            "codegen::dispatch_support",
            "generated::client",
            "codegen::capture",
            "generated::dispatch",
        ],
    ),
    ("transport", &["transport"]),
    ("auth", &["auth"]),
    (
        "execution",
        &[
            "execution::error",
            "execution::retry",
            "execution::rate_limit",
            "execution::response_meta",
            "execution::hooks",
            "execution::execute",
            "execution::prepared",
        ],
    ),
    (
        "surface",
        &[
            "client",
            "typed::output",
            "typed::paginator",
            "typed::support",
            "typed::waiter",
            "generated::operations",
            "api",
            "ops",
            "wait",
            "fleet",
        ],
    ),
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The text of `file` without its `//` comments.
fn code(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `text` declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn declared(text: &str, file: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines().map(str::trim) {
        assert!(
            !line.starts_with("#[path"),
            "{}: a `#[path]` attribute; a module's file is where Rust looks for it",
            file.display()
        );
        let decl = ["pub mod ", "pub(crate) mod ", "mod "]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))
            .and_then(|rest| rest.strip_suffix(';'));
        if let Some(name) = decl {
            found.push(name.to_owned());
        }
    }
    found
}

/// The files module `dir/name` is made of: `name.rs` and everything under `name/`.
fn files_of(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if dir.join(format!("{name}.rs")).exists() {
        files.push(dir.join(format!("{name}.rs")));
    }
    if dir.join(name).is_dir() {
        files.extend(rust_files(&dir.join(name)));
    }
    files
}

/// The modules, each with the files it is made of. A folder whose submodules are placed in
/// `LAYERS` (`foundation::clock`) is split into them, and its `mod.rs` may only declare them.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let lib = src.join("lib.rs");
    let mut found = BTreeMap::new();
    for name in declared(&code(&lib), &lib) {
        let folder = format!("{name}::");
        let split = LAYERS
            .iter()
            .flat_map(|(_, names)| names.iter())
            .any(|n| n.starts_with(&folder));
        if !split {
            let files = files_of(src, &name);
            assert!(!files.is_empty(), "no source for module {name}");
            found.insert(name, files);
            continue;
        }
        let dir = src.join(&name);
        let mod_rs = dir.join("mod.rs");
        let text = code(&mod_rs);
        assert!(
            references(&text).is_empty(),
            "{} refers to other modules; it only declares its submodules",
            mod_rs.display()
        );
        for sub in declared(&text, &mod_rs) {
            let files = files_of(&dir, &sub);
            assert!(!files.is_empty(), "no source for module {name}::{sub}");
            found.insert(format!("{name}::{sub}"), files);
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The paths of a use tree (`a::{b, c::{self, D}}` is `a::b`, `a::c`, `a::c::D`), each with
/// the name it binds; globs are left out.
fn use_paths(prefix: &str, tree: &str, out: &mut Vec<(String, String)>) {
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_owned()
        } else {
            format!("{a}::{b}")
        }
    };
    let tree = tree.trim();
    if let (Some(open), Some(close)) = (tree.find('{'), tree.rfind('}')) {
        let head = join(prefix, tree[..open].trim().trim_end_matches("::"));
        let head = head.trim_end_matches("::");
        let mut depth = 0;
        let mut part = String::new();
        for c in tree[open + 1..close].chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    use_paths(head, &std::mem::take(&mut part), out);
                    continue;
                }
                _ => {}
            }
            part.push(c);
        }
        use_paths(head, &part, out);
        return;
    }
    let (path, rename) = match tree.split_once(" as ") {
        Some((path, rename)) => (path.trim(), Some(rename.trim())),
        None => (tree, None),
    };
    if path.is_empty() || path == "*" || path.ends_with("::*") {
        return;
    }
    let full = if path == "self" {
        prefix.to_owned()
    } else {
        join(prefix, path)
    };
    let name = rename.unwrap_or_else(|| full.rsplit("::").next().unwrap_or(""));
    out.push((full.clone(), name.to_owned()));
}

/// The paths `text` refers to through `crate::` (`crate::a::b::C` is `a::b::C`; comments must
/// already be left out).
fn references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        // The path, and the group it ends with if any (`a::{b, c}`) up to its closing brace.
        let mut end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('{') {
            let mut depth = 0;
            end += rest[end..]
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(rest.len() - end, |(i, _)| i + 1);
        }
        let mut paths = Vec::new();
        use_paths("", rest[..end].trim_end_matches(':'), &mut paths);
        found.extend(paths.into_iter().map(|(path, _)| path));
    }
    found
}

/// The names `lib.rs` re-exports at the crate root (`pub(crate) use foundation::validate;` makes
/// `validate`) and those a split folder's `mod.rs` re-exports (`generated::Client`), each with
/// the module it leads to.
fn aliases(src: &Path, modules: &BTreeMap<String, Vec<PathBuf>>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    // `raw` is the public name of the generated client.
    found.insert("raw".to_owned(), "generated::client".to_owned());
    let folders: BTreeSet<&str> = modules
        .keys()
        .filter_map(|m| m.split_once("::"))
        .map(|(f, _)| f)
        .collect();
    let sources = std::iter::once((String::new(), src.join("lib.rs"))).chain(
        folders
            .iter()
            .map(|f| (format!("{f}::"), src.join(f).join("mod.rs"))),
    );
    for (folder, file) in sources {
        for statement in code(&file).split(';') {
            let statement = statement.trim();
            let Some(tree) = ["pub use ", "pub(crate) use ", "use "]
                .iter()
                .find_map(|prefix| statement.strip_prefix(prefix))
            else {
                continue;
            };
            let mut paths = Vec::new();
            use_paths(folder.trim_end_matches("::"), tree, &mut paths);
            for (path, name) in paths {
                if let Some(module) = module_of(&path, modules, &BTreeMap::new()) {
                    found.insert(format!("{folder}{name}"), module);
                }
            }
        }
    }
    found
}

/// The module a path (`foundation::clock::Clock`, `validate::Rule`) leads to, if any.
fn module_of(
    path: &str,
    modules: &BTreeMap<String, Vec<PathBuf>>,
    aliases: &BTreeMap<String, String>,
) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len().min(2)).rev().find_map(|n| {
        let prefix = segments[..n].join("::");
        if modules.contains_key(&prefix) {
            Some(prefix)
        } else {
            aliases.get(&prefix).cloned()
        }
    })
}

/// Which module refers to which.
fn graph(src: &Path) -> Graph {
    let modules = modules(src);
    let aliases = aliases(src, &modules);
    let mut graph = Graph::new();
    for (name, files) in &modules {
        let mut uses = BTreeSet::new();
        for file in files {
            for path in references(&code(file)) {
                if let Some(used) = module_of(&path, &modules, &aliases)
                    && &used != name
                {
                    uses.insert(used);
                }
            }
        }
        graph.insert(name.clone(), uses);
    }
    graph
}

/// Every rule the graph breaks.
fn violations(graph: &Graph) -> Vec<String> {
    let layer_of: BTreeMap<&str, (usize, &str)> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (layer, names))| names.iter().map(move |n| (*n, (i, *layer))))
        .collect();
    let mut found = Vec::new();
    for (module, uses) in graph {
        let Some(&(level, layer)) = layer_of.get(module.as_str()) else {
            found.push(format!("module {module} is in no layer"));
            continue;
        };
        for used in uses {
            if let Some(&(used_level, used_layer)) = layer_of.get(used.as_str())
                && used_level > level
            {
                found.push(format!(
                    "{module} ({layer}) uses {used} ({used_layer}), a layer above it"
                ));
            }
        }
    }
    // Cycles: a depth-first search that meets a module still on its path.
    fn visit(
        graph: &Graph,
        module: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<String>,
    ) {
        if let Some(start) = path.iter().position(|m| m == module) {
            found.push(format!("cycle: {} -> {module}", path[start..].join(" -> ")));
            return;
        }
        if !done.insert(module.to_owned()) {
            return;
        }
        path.push(module.to_owned());
        for used in graph.get(module).into_iter().flatten() {
            visit(graph, used, path, done, found);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(graph, module, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn no_module_uses_a_layer_above_it_and_there_is_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    // What was checked: every module, and the references that matter.
    let placed: usize = LAYERS.iter().map(|(_, names)| names.len()).sum();
    assert_eq!(graph.len(), placed, "{graph:?}");
    let client = &graph["generated::client"];
    assert!(client.contains("codegen::hook_interface"), "{graph:?}");
    assert!(!client.contains("execution::hooks"), "{graph:?}");
    assert!(
        graph["generated::dispatch"].contains("codegen::capture"),
        "{graph:?}"
    );
    assert!(
        graph["generated::dispatch"].contains("foundation::validate"),
        "{graph:?}"
    );
    assert!(
        graph["execution::hooks"].contains("generated::client"),
        "{graph:?}"
    );
    assert!(graph["client"].contains("execution::execute"), "{graph:?}");
    assert!(graph["api"].contains("generated::dispatch"), "{graph:?}");
    assert!(graph["auth"].contains("transport"), "{graph:?}");
    let found = violations(&graph);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_finds_an_upward_import_a_cycle_and_a_stray_module() {
    let mut graph = Graph::new();
    let edge = |graph: &mut Graph, a: &str, b: &str| {
        graph.entry(a.into()).or_default().insert(b.into());
        graph.entry(b.into()).or_default();
    };
    edge(&mut graph, "transport", "auth");
    edge(&mut graph, "auth", "transport");
    edge(&mut graph, "stray", "config");
    let found = violations(&graph);
    assert!(
        found
            .iter()
            .any(|v| v == "transport (transport) uses auth (auth), a layer above it"),
        "{found:?}"
    );
    assert!(found.iter().any(|v| v.starts_with("cycle: ")), "{found:?}");
    assert!(
        found.iter().any(|v| v == "module stray is in no layer"),
        "{found:?}"
    );
}

#[test]
fn references_are_read_from_paths_and_use_groups() {
    let text = "use crate::{auth::Auth, foundation::{config::{self, Timeouts}, clock}};\n\
                let x = crate::transport::HttpClient::new();\n\
                use crate::execution::{error::Error, retry as r};\n";
    let found = references(text);
    let expected: BTreeSet<String> = [
        "auth::Auth",
        "foundation::config",
        "foundation::config::Timeouts",
        "foundation::clock",
        "transport::HttpClient::new",
        "execution::error::Error",
        "execution::retry",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(found, expected);
    let modules: BTreeMap<String, Vec<PathBuf>> =
        ["auth", "foundation::config", "execution::retry"]
            .into_iter()
            .map(|m| (m.to_owned(), Vec::new()))
            .collect();
    let aliases = BTreeMap::from([("config".to_owned(), "foundation::config".to_owned())]);
    let of = |path| module_of(path, &modules, &aliases);
    assert_eq!(of("auth::Auth").as_deref(), Some("auth"));
    assert_eq!(
        of("foundation::config::Timeouts").as_deref(),
        Some("foundation::config")
    );
    assert_eq!(
        of("config::Timeouts").as_deref(),
        Some("foundation::config")
    );
    assert_eq!(of("execution::retry").as_deref(), Some("execution::retry"));
    assert_eq!(of("foundation::clock"), None);
    assert_eq!(of("Error"), None);
}

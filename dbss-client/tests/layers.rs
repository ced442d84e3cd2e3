//! The crate's layers (see the picture at the top of `src/lib.rs`): reads the sources, finds
//! which top-level module refers to which (`crate::x`, `use crate::{x, y}`), and fails when a
//! module refers to one in a layer above it, when the references close a cycle, or when a
//! module is not placed in a layer.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may use the modules of its own layer and of the layers below.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "clock",
            "config",
            "error_chain",
            "path_encoding",
            "report_time",
            "validate",
        ],
    ),
    (
        "generated",
        &[
            "hook_interface",
            "dispatch_support",
            "generated",
            "capture",
            "generated_dispatch",
        ],
    ),
    ("transport", &["transport"]),
    ("auth", &["auth"]),
    (
        "execution",
        &[
            "error",
            "retry",
            "rate_limit",
            "response_meta",
            "hooks",
            "execute",
            "prepared",
        ],
    ),
    ("surface", &["client", "api", "ops", "wait"]),
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The modules `lib.rs` declares, with the files each is made of.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut found = BTreeMap::new();
    let mut path_attr: Option<String> = None;
    for line in lib.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path_attr = Some(rest.trim_end_matches("\"]").to_owned());
            continue;
        }
        let decl = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        let Some(name) = decl else {
            if !line.starts_with("#[") {
                path_attr = None;
            }
            continue;
        };
        let files = match path_attr.take() {
            Some(path) => vec![src.join(path)],
            None if src.join(format!("{name}.rs")).exists() => vec![src.join(format!("{name}.rs"))],
            None => rust_files(&src.join(name)),
        };
        assert!(!files.is_empty(), "no source for module {name}");
        found.insert(name.to_owned(), files);
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

/// The top-level modules `text` refers to through `crate::` (comments left out).
fn references(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c}`: the names at the group's top level.
            let mut depth = 0;
            let mut name = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => {
                        name.push(c)
                    }
                    _ => {
                        if !name.is_empty() {
                            found.insert(std::mem::take(&mut name));
                        }
                        if !c.is_whitespace() {
                            at_start = false;
                        }
                    }
                }
            }
            if !name.is_empty() {
                found.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// Which declared module refers to which.
fn graph(src: &Path) -> Graph {
    let modules = modules(src);
    let mut graph = Graph::new();
    for (name, files) in &modules {
        let mut uses = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(file).unwrap();
            for used in references(&text) {
                // `raw` is the public name of the generated client.
                let used = if used == "raw" {
                    "generated".to_owned()
                } else {
                    used
                };
                if &used != name && modules.contains_key(&used) {
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
    assert!(graph["generated"].contains("hook_interface"), "{graph:?}");
    assert!(!graph["generated"].contains("hooks"), "{graph:?}");
    assert!(graph["hooks"].contains("generated"), "{graph:?}");
    assert!(graph["client"].contains("execute"), "{graph:?}");
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
    let text = "use crate::{auth::Auth, config::{self, Timeouts}, error};\n\
                let x = crate::transport::HttpClient::new();\n\
                // crate::client is only mentioned in a comment\n";
    let found = references(text);
    let expected: BTreeSet<String> = ["auth", "config", "error", "transport"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
}

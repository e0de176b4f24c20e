//! The code's layers, checked on the source itself: no cycle between the top-level modules of
//! `src/` (each only calls downward, as ARCHITECTURE.md draws them), and the pure core (decoding,
//! parsing, planning, rendering) names no module or crate that does IO.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// Every `.rs` file under `dir`, but unit tests (`tests.rs` or a `tests/` folder, which may use
/// anything).
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && path.file_name().is_some_and(|name| name == "tests") {
            continue;
        }
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs")
            && path.file_name().is_some_and(|name| name != "tests.rs")
        {
            files.push(path);
        }
    }
    files
}

/// A file's code without its inline unit tests.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(start) => text[..start].to_owned(),
        None => text,
    }
}

/// The top-level modules a file's code names: `crate::x::…` paths and the items of
/// `use crate::{x::…, y, …}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The top-level items of the group, at depth 0.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            names.insert(first_segment(&item));
        } else {
            names.insert(first_segment(rest));
        }
    }
    names.remove("");
    names
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The top-level module a file of `src/` belongs to.
fn top_module(src: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_owned()
}

#[test]
fn no_cycle_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources(&src) {
        let module = top_module(&src, &path);
        if module == "lib" || module == "main" {
            continue;
        }
        let uses = graph.entry(module.clone()).or_default();
        for named in named_modules(&code(&path)) {
            if named != module {
                uses.insert(named);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|named| modules.contains(named));
    }
    // A module is in a cycle if it can reach itself.
    for start in &modules {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((module, path)) = stack.pop() {
            for next in &graph[&module] {
                if next == start {
                    panic!("modules in a cycle: {} → {start}", path.join(" → "));
                }
                if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    // The check sees the graph: the pipeline uses the kinds, the kinds do not use it.
    assert!(graph["pipeline"].contains("command"));
    assert!(!graph["command"].contains("pipeline"));
}

#[test]
fn the_pure_core_names_no_module_that_does_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut pure: Vec<PathBuf> = sources(&src.join("input"));
    pure.extend(sources(&src.join("output/report")));
    for file in [
        "error.rs",
        "outcome.rs",
        "command/routing.rs",
        "command/parse.rs",
        "command/refs.rs",
        "command/dates.rs",
        "command/parsed.rs",
        "command/values.rs",
        "output/tryback.rs",
        "output/naming.rs",
        "output/summary.rs",
        "retention/plan.rs",
        "retention/settings.rs",
        "monitor/exposition.rs",
    ] {
        pure.push(src.join(file));
    }
    // Every file of a kind's folder but its store (its reads and writes) and `kind.rs` (which
    // runs them for the pipeline).
    for kind in ["user", "cohort", "binding", "enrolment"] {
        let folder = src.join("command").join(kind);
        pure.extend(sources(&folder).into_iter().filter(|path| {
            let relative = path.strip_prefix(&folder).unwrap();
            !relative.starts_with("store")
                && !relative.starts_with("store.rs")
                && !relative.starts_with("kind.rs")
        }));
    }
    let io = [
        "std::fs",
        "tokio",
        "sqlx",
        "reqwest",
        "crate::db",
        "crate::spool",
        "crate::service",
        "crate::pipeline",
        "crate::app",
        "crate::manage",
        "crate::config",
        "crate::telemetry",
        "crate::host",
        "atomic::",
        "store::",
    ];
    let mut found = Vec::new();
    for path in &pure {
        let code = code(path);
        for name in io {
            if code.contains(name) {
                found.push(format!("{} names {name}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

//! The library's layers only point down: no source file (tests excluded) is part of an import
//! cycle between files, and nothing below the fixture harness names it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, as paths relative to `root`.
fn sources(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder is readable") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            sources(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
}

/// The code of a file without its `#[cfg(test)]` part and plain comment lines. Doc comments
/// stay: an intra-doc link (`[watcher](crate::harness::watcher)`) names its target as an import
/// does, and rustdoc resolves it the same way.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file is readable");
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("//") || l.starts_with("///") || l.starts_with("//!")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The file a `crate::a::b::c` path names: the longest prefix that is a module file.
fn module_file(files: &BTreeSet<String>, path: &[&str]) -> Option<String> {
    (1..=path.len()).rev().find_map(|n| {
        let base = path[..n].join("/");
        [format!("{base}.rs"), format!("{base}/mod.rs")]
            .into_iter()
            .find(|c| files.contains(c))
    })
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    sources(&root, &root, &mut paths);
    let files: BTreeSet<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let re = regex::Regex::new(r"crate::((?:[a-z_]+::)*[a-z_]+)").expect("a valid regex");
    let mut graph = BTreeMap::new();
    for file in files.iter().filter(|f| *f != "lib.rs") {
        let text = code(&root.join(file));
        let deps = re
            .captures_iter(&text)
            .filter_map(|c| module_file(&files, &c[1].split("::").collect::<Vec<_>>()))
            .filter(|d| d != file)
            .collect();
        graph.insert(file.clone(), deps);
    }
    graph
}

#[test]
fn nothing_below_the_harness_imports_it() {
    let upward: Vec<String> = graph()
        .into_iter()
        .filter(|(file, _)| !file.starts_with("harness/"))
        .flat_map(|(file, deps)| {
            deps.into_iter()
                .filter(|d| d.starts_with("harness/"))
                .map(move |d| format!("{file} -> {d}"))
        })
        .collect();
    assert_eq!(upward, Vec::<String>::new());
}

#[test]
fn no_source_file_is_in_an_import_cycle() {
    let graph = graph();
    // A file is in a cycle when it can reach itself.
    let mut cyclic = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph[start].iter().collect();
        while let Some(next) = todo.pop() {
            if next == start {
                cyclic.push(start.clone());
                break;
            }
            if seen.insert(next.clone()) {
                todo.extend(graph.get(next).into_iter().flatten());
            }
        }
    }
    assert_eq!(cyclic, Vec::<String>::new());
}

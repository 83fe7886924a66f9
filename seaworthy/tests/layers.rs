//! The library's layers only point down, and no source file is part of an import cycle.
//!
//! Every file of `seaworthy/src` (its `#[cfg(test)]` part and plain comments excluded; doc
//! comments kept, as an intra-doc link names its target the way an import does) is read for the
//! module paths it names: `crate::`, `super::` and `self::` paths anywhere (imports, inline
//! paths, doc links), `use` groups (`use crate::{a, b::{c, d}}`), and a `use` of a child module
//! (`use retry::X` in `engine/mod.rs`). A path is resolved to the file of the longest module
//! prefix it names; when it names an item that file only re-exports (`pub use inner::Item`), it
//! is resolved one level further, to the file that defines the item.
//!
//! Each file has a layer ([`LAYERS`], bottom first); a file may name files of its own layer or
//! below. The order and why each file sits where it does is in ARCHITECTURE.md ("Layers inside
//! `seaworthy`").

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first: a file's layer is that of the first prefix it starts with (a
/// folder ends in `/`); a file no prefix matches is a bottom helper (layer 0).
///
/// - Domain error files (`*/error.rs`) are leaves at the bottom: `seaworthy::Error` (error.rs)
///   wraps each domain's error, and every layer returns it. They name only bottom helpers.
/// - `engine/transport.rs` reads bollard's errors (pure logic): the engine's error names it.
/// - `helper.rs` (`DockerHelper`: the connection, pulls, cleanup) sits with images and cleanup,
///   which it joins; everything above holds a `DockerHelper`.
/// - `wait.rs` (the `Wait` a definition holds: a description) sits with the definitions;
///   `readiness.rs` (the loop that waits) sits above them.
/// - `structure/` (checks of the image itself) sits with the definitions: it creates containers
///   from images through the handle layer, and nothing below it names it.
/// - `compose/` (a Compose file as a resource) sits below the harness: the harness's resource
///   bookkeeping knows a stack's several objects; the stack never names the harness.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "bottom helpers",
        &[
            "error.rs",
            "engine/error.rs",
            "engine/transport.rs",
            "images/error.rs",
            "definitions/container/error.rs",
            "fixture_error.rs",
            "http/error.rs",
            "ps/error.rs",
            "structure/error.rs",
            "compose/error.rs",
            "fresh.rs",
            "copy/error.rs",
        ],
    ),
    ("engine", &["engine/"]),
    (
        "images and cleanup",
        &["images/", "cleanup/", "helper.rs", "sweep_command.rs"],
    ),
    (
        "handle",
        &[
            "handle.rs",
            "ports.rs",
            "exec.rs",
            "logs.rs",
            "ps/",
            "http/",
            "attach.rs",
        ],
    ),
    (
        "definitions",
        &[
            "definitions/",
            "wait.rs",
            "structure/",
            "copy/",
            "log_consumer.rs",
        ],
    ),
    ("readiness", &["readiness.rs"]),
    ("compose", &["compose/"]),
    ("harness", &["harness/"]),
    ("containers", &["containers/"]),
];

fn layer(file: &str) -> usize {
    LAYERS
        .iter()
        .position(|(_, prefixes)| {
            prefixes
                .iter()
                .any(|p| file == *p || (p.ends_with('/') && file.starts_with(p)))
        })
        .unwrap_or(0)
}

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

/// The code of a file without its `#[cfg(test)]` part and plain comment lines.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file is readable");
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("//") || l.starts_with("///") || l.starts_with("//!")
        })
        .map(|l| {
            let t = l.trim_start();
            t.strip_prefix("///")
                .or_else(|| t.strip_prefix("//!"))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a file: `engine/retry.rs` is `[engine, retry]`, `engine/mod.rs` is
/// `[engine]`, `lib.rs` is `[]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The paths a `use` tree or inline path starting at `text` spells, expanding `{…}` groups:
/// `a::{b, c::{d, E}}` gives `a::b`, `a::c::d`, `a::c::E`.
fn expand(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut prefix: Vec<String> = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let segment = &rest[..end];
        rest = &rest[end..];
        if !segment.is_empty() {
            prefix.push(segment.to_string());
        }
        if let Some(after) = rest.strip_prefix("::") {
            rest = after;
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 1;
                let close = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(group.len());
                let mut depth = 0;
                let mut start = 0;
                let inner = &group[..close];
                let mut items = Vec::new();
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            items.push(&inner[start..i]);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                items.push(&inner[start..]);
                for item in items {
                    let item = item.trim();
                    if item.is_empty() {
                        continue;
                    }
                    for tail in expand(item) {
                        let mut path = prefix.clone();
                        path.extend(tail.into_iter().filter(|s| s != "self"));
                        out.push(path);
                    }
                }
                return out;
            }
            continue;
        }
        out.push(prefix);
        return out;
    }
}

struct Crate {
    files: BTreeSet<String>,
    code: BTreeMap<String, String>,
}

impl Crate {
    fn read() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        sources(&root, &root, &mut paths);
        let files: BTreeSet<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let code = files
            .iter()
            .map(|f| (f.clone(), code(&root.join(f))))
            .collect();
        Crate { files, code }
    }

    /// The file of a module path, if it is one.
    fn file_of(&self, module: &[String]) -> Option<String> {
        if module.is_empty() {
            return Some("lib.rs".to_string());
        }
        let base = module.join("/");
        [format!("{base}.rs"), format!("{base}/mod.rs")]
            .into_iter()
            .find(|c| self.files.contains(c))
    }

    /// The file an absolute path (from the crate root) names: the longest module prefix, then
    /// one level of re-exports for the item after it.
    fn resolve(&self, path: &[String], follow: bool) -> Option<String> {
        let n = (0..=path.len())
            .rev()
            .find(|&n| self.file_of(&path[..n]).is_some())?;
        let file = self.file_of(&path[..n])?;
        if follow && n < path.len() {
            if let Some(target) = self.reexport(&file, &path[..n], &path[n]) {
                return Some(target);
            }
        }
        Some(file)
    }

    /// Where `file` (module `module`) takes `item` from, when it re-exports it with `pub use`.
    fn reexport(&self, file: &str, module: &[String], item: &str) -> Option<String> {
        let re = regex::Regex::new(r"pub(?:\([a-z]+\))?\s+use\s+([^;]+);").unwrap();
        for c in re.captures_iter(&self.code[file]) {
            for path in expand(&c[1].split_whitespace().collect::<String>()) {
                let last = path.last().map(String::as_str);
                let renamed = c[1].contains(&format!(" as {item}"));
                if last == Some(item) || renamed {
                    let absolute = self.absolute(module, file, &path)?;
                    return self.resolve(&absolute, false);
                }
            }
        }
        None
    }

    /// A path as written in `file` (module `module`), from the crate root: `crate::`,
    /// `super::`, `self::`, or a child module of `module`; `None` for other crates' paths.
    fn absolute(&self, module: &[String], file: &str, path: &[String]) -> Option<Vec<String>> {
        let mut base: Vec<String> = module.to_vec();
        // `super` in `engine/retry.rs` (module engine::retry) is `engine`.
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            Some(first) => {
                let mut child = module.to_vec();
                child.push(first.to_string());
                // A `use` of a child module, declared in this file.
                let declared = self.code[file].contains(&format!("mod {first};"));
                if !declared || self.file_of(&child).is_none() {
                    return None;
                }
            }
            None => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn graph(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.edges()
            .into_iter()
            .map(|(file, deps)| (file, deps.into_keys().collect()))
            .collect()
    }

    /// Each file's imports, each with the first path that names it (for messages).
    fn edges(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let prefixed = regex::Regex::new(r"\b((?:crate|super|self)::[A-Za-z_:{}, \n]*)").unwrap();
        let child_use = regex::Regex::new(
            r"(?m)^\s*(?:pub(?:\([a-z]+\))?\s+)?use\s+([a-z_][a-z_0-9]*::[^;]+);",
        )
        .unwrap();
        let reexports = regex::Regex::new(r"pub(?:\([a-z]+\))?\s+use\s+[^;]+;").unwrap();
        let mut graph = BTreeMap::new();
        for file in self.files.iter().filter(|f| *f != "lib.rs") {
            let module = module_of(file);
            // A re-export forwards: who names the item through it is resolved to the file
            // that defines it, and the re-exporting file does not depend on it.
            let text = &reexports.replace_all(&self.code[file], "").into_owned();
            let mut written: Vec<Vec<String>> = Vec::new();
            for c in prefixed.captures_iter(text) {
                // An inline path ends at the first character that is not part of it; a `use`
                // group spans braces and lines.
                let raw = &c[1];
                let raw = if raw.contains('{') {
                    raw
                } else {
                    raw.split(|ch: char| ch.is_whitespace() || ch == ',')
                        .next()
                        .unwrap_or(raw)
                };
                written.extend(expand(&raw.split_whitespace().collect::<String>()));
            }
            for c in child_use.captures_iter(text) {
                written.extend(expand(&c[1].split_whitespace().collect::<String>()));
            }
            let mut deps = BTreeMap::new();
            for p in &written {
                let Some(dep) = self
                    .absolute(&module, file, p)
                    .and_then(|a| self.resolve(&a, true))
                else {
                    continue;
                };
                if dep != *file && dep != "lib.rs" {
                    deps.entry(dep).or_insert_with(|| p.join("::"));
                }
            }
            graph.insert(file.clone(), deps);
        }
        graph
    }
}

#[test]
fn paths_are_expanded_and_resolved() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        expand("crate::a::{b,c::{d,E},self}"),
        vec![
            s(&["crate", "a", "b"]),
            s(&["crate", "a", "c", "d"]),
            s(&["crate", "a", "c", "E"]),
            s(&["crate", "a"]),
        ]
    );
    assert_eq!(module_of("engine/mod.rs"), s(&["engine"]));
    assert_eq!(module_of("engine/retry.rs"), s(&["engine", "retry"]));
    let krate = Crate::read();
    // `super::` from a file and from a folder's mod.rs.
    assert_eq!(
        krate.absolute(
            &s(&["engine", "retry"]),
            "engine/retry.rs",
            &s(&["super", "transport"])
        ),
        Some(s(&["engine", "transport"]))
    );
    // One level of re-exports: `crate::Error` is defined in error.rs, re-exported by lib.rs.
    assert_eq!(
        krate.resolve(&s(&["Error"]), true).as_deref(),
        Some("error.rs")
    );
    // A re-export of a child module's item, by a relative `use`.
    assert_eq!(
        krate.resolve(&s(&["ResourceKind"]), true).as_deref(),
        Some("resource_kind.rs")
    );
    let graph = krate.graph();
    assert!(graph["cleanup/removal.rs"].contains("engine/retry.rs"));
    // `crate::error::EngineError`: error.rs re-exports it from engine/error.rs.
    assert!(graph["engine/retry.rs"].contains("engine/error.rs"));
}

#[test]
fn every_import_points_to_the_same_layer_or_below() {
    let upward: Vec<String> = Crate::read()
        .graph()
        .into_iter()
        .flat_map(|(file, deps)| {
            let from = layer(&file);
            deps.into_iter()
                .filter(move |d| layer(d) > from)
                .map(move |d| {
                    format!(
                        "{file} ({}) -> {d} ({})",
                        LAYERS[from].0,
                        LAYERS[layer(&d)].0
                    )
                })
        })
        .collect();
    assert_eq!(upward, Vec::<String>::new());
}

#[test]
fn no_source_file_is_in_an_import_cycle() {
    let graph = Crate::read().graph();
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

/// `cargo test -p seaworthy --test layers -- --ignored --nocapture print_graph` prints every
/// file's imports, for finding what closes a cycle.
#[test]
#[ignore]
fn print_graph() {
    for (file, deps) in Crate::read().edges() {
        println!("{file} ({}): {deps:?}", LAYERS[layer(&file)].0);
    }
}

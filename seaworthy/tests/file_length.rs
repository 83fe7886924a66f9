//! No library source file of the workspace (`*/src/**/*.rs`) is longer than 600 lines, not
//! counting its `#[cfg(test)]` modules: a longer file holds more than one concept and is split
//! by concept, into small modules named for what they hold.

use std::path::{Path, PathBuf};

/// The most lines a source file may have outside its `#[cfg(test)]` modules.
const MAX_LINES: usize = 600;

/// Files allowed to be longer for now, each with the issue that splits it (none today).
const EXEMPT: &[&str] = &[];

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder is readable") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` outside its `#[cfg(test)]` modules (`#[cfg(test)]`, optionally more
/// attributes, then `mod NAME {` up to the `}` at the same indentation, as rustfmt writes it).
fn counted_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut count = 0;
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            let mut k = i + 1;
            while k < lines.len() && lines[k].trim_start().starts_with("#[") {
                k += 1;
            }
            if let Some(line) = lines.get(k) {
                let indent = &line[..line.len() - line.trim_start().len()];
                let head = line.trim_start();
                let head = head
                    .strip_prefix("pub(crate) ")
                    .or_else(|| head.strip_prefix("pub "))
                    .unwrap_or(head);
                if head.starts_with("mod ") && head.ends_with('{') {
                    let close = format!("{indent}}}");
                    let end = (k + 1..lines.len())
                        .find(|&j| lines[j] == close)
                        .unwrap_or(lines.len());
                    i = end + 1;
                    continue;
                }
            }
        }
        count += 1;
        i += 1;
    }
    count
}

#[test]
fn test_modules_are_not_counted() {
    let text = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    fn b() {\n    }\n}\nfn c() {}\n";
    assert_eq!(counted_lines(text), 3);
    let nested =
        "mod m {\n    #[cfg(test)]\n    #[allow(unused)]\n    mod t {\n        x\n    }\n}\n";
    assert_eq!(counted_lines(nested), 2);
    // A `#[cfg(test)]` on something else than a module body counts.
    assert_eq!(counted_lines("#[cfg(test)]\nfn helper() {}\n"), 2);
}

#[test]
fn no_library_source_file_is_longer_than_600_lines() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is in the workspace");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace).expect("the workspace is readable") {
        let src = krate.expect("a workspace entry").path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    assert!(files.len() > 100, "found only {} source files", files.len());
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let name = path
                .strip_prefix(workspace)
                .expect("under the workspace")
                .display()
                .to_string();
            let text = std::fs::read_to_string(path).expect("a source file is readable");
            let lines = counted_lines(&text);
            (lines > MAX_LINES && !EXEMPT.contains(&name.as_str()))
                .then(|| format!("{name}: {lines} lines"))
        })
        .collect();
    long.sort();
    assert_eq!(long, Vec::<String>::new(), "split these files by concept");
}

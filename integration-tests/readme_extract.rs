//! The ```rust blocks of the workspace's Markdown pages and their `<!-- readme-test: … -->`
//! markers: which pages there are, extraction and the generated test file. Used by `build.rs`,
//! and tested by `tests/readme.rs`.

use std::fmt::Write as _;
use std::path::Path;

const MARKER: &str = "<!-- readme-test:";

/// A ```rust block of a page.
pub(crate) struct Block {
    /// The page's line of the opening fence (1-based).
    pub(crate) line: usize,
    /// What the marker says: `Ok(group)` or `Err(reason)` for `ignore`.
    pub(crate) target: Result<String, String>,
    /// The block's text, its fence's indentation removed.
    pub(crate) code: String,
}

/// A page's ```rust blocks with their markers, or `"LINE: what is wrong"`.
pub(crate) fn extract(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut pending: Option<(usize, Result<String, String>)> = None;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(MARKER) {
            if let Some((at, _)) = pending {
                return Err(format!(
                    "{at}: readme-test marker not followed by a ```rust block"
                ));
            }
            pending = Some((n, parse_marker(rest).map_err(|e| format!("{n}: {e}"))?));
            continue;
        }
        let Some((fence, fence_rest)) = fence_open(trimmed) else {
            if !trimmed.is_empty() {
                if let Some((at, _)) = pending {
                    return Err(format!(
                        "{at}: readme-test marker not followed by a ```rust block"
                    ));
                }
            }
            continue;
        };
        let indent = line.len() - trimmed.len();
        // `rust` or `rs`, alone or with rustdoc's attributes (`rust,no_run`).
        let is_rust = fence_rest
            .trim()
            .split([',', ' ', '{'])
            .next()
            .is_some_and(|lang| lang == "rust" || lang == "rs");
        let mut code = String::new();
        let mut closed = false;
        for (_, body) in lines.by_ref() {
            if fence_closes(body.trim(), fence) {
                closed = true;
                break;
            }
            code.push_str(body.get(indent..).unwrap_or(body.trim_start()));
            code.push('\n');
        }
        if !closed {
            return Err(format!("{n}: code block never closed"));
        }
        match (is_rust, pending.take()) {
            (true, Some((_, target))) => blocks.push(Block {
                line: n,
                target,
                code,
            }),
            (true, None) => {
                return Err(format!(
                    "{n}: ```rust block without a marker: put `<!-- readme-test: GROUP -->` \
                     (the test module it joins) or `<!-- readme-test: ignore: REASON -->` \
                     on the line before it"
                ))
            }
            (false, Some((at, _))) => {
                return Err(format!(
                    "{at}: readme-test marker before a block that is not ```rust"
                ))
            }
            (false, None) => {}
        }
    }
    if let Some((at, _)) = pending {
        return Err(format!(
            "{at}: readme-test marker not followed by a ```rust block"
        ));
    }
    Ok(blocks)
}

/// The fence (three or more backticks or tildes) that opens a code block, and the info string
/// after it.
fn fence_open(trimmed: &str) -> Option<(&str, &str)> {
    let char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.len() - trimmed.trim_start_matches(char).len();
    let (fence, info) = trimmed.split_at(len);
    // A backtick fence's info string has no backtick (CommonMark): "```` ```rust ````" at the
    // start of a line is a code span, not a fence.
    (len >= 3 && !(char == '`' && info.contains('`'))).then_some((fence, info))
}

/// Whether a (trimmed) line closes the block `fence` opened: the same character, at least as
/// many times, and nothing after it.
fn fence_closes(trimmed: &str, fence: &str) -> bool {
    let char = fence.chars().next().expect("a fence is not empty");
    trimmed.len() >= fence.len() && trimmed.chars().all(|c| c == char)
}

/// `GROUP -->` or `ignore: REASON -->`.
fn parse_marker(rest: &str) -> Result<Result<String, String>, String> {
    let Some(body) = rest.trim().strip_suffix("-->") else {
        return Err("readme-test marker must end with `-->` on the same line".into());
    };
    let body = body.trim();
    if body == "ignore" || body.starts_with("ignore:") {
        let reason = body["ignore".len()..].trim_start_matches(':').trim();
        if reason.is_empty() {
            return Err("`readme-test: ignore` needs a reason: `ignore: REASON`".into());
        }
        return Ok(Err(reason.to_string()));
    }
    let valid = body.starts_with(|c: char| c.is_ascii_lowercase())
        && body
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "readme-test group `{body}` must be a lower-case Rust module name (or `ignore: REASON`)"
        ));
    }
    Ok(Ok(body.to_string()))
}

/// The Markdown pages whose examples are tested, as `/`-separated paths relative to the
/// workspace root, sorted: every `*.md` file of the workspace except those under `target`,
/// hidden directories and `src` directories (the latter are rustdoc pages, pulled into the
/// crate docs with `include_str!` and tested as doctests).
pub(crate) fn pages(root: &Path) -> Result<Vec<String>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
            if kind.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "src") {
                    walk(root, &path, out)?;
                }
            } else if name.ends_with(".md") {
                let relative = path.strip_prefix(root).expect("walked below the root");
                let parts: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

/// The test module of a page: its path, lower-cased, with every other character than a letter
/// or a digit made `_`: `README.md` is `readme`, `docs/looking-inside.md` is
/// `docs_looking_inside`, `seaworthy/README.md` is `seaworthy_readme`.
pub(crate) fn page_module(page: &str) -> String {
    let stem = page.strip_suffix(".md").unwrap_or(page);
    let module: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if module.starts_with(|c: char| c.is_ascii_digit()) {
        format!("page_{module}")
    } else {
        module
    }
}

/// One module per page that has blocks (in the order given), holding one module per group (in
/// order of first appearance), and the inventory the guard tests check: `PAGES` (every page
/// read, with blocks or not), `PAGE_GROUPS` (page, group, the page's lines of the group's
/// blocks) and `PAGE_IGNORED` (page, line, reason).
pub(crate) fn render(pages: &[(String, Vec<Block>)]) -> String {
    let mut out = String::from(
        "// Generated by integration-tests/build.rs from the workspace's Markdown pages.\n\n",
    );
    let mut inventory = Vec::new();
    let mut ignored = Vec::new();
    for (page, blocks) in pages {
        let mut groups: Vec<(&str, Vec<&Block>)> = Vec::new();
        for block in blocks {
            match &block.target {
                Ok(group) => match groups.iter_mut().find(|(g, _)| g == group) {
                    Some((_, members)) => members.push(block),
                    None => groups.push((group, vec![block])),
                },
                Err(reason) => ignored.push((page, block.line, reason.as_str())),
            }
        }
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(out, "/// {page}\nmod {} {{", page_module(page));
        for (group, members) in &groups {
            let _ = writeln!(out, "mod {group} {{\n#![allow(dead_code)]");
            for block in members {
                let _ = writeln!(out, "// {page} line {}", block.line);
                out.push_str(&block.code);
            }
            out.push_str("}\n");
            let lines: Vec<String> = members.iter().map(|b| b.line.to_string()).collect();
            inventory.push(format!(
                "    ({page:?}, {group:?}, &[{}]),",
                lines.join(", ")
            ));
        }
        out.push_str("}\n\n");
    }
    out.push_str("/// Every page read, with Rust blocks or not.\nconst PAGES: &[&str] = &[\n");
    for (page, _) in pages {
        let _ = writeln!(out, "    {page:?},");
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Each group of each page and the page's lines of the group's blocks' fences.\n",
    );
    out.push_str("const PAGE_GROUPS: &[(&str, &str, &[usize])] = &[\n");
    for line in &inventory {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("];\n\n/// Blocks marked `ignore`: their page, line and reason.\n");
    out.push_str("const PAGE_IGNORED: &[(&str, usize, &str)] = &[\n");
    for (page, line, reason) in &ignored {
        let _ = writeln!(out, "    ({page:?}, {line}, {reason:?}),");
    }
    out.push_str("];\n");
    out
}

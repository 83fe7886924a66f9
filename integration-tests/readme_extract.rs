//! The README's ```rust blocks and their `<!-- readme-test: … -->` markers: extraction and the
//! generated test file. Used by `build.rs`, and tested by `tests/readme.rs`.

use std::fmt::Write as _;

const MARKER: &str = "<!-- readme-test:";

/// A ```rust block of the README.
pub(crate) struct Block {
    /// README line of the opening fence (1-based).
    pub(crate) line: usize,
    /// What the marker says: `Ok(group)` or `Err(reason)` for `ignore`.
    pub(crate) target: Result<String, String>,
    /// The block's text, its fence's indentation removed.
    pub(crate) code: String,
}

/// The README's ```rust blocks with their markers, or `"LINE: what is wrong"`.
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
        let Some(fence_rest) = trimmed.strip_prefix("```") else {
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
        let is_rust = fence_rest
            .split([',', ' '])
            .next()
            .is_some_and(|lang| lang == "rust");
        let mut code = String::new();
        let mut closed = false;
        for (_, body) in lines.by_ref() {
            if body.trim_start().starts_with("```") {
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

/// One module per group (in order of first appearance), and the inventory the guard test
/// checks: `README_GROUPS` (group, README lines of its blocks), `README_IGNORED` (line, reason).
pub(crate) fn render(blocks: &[Block]) -> String {
    let mut groups: Vec<(&str, Vec<&Block>)> = Vec::new();
    let mut ignored = Vec::new();
    for block in blocks {
        match &block.target {
            Ok(group) => match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, members)) => members.push(block),
                None => groups.push((group, vec![block])),
            },
            Err(reason) => ignored.push((block.line, reason.as_str())),
        }
    }
    let mut out = String::from("// Generated by integration-tests/build.rs from README.md.\n\n");
    for (group, members) in &groups {
        let _ = writeln!(out, "mod {group} {{\n#![allow(dead_code)]");
        for block in members {
            let _ = writeln!(out, "// README.md line {}", block.line);
            out.push_str(&block.code);
        }
        out.push_str("}\n\n");
    }
    out.push_str("/// Each group of README blocks and the README lines of its blocks' fences.\n");
    out.push_str("const README_GROUPS: &[(&str, &[usize])] = &[\n");
    for (group, members) in &groups {
        let lines: Vec<String> = members.iter().map(|b| b.line.to_string()).collect();
        let _ = writeln!(out, "    ({group:?}, &[{}]),", lines.join(", "));
    }
    out.push_str("];\n\n/// README blocks marked `ignore`: their line and reason.\n");
    out.push_str("const README_IGNORED: &[(usize, &str)] = &[\n");
    for (line, reason) in &ignored {
        let _ = writeln!(out, "    ({line}, {reason:?}),");
    }
    out.push_str("];\n");
    out
}

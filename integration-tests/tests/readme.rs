//! The Rust examples of the README, the guide (`docs/`) and the crates' READMEs, compiled and
//! run as they are written.
//!
//! `build.rs` extracts every ```rust block of every Markdown page of the workspace: the blocks
//! marked `<!-- readme-test: GROUP -->` become module `GROUP` of their page's module here
//! (`readme::tour`, `docs_tutorial::stack`), concatenated in page order (a reader pasting them
//! one after the other into a test file gets the same file), so their `#[container_test]`s run
//! against the local test images; a block marked `<!-- readme-test: ignore: REASON -->` is
//! listed, not compiled. A ```rust block with neither marker fails the build.
//!
//! The guards below also check that every relative link of the pages points at a file and
//! heading that exist, and that the README stays short.
//!
//! `cargo test -p integration-tests --test readme`

include!(concat!(env!("OUT_DIR"), "/readme_blocks.rs"));

#[path = "../readme_extract.rs"]
mod readme_extract;

use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration-tests is in the workspace root")
        .to_path_buf()
}

/// Nothing on a page silently stops being tested: the pages with Rust blocks, their groups,
/// how many blocks each has, and the ignored blocks are exactly these. A block added to a page
/// must be added here.
#[test]
fn every_rust_block_of_every_page_is_tested() {
    let groups: Vec<(&str, &str, usize)> = PAGE_GROUPS
        .iter()
        .map(|(page, group, lines)| (*page, *group, lines.len()))
        .collect();
    assert_eq!(
        groups,
        [
            ("README.md", "tour", 1),
            ("README.md", "scopes", 1),
            ("docs/coming-from-testcontainers.md", "tc", 7),
            ("docs/compose.md", "compose", 2),
            ("docs/fixtures-and-scopes.md", "tour", 1),
            ("docs/fixtures-and-scopes.md", "scopes", 3),
            ("docs/fixtures-and-scopes.md", "context", 2),
            ("docs/fixtures-and-scopes.md", "cases", 1),
            ("docs/fixtures-and-scopes.md", "autouse", 1),
            ("docs/fixtures-and-scopes.md", "timeouts", 1),
            ("docs/fixtures-and-scopes.md", "skips", 1),
            ("docs/image-structure.md", "structure", 1),
            ("docs/image-structure.md", "running", 1),
            ("docs/image-structure.md", "cst", 1),
            ("docs/looking-inside.md", "inside", 2),
            ("docs/readiness.md", "readiness", 1),
            ("docs/reliability.md", "leases", 1),
            ("docs/tutorial.md", "stack", 3),
            ("seaworthy/README.md", "example", 1),
        ],
        "the pages' Rust blocks changed: {PAGE_GROUPS:?}"
    );
    assert_eq!(PAGE_IGNORED, &[] as &[(&str, usize, &str)]);
}

/// `build.rs` read the pages there are now: a page added outside `docs/` (which cargo watches
/// as a whole) reruns it only once something else changes.
#[test]
fn every_page_of_the_workspace_was_extracted() {
    let now = readme_extract::pages(&root()).unwrap();
    assert_eq!(
        PAGES,
        now.as_slice(),
        "the Markdown pages changed since build.rs ran: `touch integration-tests/build.rs` and test again"
    );
    for page in ["README.md", "docs/README.md", "docs/tutorial.md"] {
        assert!(PAGES.contains(&page), "{page} is not read: {PAGES:?}");
    }
}

/// The README is the page of a newcomer's first five minutes; the rest goes into the guide.
#[test]
fn the_readme_is_at_most_250_lines() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines: move what a newcomer does not need first into a page of docs/"
    );
}

/// Every relative link of every page points at a file or directory that exists, and an
/// anchor (`page.md#heading`, `#heading`) at a heading of that page.
#[test]
fn relative_links_point_at_what_exists() {
    let root = root();
    let mut broken = Vec::new();
    for page in PAGES {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        let dir = Path::new(page).parent().unwrap_or(Path::new(""));
        for (line, target) in links::of(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                root.join(page)
            } else {
                root.join(dir).join(path)
            };
            if !file.exists() {
                broken.push(format!("{page}:{line}: `{target}`: no such file"));
                continue;
            }
            if let Some(anchor) = anchor {
                let headings = match std::fs::read_to_string(&file) {
                    Ok(target_text) if file.extension().is_some_and(|e| e == "md") => {
                        links::anchors(&target_text)
                    }
                    _ => {
                        broken.push(format!(
                            "{page}:{line}: `{target}`: an anchor into a file that is not Markdown"
                        ));
                        continue;
                    }
                };
                if !headings.iter().any(|h| h == anchor) {
                    broken.push(format!(
                        "{page}:{line}: `{target}`: no such heading (there are: {})",
                        headings.join(", ")
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Links and headings of a Markdown page, outside code blocks and code spans.
mod links {
    /// The page's lines outside fenced code blocks, with their numbers (1-based).
    fn prose(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut fence: Option<String> = None;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            let marker: String = trimmed
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            match &fence {
                Some(open)
                    if marker.len() >= open.len()
                        && trimmed.chars().all(|c| c == open.chars().next().unwrap()) =>
                {
                    fence = None;
                    continue;
                }
                Some(_) => continue,
                None if marker.len() >= 3 && !trimmed[marker.len()..].contains('`') => {
                    fence = Some(marker);
                    continue;
                }
                None => {}
            }
            out.push((i + 1, line));
        }
        out
    }

    /// A line without its code spans.
    fn without_code(line: &str) -> String {
        line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
    }

    /// `(line, target)` of each inline link `[text](target)`.
    pub(super) fn of(text: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (n, line) in prose(text) {
            let line = without_code(line);
            let mut rest = line.as_str();
            while let Some(at) = rest.find("](") {
                let after = &rest[at + 2..];
                let end = after.find(')').unwrap_or(after.len());
                out.push((n, after[..end].trim().to_string()));
                rest = &after[end..];
            }
        }
        out
    }

    /// The anchors a code host gives the page's headings: lower-cased, without punctuation but
    /// `-` and `_`, spaces made `-`; a repeated heading gets `-1`, `-2`, ….
    pub(super) fn anchors(text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, line) in prose(text) {
            let Some(title) = line.strip_prefix('#') else {
                continue;
            };
            let title = title.trim_start_matches('#');
            if !title.starts_with(' ') {
                continue;
            }
            let slug: String = title
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let repeats = out
                .iter()
                .filter(|a| {
                    **a == slug
                        || a.strip_prefix(&format!("{slug}-"))
                            .is_some_and(|n| n.parse::<usize>().is_ok())
                })
                .count();
            out.push(if repeats == 0 {
                slug
            } else {
                format!("{slug}-{repeats}")
            });
        }
        out
    }

    #[test]
    fn links_and_anchors_are_read_as_a_code_host_reads_them() {
        let page = "# Registry mode: tag it (`--in-registry`)\n\nSee [a](b.md#c) and `[x](y)`.\n\n\
                    ```sh\n# not a heading [z](w)\n```\n## Registry mode: tag it (`--in-registry`)\n";
        assert_eq!(of(page), [(3, "b.md#c".to_string())]);
        assert_eq!(
            anchors(page),
            [
                "registry-mode-tag-it---in-registry",
                "registry-mode-tag-it---in-registry-1"
            ]
        );
    }
}

/// The markers as `build.rs` reads them: each ```rust block must have one, and a wrong one
/// stops the build with the README line.
mod markers {
    use super::readme_extract::{extract, page_module, render};

    fn groups(readme: &str) -> Vec<(usize, Result<String, String>)> {
        extract(readme)
            .unwrap()
            .into_iter()
            .map(|b| (b.line, b.target))
            .collect()
    }

    #[test]
    fn marked_blocks_join_their_group_and_other_languages_are_skipped() {
        let readme = "# t\n\n<!-- readme-test: tour -->\n\n```rust\nfn a() {}\n```\n\
                      ```sh\nls\n```\n  <!-- readme-test: ignore: needs a registry -->\n  \
                      ```rust,no_run\n  fn b() {}\n  ```\n";
        assert_eq!(
            groups(readme),
            [
                (5, Ok("tour".to_string())),
                (12, Err("needs a registry".to_string()))
            ]
        );
        let blocks = extract(readme).unwrap();
        assert_eq!(blocks[1].code, "fn b() {}\n");
        let pages = vec![
            ("docs/a-page.md".to_string(), blocks),
            ("b.md".to_string(), vec![]),
        ];
        assert_eq!(
            render(&pages),
            "// Generated by integration-tests/build.rs from the workspace's Markdown pages.\n\n\
             /// docs/a-page.md\nmod docs_a_page {\nmod tour {\n#![allow(dead_code)]\n\
             // docs/a-page.md line 5\nfn a() {}\n}\n}\n\n\
             /// Every page read, with Rust blocks or not.\n\
             const PAGES: &[&str] = &[\n    \"docs/a-page.md\",\n    \"b.md\",\n];\n\n\
             /// Each group of each page and the page's lines of the group's blocks' fences.\n\
             const PAGE_GROUPS: &[(&str, &str, &[usize])] = &[\n    (\"docs/a-page.md\", \"tour\", &[5]),\n];\n\n\
             /// Blocks marked `ignore`: their page, line and reason.\n\
             const PAGE_IGNORED: &[(&str, usize, &str)] = &[\n    (\"docs/a-page.md\", 12, \"needs a registry\"),\n];\n"
        );
    }

    #[test]
    fn rs_tilde_fences_and_code_spans_are_read_as_markdown_reads_them() {
        let page = "<!-- readme-test: a -->\n~~~rs\nfn a() {}\n```\n~~~\n\
                    ```` ```rust ```` is a code span\n\n<!-- readme-test: b -->\n\
                    ````rust\n```\n````\n";
        assert_eq!(
            groups(page),
            [(2, Ok("a".to_string())), (9, Ok("b".to_string()))]
        );
        assert_eq!(extract(page).unwrap()[0].code, "fn a() {}\n```\n");
        assert_eq!(
            extract("```rs\nfn a() {}\n```\n").err().unwrap(),
            "1: ```rust block without a marker: put `<!-- readme-test: GROUP -->` (the test \
             module it joins) or `<!-- readme-test: ignore: REASON -->` on the line before it"
        );
    }

    #[test]
    fn page_modules_are_named_after_their_paths() {
        assert_eq!(page_module("README.md"), "readme");
        assert_eq!(page_module("docs/looking-inside.md"), "docs_looking_inside");
        assert_eq!(
            page_module("docker-ci-deploy/README.md"),
            "docker_ci_deploy_readme"
        );
        assert_eq!(page_module("2024.md"), "page_2024");
    }

    #[test]
    fn a_rust_block_without_a_marker_is_an_error() {
        assert_eq!(
            extract("text\n\n```rust\nfn a() {}\n```\n").err().unwrap(),
            "3: ```rust block without a marker: put `<!-- readme-test: GROUP -->` (the test \
             module it joins) or `<!-- readme-test: ignore: REASON -->` on the line before it"
        );
    }

    #[test]
    fn wrong_markers_are_errors() {
        let cases = [
            (
                "<!-- readme-test: ignore -->\n```rust\n```\n",
                "1: `readme-test: ignore` needs a reason: `ignore: REASON`",
            ),
            (
                "<!-- readme-test: Tour -->\n```rust\n```\n",
                "1: readme-test group `Tour` must be a lower-case Rust module name (or `ignore: REASON`)",
            ),
            (
                "<!-- readme-test: tour\n```rust\n```\n",
                "1: readme-test marker must end with `-->` on the same line",
            ),
            (
                "<!-- readme-test: tour -->\ntext\n```rust\n```\n",
                "1: readme-test marker not followed by a ```rust block",
            ),
            (
                "<!-- readme-test: tour -->\n```sh\n```\n",
                "1: readme-test marker before a block that is not ```rust",
            ),
            (
                "<!-- readme-test: tour -->\n",
                "1: readme-test marker not followed by a ```rust block",
            ),
            ("<!-- readme-test: tour -->\n```rust\nfn a() {}\n", "2: code block never closed"),
        ];
        for (readme, error) in cases {
            assert_eq!(extract(readme).err().as_deref(), Some(error), "{readme}");
        }
    }
}

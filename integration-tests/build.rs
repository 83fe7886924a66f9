//! Extracts every ```rust block of the workspace's Markdown pages (the README, the guide under
//! `docs/`, the crates' READMEs: every `*.md` outside `target/`, hidden and `src/`
//! directories) into `$OUT_DIR/readme_blocks.rs`, which `tests/readme.rs` includes, so their
//! examples are compiled and run as tests.
//!
//! Each ```rust block must follow a marker line (blank lines between are allowed):
//!
//! - `<!-- readme-test: GROUP -->`: the block joins module `GROUP` of its page's module in
//!   `tests/readme.rs` (`README.md` → `readme`, `docs/tutorial.md` → `docs_tutorial`); the
//!   blocks of a group are concatenated in page order and must compile as one file, as a
//!   reader pasting them one after the other into a test file would have it.
//! - `<!-- readme-test: ignore: REASON -->`: the block is not compiled, for the reason given.
//!
//! A ```rust block without a marker, a marker without a block, an empty group name or an
//! `ignore` without a reason fails the build, naming the page and line.

use std::path::{Path, PathBuf};

#[path = "readme_extract.rs"]
mod readme_extract;

use readme_extract::{extract, pages, render};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration-tests is in the workspace root");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=readme_extract.rs");
    // A directory is scanned whole: a page added to the guide reruns this script.
    println!("cargo:rerun-if-changed={}", root.join("docs").display());
    let pages = match pages(root) {
        Ok(pages) => pages,
        Err(e) => fail(&e),
    };
    let mut extracted = Vec::new();
    for page in pages {
        let path = root.join(&page);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => fail(&format!("cannot read {}: {e}", path.display())),
        };
        match extract(&text) {
            Ok(blocks) => extracted.push((page, blocks)),
            Err(e) => fail(&format!("{page}:{e}")),
        }
    }
    let out = match std::env::var_os("OUT_DIR") {
        Some(dir) => PathBuf::from(dir).join("readme_blocks.rs"),
        None => fail("OUT_DIR is not set: run this build script through cargo"),
    };
    if let Err(e) = std::fs::write(&out, render(&extracted)) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

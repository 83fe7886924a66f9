//! Extracts every ```rust block of the workspace's README.md into `$OUT_DIR/readme_blocks.rs`,
//! which `tests/readme.rs` includes, so the README's examples are compiled and run as tests.
//!
//! Each ```rust block must follow a marker line (blank lines between are allowed):
//!
//! - `<!-- readme-test: GROUP -->`: the block joins module `GROUP` of `tests/readme.rs`; the
//!   blocks of a group are concatenated in README order and must compile as one file, as a
//!   reader pasting them one after the other into a test file would have it.
//! - `<!-- readme-test: ignore: REASON -->`: the block is not compiled, for the reason given.
//!
//! A ```rust block without a marker, a marker without a block, an empty group name or an
//! `ignore` without a reason fails the build, naming the README line.

use std::path::{Path, PathBuf};

#[path = "readme_extract.rs"]
mod readme_extract;

use readme_extract::{extract, render};

fn main() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    println!("cargo:rerun-if-changed={}", readme.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=readme_extract.rs");
    let text = match std::fs::read_to_string(&readme) {
        Ok(text) => text,
        Err(e) => fail(&format!("cannot read {}: {e}", readme.display())),
    };
    let blocks = match extract(&text) {
        Ok(blocks) => blocks,
        Err(e) => fail(&format!("README.md:{e}")),
    };
    let out = match std::env::var_os("OUT_DIR") {
        Some(dir) => PathBuf::from(dir).join("readme_blocks.rs"),
        None => fail("OUT_DIR is not set: run this build script through cargo"),
    };
    if let Err(e) = std::fs::write(&out, render(&blocks)) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

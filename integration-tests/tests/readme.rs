//! The README's Rust examples, compiled and run as they are written.
//!
//! `build.rs` extracts every ```rust block of README.md: the blocks marked
//! `<!-- readme-test: GROUP -->` become module `GROUP` here, concatenated in README order (a
//! reader pasting them one after the other into a test file gets the same file), so their
//! `#[container_test]`s run against the local test images; a block marked
//! `<!-- readme-test: ignore: REASON -->` is listed, not compiled. A ```rust block with neither
//! marker fails the build.
//!
//! `cargo test -p integration-tests --test readme`

include!(concat!(env!("OUT_DIR"), "/readme_blocks.rs"));

/// Nothing in the README silently stops being tested: the groups, how many blocks each has,
/// and the ignored blocks are exactly these. A block added to the README must be added here.
#[test]
fn every_rust_block_of_the_readme_is_tested() {
    let groups: Vec<(&str, usize)> = README_GROUPS
        .iter()
        .map(|(group, lines)| (*group, lines.len()))
        .collect();
    assert_eq!(
        groups,
        [("tour", 2), ("scopes", 2), ("readiness", 1), ("stack", 3)],
        "README groups changed: {README_GROUPS:?}"
    );
    assert_eq!(README_IGNORED, &[] as &[(usize, &str)]);
}

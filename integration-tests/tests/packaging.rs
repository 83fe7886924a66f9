//! The published crates carry what crates.io and docs.rs need, read from `cargo metadata`:
//! `scripts/package-check` runs this before packaging them (and `scripts/test` runs it with
//! the rest). No Docker needed.
//!
//! `cargo test -p integration-tests --test packaging`

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration-tests is in the workspace root")
        .to_path_buf()
}

/// `cargo metadata --no-deps`: the workspace's own packages.
fn packages() -> Vec<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // prerequisite: cargo
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    metadata["packages"]
        .as_array()
        .expect("cargo metadata lists packages")
        .clone()
}

/// A package is published unless it says `publish = false` (`"publish": []`).
fn publishable(package: &Value) -> bool {
    package["publish"]
        .as_array()
        .is_none_or(|to| !to.is_empty())
}

fn name(package: &Value) -> &str {
    package["name"].as_str().expect("a package has a name")
}

/// The crates `scripts/package-check` packages, in its order.
fn crates_of_the_script() -> Vec<String> {
    let script = std::fs::read_to_string(root().join("scripts/package-check"))
        .expect("scripts/package-check exists");
    let line = script
        .lines()
        .find_map(|l| l.strip_prefix("CRATES=\""))
        .expect("scripts/package-check sets CRATES=\"…\"");
    line.trim_end_matches('"')
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn the_script_packages_every_publishable_crate_in_dependency_order() {
    let packages = packages();
    let order = crates_of_the_script();
    let mut listed = order.clone();
    listed.sort();
    let mut published: Vec<String> = packages
        .iter()
        .filter(|p| publishable(p))
        .map(|p| name(p).to_string())
        .collect();
    published.sort();
    assert_eq!(
        listed, published,
        "CRATES in scripts/package-check must be exactly the publishable crates (the others say `publish = false`)"
    );
    // Each crate comes after the workspace crates it depends on (normal and build
    // dependencies: cargo needs those on the registry to verify a package).
    for package in packages.iter().filter(|p| publishable(p)) {
        let at = order.iter().position(|c| c == name(package)).unwrap();
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            if dep["path"].is_null() || dep["kind"].as_str() == Some("dev") {
                continue;
            }
            let dep_at = order.iter().position(|c| c == dep_name);
            assert!(
                dep_at.is_some_and(|d| d < at),
                "scripts/package-check: `{dep_name}` must come before `{}` in CRATES",
                name(package)
            );
        }
    }
}

#[test]
fn every_publishable_crate_has_the_metadata_of_a_release() {
    let mut missing = Vec::new();
    for package in packages().iter().filter(|p| publishable(p)) {
        let name = name(package);
        for field in [
            "description",
            "license",
            "repository",
            "readme",
            "documentation",
        ] {
            if package[field].as_str().is_none_or(str::is_empty) {
                missing.push(format!("{name}: no `{field}`"));
            }
        }
        // crates.io takes at most 5 of each.
        for field in ["keywords", "categories"] {
            let count = package[field].as_array().map_or(0, Vec::len);
            if !(1..=5).contains(&count) {
                missing.push(format!("{name}: `{field}` has {count} entries, not 1 to 5"));
            }
        }
        if package["metadata"]["docs"]["rs"].is_null() {
            missing.push(format!("{name}: no [package.metadata.docs.rs]"));
        }
        let manifest = Path::new(package["manifest_path"].as_str().unwrap());
        let dir = manifest.parent().unwrap();
        if let Some(readme) = package["readme"].as_str() {
            let path = dir.join(readme);
            if !path.starts_with(dir) || readme.contains("..") {
                missing.push(format!("{name}: readme `{readme}` is outside the crate"));
            } else if !path.is_file() {
                missing.push(format!(
                    "{name}: readme `{}` does not exist",
                    path.display()
                ));
            }
        }
        // A path dependency without a version cannot be published (dev-dependencies too:
        // cargo would drop them from the package, and their tests with them).
        for dep in package["dependencies"].as_array().unwrap() {
            if !dep["path"].is_null() && dep["req"].as_str() == Some("*") {
                missing.push(format!(
                    "{name}: path dependency `{}` has no version",
                    dep["name"].as_str().unwrap()
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

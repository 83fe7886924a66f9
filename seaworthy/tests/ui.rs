//! Compile-time behaviour of `#[fixture]` and `#[container_test]`, of the builders whose
//! options only exist where they apply (`builders/`), and of the public API's names (`api/`:
//! what the prelude brings in resolves to one method, `Resource` is what implementers write):
//! the trybuild cases in
//! `tests/ui/<folder>/{pass,fail}/`. A pass case only has to compile (its `fn main() {}` runs;
//! the `#[test]`s it generates never do, so no case touches Docker). A fail case's expected
//! compiler output is its checked-in `.stderr`.
//!
//! - `SEAWORTHY_UI_CASE=<file stem>` runs the one case of that name (in any macro's folder).
//! - `TRYBUILD=overwrite` rewrites the `.stderr` files: read every one before committing it,
//!   checking that each error points at the user's tokens.
//!
//! The output depends on the compiler version; these files match the workspace's toolchain.

use std::path::Path;

const MACROS: [&str; 6] = [
    "fixture",
    "container_test",
    "context",
    "cases",
    "builders",
    "api",
];

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    match std::env::var("SEAWORTHY_UI_CASE") {
        Ok(case) if !case.is_empty() => {
            let mut found = false;
            for m in MACROS {
                for kind in ["pass", "fail"] {
                    let path = format!("tests/ui/{m}/{kind}/{case}.rs");
                    if !Path::new(env!("CARGO_MANIFEST_DIR")).join(&path).exists() {
                        continue;
                    }
                    found = true;
                    match kind {
                        "pass" => t.pass(path),
                        _ => t.compile_fail(path),
                    }
                }
            }
            assert!(
                found,
                "SEAWORTHY_UI_CASE=`{case}` names no case: expected a file \
                 tests/ui/{{fixture,container_test,context,cases,builders,api}}/{{pass,fail}}/{case}.rs"
            );
        }
        _ => {
            for m in MACROS {
                t.pass(format!("tests/ui/{m}/pass/*.rs"));
                t.compile_fail(format!("tests/ui/{m}/fail/*.rs"));
            }
        }
    }
}

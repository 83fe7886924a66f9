//! What the sharing scenario binaries (`share_a`, `share_b`, `share_c`) have in common. Their
//! tests are all `#[ignore]`d: only the drivers in `sharing.rs` run them, through a nested
//! `cargo test` or `cargo nextest run`, with `SEAWORTHY_TEST_CASE` (a label on every container,
//! to count them) and `SEAWORTHY_TEST_DIR` (where tests leave markers for the driver).

#![allow(dead_code)]

use seaworthy::prelude::*;

/// The driver's case: the value of every container's `seaworthy-test.case` label.
pub(crate) fn case() -> String {
    std::env::var("SEAWORTHY_TEST_CASE").unwrap_or_else(|_| "none".to_string())
}

/// The driver's marker directory.
pub(crate) fn marker_dir() -> std::path::PathBuf {
    std::env::var_os("SEAWORTHY_TEST_DIR")
        .map(Into::into)
        .unwrap_or_else(std::env::temp_dir)
}

/// A busybox container that is ready at once and idles, labelled with the case.
pub(crate) fn idle(name: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, "seaworthy-test/busybox")
        .command(["sh", "-c", "echo ready; exec sleep 600"])
        .wait_for(Wait::logs(["^ready$"]))
        .label("seaworthy-test.case", case())
}

/// One container for every test binary of the run.
#[fixture(scope = "run")]
pub(crate) fn run_box() -> ContainerDefinition {
    idle("run_box")
}

pub(crate) mod run_scope {
    use super::*;

    #[container_test]
    #[ignore = "run by the sharing drivers"]
    async fn uses_run_box(run_box: &ContainerDefinition) {
        run_box.exec_ok(["true"]).await.unwrap();
    }
}

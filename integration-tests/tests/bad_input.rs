//! Bad input (issue 12): each gives a clear error at the right moment, and nothing is left.
//!
//! Covered elsewhere, not repeated here:
//! - an invalid regex in `Wait::logs`: `core::readiness::invalid_regex_is_reported_as_such`
//!   (names the pattern; nothing is created);
//! - a port the container does not expose:
//!   `core::definitions::host_port_errors_for_unexposed_and_unpublished_ports`;
//! - exec of a program that does not exist: `core::exec::exec_of_a_missing_program_fails_with_docker_s_reason`;
//! - non-UTF-8 log output: `core::logs::log_text_is_utf8_with_invalid_bytes_replaced`;
//! - a fixture that panics: `fixtures::outcomes::a_panic_in_a_fixture_fails_the_test_with_the_chain_and_cleans_up`
//!   and `a_fixture_that_panics_is_reported_once_at_the_test_with_the_logs`;
//! - a fixture that returns an error:
//!   `fixtures::outcomes::a_fixture_that_returns_an_error_fails_the_test_with_the_chain_and_cleans_up`
//!   (and a test that does: `a_test_returning_an_error_is_reported_once_at_its_return_type_with_the_logs`);
//! - a huge build context (time and memory): `load::a_200_mb_build_context_streams_in_bounded_memory`
//!   (in the ignored load suite).

#![allow(missing_docs, unreachable_pub)]

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::FutureExt;
use seaworthy::prelude::*;
use seaworthy::{DockerHelper, Error, ImageDefinition, ReadinessErrorKind};

const BUSYBOX: &str = "seaworthy-test/busybox:latest";

/// Runs a body with a fresh helper; afterwards the helper removes what it created, and no
/// container of `definition` from this process's run may be left.
async fn with_helper<F, Fut>(definition: &str, body: F)
where
    F: FnOnce(DockerHelper) -> Fut,
    Fut: Future<Output = ()>,
{
    let helper = DockerHelper::connect()
        .await
        .unwrap_or_else(|e| panic!("the bad-input tests need a Docker engine: {e}"));
    let outcome = AssertUnwindSafe(body(helper.clone())).catch_unwind().await;
    let teardown = helper.teardown().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    teardown.unwrap_or_else(|e| panic!("helper teardown failed: {e}"));
    assert_eq!(helper.tracked_count(), 0);
    // Nothing this test defined is left in Docker (the run label is shared by the process's
    // parallel tests; the definition names are this file's own).
    let run = helper.labels("any")["seaworthy.run"].clone();
    let filters = std::collections::HashMap::from([(
        "label".to_string(),
        vec![
            format!("seaworthy.run={run}"),
            format!("seaworthy.definition={definition}"),
        ],
    )]);
    let left: Vec<String> = integration_tests::docker()
        .await
        .list_containers(Some(
            bollard::query_parameters::ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.id)
        .collect();
    assert_eq!(left, Vec::<String>::new());
}

fn sleeper(name: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, BUSYBOX).command(["sleep", "300"])
}

fn readiness(e: Error) -> seaworthy::ReadinessError {
    match e {
        Error::Readiness(r) => *r,
        other => panic!("expected a readiness error, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_image_references_fail_setup_naming_the_image_before_creating_anything() {
    with_helper("badref", |helper| async move {
        for image in ["Busy Box", "busybox:", "UPPER/case", "x@sha256:zz", "a//b"] {
            let c = ContainerDefinition::new("badref", image);
            let e = c.setup(&helper).await.unwrap_err();
            assert!(
                matches!(&e, Error::Image(seaworthy::ImageError::InvalidImageReference { image: i, .. }) if i == image),
                "{image}: {e:?}"
            );
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid image reference `{image}`: ")),
                "{e}"
            );
            assert!(!c.is_created(), "{image}");
        }
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn env_names_with_equals_or_nul_and_values_with_nul_are_refused_before_create() {
    with_helper("badenv", |helper| async move {
        for (key, value, reason) in [
            ("A=B", "v", "a name cannot contain `=`"),
            ("", "v", "a name cannot be empty"),
            ("A\0B", "v", "a name cannot contain a NUL byte"),
            ("OK", "a\0b", "a value cannot contain a NUL byte"),
        ] {
            let c = sleeper("badenv").env("GOOD", "1").env(key, value);
            let e = c.setup(&helper).await.unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "invalid container definition `badenv`: environment variable {key:?}: \
                     {reason}\n(hint: fix the `env(…)` call)"
                ),
                "{key:?}"
            );
            assert!(!c.is_created());
        }
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_volume_mounted_onto_a_file_fails_at_start_naming_the_container() {
    with_helper("onto_file", |helper| async move {
        let dir = std::env::temp_dir().join(format!("seaworthy-bad-mount-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A directory onto `/bin/sh`, a file in the image.
        let c = sleeper("onto_file").bind(&dir, "/bin/sh");
        let e = c.setup(&helper).await.unwrap_err();
        let name = c.docker_name().unwrap();
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("failed to start container `{name}`: ")),
            "{msg}"
        );
        assert!(msg.contains("not a directory"), "{msg}");
        c.teardown().await.unwrap();
        assert!(!c.is_created());
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_container_that_exits_before_its_first_log_line_fails_at_once() {
    with_helper("silent_exit", |helper| async move {
        let deadline = Duration::from_secs(120);
        let c = ContainerDefinition::new("silent_exit", BUSYBOX)
            .command(["sh", "-c", "exit 4"])
            .wait_for(Wait::logs(["^ready$"]))
            .wait_timeout(deadline);
        let e = readiness(c.setup(&helper).await.unwrap_err());
        assert_eq!(e.kind, ReadinessErrorKind::Exited { exit_code: Some(4) });
        assert!(e.elapsed < deadline / 2, "{:?}", e.elapsed);
        assert_eq!(e.last_lines, Vec::<String>::new());
        let name = c.docker_name().unwrap();
        let msg = Error::Readiness(Box::new(e)).to_string();
        assert!(
            msg.starts_with(&format!("container `{name}` exited with code 4 after ")),
            "{msg}"
        );
        assert!(msg.ends_with("\nthe container logged nothing"), "{msg}");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_readiness_wait_on_a_container_that_writes_nothing_times_out_saying_so() {
    with_helper("mute", |helper| async move {
        let c = sleeper("mute")
            .wait_for(Wait::logs(["^ready$"]))
            .wait_timeout(Duration::from_secs(1));
        let e = readiness(c.setup(&helper).await.unwrap_err());
        assert_eq!(e.kind, ReadinessErrorKind::Timeout(Duration::from_secs(1)));
        let name = c.docker_name().unwrap();
        let msg = Error::Readiness(Box::new(e)).to_string();
        assert_eq!(
            msg,
            format!(
                "container `{name}` was not ready after 1s: waited for logs matching \
                 [\"^ready$\"]\nlog patterns matched: []; not matched: [Regex(\"^ready$\")]\n\
                 the container logged nothing\n(hint: raise the deadline with \
                 `.wait_timeout(..)`, or check the patterns against the log lines above)"
            )
        );
        c.teardown().await.unwrap();
    })
    .await;
}

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_build_context_honours_dockerignore_and_sends_symlinks_as_links() {
    let root =
        TempDir(std::env::temp_dir().join(format!("seaworthy-bad-ctx-{}", std::process::id())));
    let ctx = root.0.join("ctx");
    std::fs::create_dir_all(ctx.join("cache/deep")).unwrap();
    std::fs::create_dir_all(ctx.join("src")).unwrap();
    std::fs::write(root.0.join("outside-secret"), "must not be sent").unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {BUSYBOX}\nCOPY . /ctx\n"),
    )
    .unwrap();
    std::fs::write(
        ctx.join(".dockerignore"),
        "# as the docker CLI reads it\ncache\n*.log\n!keep.log\nsrc/**/*.tmp\n",
    )
    .unwrap();
    std::fs::write(ctx.join("cache/deep/big"), "ignored").unwrap();
    std::fs::write(ctx.join("debug.log"), "ignored").unwrap();
    std::fs::write(ctx.join("keep.log"), "kept").unwrap();
    std::fs::write(ctx.join("src/main.c"), "kept").unwrap();
    std::fs::write(ctx.join("src/x.tmp"), "ignored").unwrap();
    std::os::unix::fs::symlink(root.0.join("outside-secret"), ctx.join("abs-link")).unwrap();
    std::os::unix::fs::symlink("../outside-secret", ctx.join("rel-link")).unwrap();
    std::os::unix::fs::symlink("..", ctx.join("loop")).unwrap();
    let tag = format!("seaworthy-test/bad-input-ctx:{}", std::process::id());
    let image_tag = tag.clone();
    let checked = with_helper("ctx_check", |helper| async move {
        let tag = image_tag;
        let image = ImageDefinition::build(&tag, &ctx);
        image.setup(&helper).await.unwrap();
        let c = ContainerDefinition::new("ctx_check", &tag).command(["sleep", "300"]);
        c.setup(&helper).await.unwrap();
        let listing = c
            .exec_ok([
                "sh",
                "-c",
                "cd /ctx && find . | sort && readlink rel-link && readlink loop && cat keep.log",
            ])
            .await
            .unwrap();
        assert_eq!(
            listing.stdout_str(),
            format!(
                ".\n./.dockerignore\n./Dockerfile\n./abs-link\n./keep.log\n./loop\n./rel-link\n\
                 ./src\n./src/main.c\n../outside-secret\n..\nkept"
            )
        );
        // The absolute link still points at the host path, which the image does not have.
        let abs = c.exec(["cat", "/ctx/abs-link"]).await.unwrap();
        assert_ne!(abs.exit_code, 0);
        assert!(!abs.stdout_str().contains("must not be sent"));
        c.teardown().await.unwrap();
    });
    let outcome = AssertUnwindSafe(checked).catch_unwind().await;
    // The image is this test's own (its tag carries the PID): removed whatever happened.
    let _ = integration_tests::docker()
        .await
        .remove_image(
            &tag,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        )
        .await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

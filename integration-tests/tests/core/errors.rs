//! Error cases that need their own setting: a missing image, a failing build, an unreachable
//! engine and a name conflict (both in a child process), misuse of definitions.

use std::process::Command;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};
use seaworthy::{ContainerDefinition, DockerHelper, Error, ImageDefinition};
use serde_json::json;

use crate::{sleeper, with_helper, BUSYBOX};

/// Set in a child process to run one of the `child_*` tests for real.
const CHILD: &str = "SEAWORTHY_CORE_CHILD";

/// Runs the ignored test `name` of this binary in a child process with `envs`; returns its
/// combined output, failing if it failed.
fn run_child(name: &str, envs: &[(&str, &str)]) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            name,
        ])
        .env(CHILD, "1")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child test {name} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "child test {name} did not run:\n{text}"
    );
    text
}

#[tokio::test]
async fn missing_image_names_the_registry_it_could_not_reach() {
    with_helper(|helper| async move {
        // Port 9 (discard) on 127.0.0.1: nothing listens, with or without a network.
        let image = "127.0.0.1:9/seaworthy-test/does-not-exist:nope";
        let c = ContainerDefinition::new("ghost", image);
        let e = c.setup(&helper).await.unwrap_err();
        assert!(
            matches!(&e, Error::Image(seaworthy::ImageError::RegistryUnreachable { image: i, host, .. }) if i == image && host == "127.0.0.1:9"),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("cannot reach the registry `127.0.0.1:9` to pull `{image}`: ")),
            "{msg}"
        );
        assert!(
            msg.ends_with(
                "(hint: check the network and the registry; to work offline with images already \
                 present, set `SEAWORTHY_PULL=never`)"
            ),
            "{msg}"
        );
        assert!(!c.is_created());
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn failing_build_reports_its_output() {
    with_helper(|helper| async move {
        let dir =
            std::env::temp_dir().join(format!("seaworthy-core-badbuild-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            format!("FROM {BUSYBOX}\nRUN echo about to fail && exit 3\n"),
        )
        .unwrap();
        let tag = "seaworthy-test/core-badbuild:latest";
        let e = ImageDefinition::build(tag, &dir)
            .setup(&helper)
            .await
            .unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            matches!(
                e,
                seaworthy::Error::Image(seaworthy::ImageError::ImageBuild { .. })
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "failed to build image `{tag}` from `{}`: ",
                dir.display()
            )),
            "{msg}"
        );
        assert!(
            msg.contains(
                "The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3"
            ),
            "{msg}"
        );
        assert!(msg.contains("\n  | about to fail\n"), "{msg}");
    })
    .await;
}

#[tokio::test]
async fn docker_unreachable_names_the_address_tried() {
    run_child(
        "errors::child_docker_unreachable",
        &[("DOCKER_HOST", "unix:///nonexistent.sock")],
    );
}

#[tokio::test]
#[ignore = "run in a child process by docker_unreachable_names_the_address_tried"]
async fn child_docker_unreachable() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let e = DockerHelper::connect().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Engine(seaworthy::EngineError::DockerUnreachable { .. })
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "cannot connect to the Docker engine at `unix:///nonexistent.sock` (found via \
             DOCKER_HOST): Socket not found: /nonexistent.sock\n(hint: "
        ),
        "{msg}"
    );
    assert!(
        msg.ends_with(
            "(hint: start the Docker daemon, or point DOCKER_HOST at it, e.g. \
             `DOCKER_HOST=unix:///var/run/docker.sock`)"
        ),
        "{msg}"
    );
}

#[tokio::test]
async fn name_conflict_names_the_container() {
    run_child("errors::child_name_conflict", &[]);
}

#[tokio::test]
#[ignore = "run in a child process by name_conflict_names_the_container"]
async fn child_name_conflict() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // Alone in its process, the helper's names are predictable: take one, and squat on the next.
    with_helper(|helper| async move {
        let probe = helper.resource_name("clash");
        let (stem, n) = probe.split_at(probe.len() - 1);
        let next = format!("{stem}{}", n.parse::<u32>().unwrap() + 1);
        let docker = helper.docker().clone();
        docker
            .create_container(
                Some(CreateContainerOptionsBuilder::new().name(&next).build()),
                ContainerCreateBody {
                    image: Some(BUSYBOX.into()),
                    labels: Some(helper.labels("squatter")),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let c = sleeper("clash");
        let e = c.create(&helper).await.unwrap_err();
        let _ = docker
            .remove_container(
                &next,
                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
            )
            .await;
        assert!(
            matches!(&e, Error::Container(seaworthy::ContainerError::NameConflict { kind: "container", name }) if *name == next),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "a container named `{next}` already exists\n(hint: remove it \
                 (`docker container rm -f {next}` for containers) or use another namespace)"
            )
        );
        assert!(!c.is_created());
    })
    .await;
}

#[tokio::test]
async fn definitions_refuse_misuse() {
    with_helper(|helper| async move {
        let c = sleeper("misuse");
        let e = c.start().await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "container `misuse` is not set up\n(hint: call `setup()` first, or take it as a \
             fixture parameter so the harness sets it up)"
        );
        assert!(matches!(
            c.docker_name(),
            Err(Error::Container(seaworthy::ContainerError::NotSetUp {
                kind: "container",
                ..
            }))
        ));
        c.create(&helper).await.unwrap();
        let e = c.create(&helper).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "container `misuse` is already created\n(hint: use `setup()`, which is idempotent)"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn invalid_create_options_are_reported_before_anything_is_created() {
    with_helper(|helper| async move {
        let c = sleeper("badopts").create_options(json!({"HostConfig": {"Memory": "lots"}}));
        let e = c.setup(&helper).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(seaworthy::ContainerError::InvalidCreateOptions { .. })
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("invalid create options for container `badopts`: "),
            "{e}"
        );
        // The builder makes `HostConfig.Binds` a list; an object cannot merge into it.
        let c = sleeper("collide")
            .bind("/tmp", "/t")
            .create_options(json!({"HostConfig": {"Binds": {"a": "b"}}}));
        let e = c.setup(&helper).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(seaworthy::ContainerError::CreateOptions { .. })
            ),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(
                "invalid create options for container `collide`: cannot merge an object into \
                 `HostConfig.Binds`, which is "
            ),
            "{e}"
        );
        assert!(!c.is_created());
        // Two layers that disagree fail setup, naming both values, before anything exists.
        let c = sleeper("layers")
            .create_options(json!({"HostConfig": {"Memory": 100_000_000}}))
            .create_options(json!({"HostConfig": {"Memory": 200_000_000}}));
        let e = c.setup(&helper).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid create options for container `layers`: two layers set `HostConfig.Memory` \
             differently: 100000000 vs 200000000\n\
             (hint: set `HostConfig.Memory` in one layer only, or to the same value in each)"
        );
        assert!(!c.is_created());
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

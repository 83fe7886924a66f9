//! Pulls from real registries: Debian's `docker-registry` started by each test on a free port
//! of 127.0.0.1 (killed by PID when the test ends), images pushed through the Registry API,
//! then pulled by the engine through seaworthy. Every image pulled is removed again.
//!
//! Tests that need their own environment (`DOCKER_CONFIG`, `PATH`, `SEAWORTHY_PULL`) or
//! `--nocapture` run one ignored `child_pull` test of this binary in a child process.

use std::path::Path;
use std::process::Command;

use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};
use bollard::Docker;
use seaworthy::{DockerHelper, Error, ImageDefinition, PullPolicy};
use seaworthy_registry::test_support::{
    base64, credential_helper, push_image, push_manifest, push_with_client, sha256, start_secured,
    tar_image, Image, Registry, TempDir, OCI_INDEX,
};

/// Set in the child process: the image `child_pull` pulls.
const CHILD_IMAGE: &str = "SEAWORTHY_PULL_TEST_IMAGE";

async fn helper() -> DockerHelper {
    DockerHelper::connect()
        .await
        .unwrap_or_else(|e| panic!("the pull tests need a Docker engine: {e}"))
}

/// The local images of `repository` (every tag), as `(ID, tags)`.
async fn local_images(docker: &Docker, repository: &str) -> Vec<(String, Vec<String>)> {
    let filters = std::collections::HashMap::from([("reference", vec![repository])]);
    let mut images: Vec<(String, Vec<String>)> = docker
        .list_images(Some(
            ListImagesOptionsBuilder::new().filters(&filters).build(),
        ))
        .await
        .expect("the images can be listed")
        .into_iter()
        .map(|i| {
            let mut tags = i.repo_tags;
            tags.sort();
            (i.id, tags)
        })
        .collect();
    images.sort();
    images
}

/// Removes, when dropped (also when the test fails), every local image that came from the
/// registry at `address`.
struct RemoveImagesOf(String);

impl Drop for RemoveImagesOf {
    fn drop(&mut self) {
        let prefix = format!("{}/", self.0);
        let removal = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let docker = helper().await.docker().clone();
                let all = docker
                    .list_images(None::<bollard::query_parameters::ListImagesOptions>)
                    .await
                    .unwrap_or_default();
                for image in all {
                    let names = image.repo_tags.iter().chain(&image.repo_digests);
                    if names.into_iter().any(|n| n.starts_with(&prefix)) {
                        let options = RemoveImageOptionsBuilder::new().force(true).build();
                        let _ = docker.remove_image(&image.id, Some(options), None).await;
                    }
                }
            })
        });
        let _ = removal.join();
    }
}

/// Removes every local image of `repository` (`docker rmi -f`).
async fn remove_images(docker: &Docker, repository: &str) {
    for (id, _) in local_images(docker, repository).await {
        let _ = docker
            .remove_image(
                &id,
                Some(RemoveImageOptionsBuilder::new().force(true).build()),
                None,
            )
            .await;
    }
}

/// An empty registry of a test's own (`None` when the registry program is missing: the test
/// is skipped), with what the test pulls with: `(registry, its port, its address, helper,
/// Docker client, cleanup)`; the cleanup removes what is pulled from the registry when dropped.
async fn empty_registry() -> Option<(Registry, u16, String, DockerHelper, Docker, RemoveImagesOf)> {
    let registry = Registry::start(None)?;
    let (port, address) = (registry.port, registry.address());
    let helper = helper().await;
    let docker = helper.docker().clone();
    let cleanup = RemoveImagesOf(address.clone());
    Some((registry, port, address, helper, docker, cleanup))
}

/// The number of `request`s (`GET /v2/app/manifests/1`) in the registry's access log.
fn requests(registry: &Registry, request: &str) -> usize {
    registry
        .log()
        .lines()
        .filter(|l| l.contains(&format!("\"{request} HTTP/1.1\"")))
        .count()
}

/// A plain registry with `REPOSITORY:1`, an image of `layers` tar layers of `size` bytes;
/// the image, its reference, and the removal of what is pulled from the registry.
fn registry_with(
    repository: &str,
    layers: usize,
    size: usize,
) -> Option<(Registry, RemoveImagesOf, Image, String)> {
    let registry = Registry::start(None)?;
    let address = registry.address();
    let image = tar_image(&format!("{repository} {address}"), layers, size);
    push_image(registry.port, repository, "1", &image);
    let cleanup = RemoveImagesOf(address.clone());
    Some((
        registry,
        cleanup,
        image,
        format!("{address}/{repository}:1"),
    ))
}

#[tokio::test]
async fn an_untagged_reference_pulls_only_latest() {
    let Some((registry, port, address, helper, docker, _cleanup)) = empty_registry().await else {
        return;
    };
    // `bb` has tags 1 and 2 and no `latest`; `cc` has 1, 2 and latest.
    let images: Vec<_> = (0..3)
        .map(|n| tar_image(&format!("tags {n} {address}"), 1, 100))
        .collect();
    push_image(port, "bb", "1", &images[0]);
    push_image(port, "bb", "2", &images[1]);
    for (tag, image) in [("1", &images[0]), ("2", &images[1]), ("latest", &images[2])] {
        push_image(port, "cc", tag, image);
    }

    let bb = format!("{address}/bb");
    assert_eq!(local_images(&docker, &bb).await, []);
    let e = helper.ensure_image(&bb).await.unwrap_err();
    assert!(
        matches!(&e, Error::Image(seaworthy::ImageError::ImageNotInRegistry { image, registry, reference })
            if *image == bb && *registry == address && reference == "latest"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "image `{bb}` was not found in the registry `{address}`: it has no `latest`\n(hint: \
             check the repository name and the tag or digest, e.g. with `docker pull {bb}`, or \
             build it: `docker build -t {bb} DIR`)"
        )
    );
    assert_eq!(local_images(&docker, &bb).await, []);
    for tag in ["1", "2"] {
        for method in ["HEAD", "GET"] {
            let request = format!("{method} /v2/bb/manifests/{tag}");
            assert_eq!(requests(&registry, &request), 0, "{}", registry.log());
        }
    }

    let cc = format!("{address}/cc");
    let info = helper.ensure_image(&cc).await.unwrap();
    assert_eq!(info.id, images[2].config.0);
    assert_eq!(
        local_images(&docker, &cc).await,
        [(images[2].config.0.clone(), vec![format!("{cc}:latest")])]
    );
    remove_images(&docker, &cc).await;
}

#[tokio::test]
async fn digests_always_never_unreachable_and_platforms() {
    let Some((registry, port, address, helper, docker, _cleanup)) = empty_registry().await else {
        return;
    };
    let (first, second) = (
        tar_image(&format!("first {address}"), 2, 1000),
        tar_image(&format!("second {address}"), 2, 1000),
    );
    let app = format!("{address}/app");

    // By digest: exactly that manifest, whatever the tag says.
    let first_digest = push_image(port, "app", "v", &first);
    let pinned = format!("{app}@{first_digest}");
    let info = helper.ensure_image(&pinned).await.unwrap();
    assert_eq!(info.id, first.config.0);
    assert_eq!(
        requests(&registry, &format!("GET /v2/app/manifests/{first_digest}")),
        1
    );
    assert_eq!(requests(&registry, "GET /v2/app/manifests/v"), 0);
    remove_images(&docker, &app).await;

    // `missing` keeps what is present; `always` pulls the tag that moved.
    let tagged = format!("{app}:v");
    assert_eq!(
        helper.ensure_image(&tagged).await.unwrap().id,
        first.config.0
    );
    push_image(port, "app", "v", &second);
    let fresh = self::helper().await;
    let kept = fresh
        .ensure_image_with_policy(&tagged, PullPolicy::Missing)
        .await
        .unwrap();
    assert_eq!(kept.id, first.config.0);
    let definition = ImageDefinition::existing(&tagged).pull_policy(PullPolicy::Always);
    definition.setup(&fresh).await.unwrap();
    assert_eq!(definition.id().unwrap(), second.config.0);
    // The first image is still there, untagged (it keeps its digest).
    assert_eq!(
        local_images(&docker, &app).await,
        [
            (first.config.0.clone(), vec![]),
            (second.config.0.clone(), vec![tagged.clone()])
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    remove_images(&docker, &app).await;

    // A manifest list without this platform.
    let arm = tar_image(&format!("arm {address}"), 1, 100);
    let arm_manifest = push_image(port, "multi", &sha256(&arm.manifest), &arm);
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{arm_manifest}","size":{},"platform":{{"architecture":"arm64","os":"linux"}}}}]}}"#,
        arm.manifest.len()
    );
    push_manifest(port, "multi", "1", OCI_INDEX, index.as_bytes());
    let multi = format!("{address}/multi:1");
    let e = helper.ensure_image(&multi).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "image `{multi}` in the registry `{address}` has no manifest for this platform \
             (linux/amd64)\n(hint: use a tag or digest built for linux/amd64)"
        )
    );
    assert_eq!(local_images(&docker, &format!("{address}/multi")).await, []);

    // No registry at all: unreachable with `missing`, refused before any network with `never`.
    drop(registry);
    let gone = format!("{address}/app:gone");
    let e = helper.ensure_image(&gone).await.unwrap_err();
    assert!(
        matches!(&e, Error::Image(seaworthy::ImageError::RegistryUnreachable { host, .. }) if *host == address),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot reach the registry `{address}` to pull `{gone}`: "
        )) && text.ends_with(
            "\n(hint: check the network and the registry; to work offline with images \
                 already present, set `SEAWORTHY_PULL=never`)"
        ),
        "{text}"
    );
    let e = helper
        .ensure_image_with_policy(&gone, PullPolicy::Never)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "image `{gone}` is not present locally and the pull policy is `never` (set on its \
             definition)\n(hint: pull it while online: `docker pull {gone}`, or allow pulls with \
             `SEAWORTHY_PULL=missing`)"
        )
    );
}

#[tokio::test]
async fn parallel_setups_of_one_missing_image_pull_it_once() {
    let Some((registry, _cleanup, image, reference)) = registry_with("shared", 3, 200_000) else {
        return;
    };
    let address = registry.address();
    let setups = (0..8).map(|_| {
        let reference = reference.clone();
        tokio::spawn(async move {
            let helper = helper().await;
            helper.ensure_image(&reference).await.map(|i| i.id.clone())
        })
    });
    let ids: Vec<String> = futures_util::future::join_all(setups)
        .await
        .into_iter()
        .map(|r| r.expect("the task ran").expect("the image was pulled"))
        .collect();
    assert_eq!(ids, vec![image.config.0.clone(); 8]);
    // The engine resolves the tag with a HEAD, then GETs the manifest by digest.
    let digest = sha256(&image.manifest);
    let manifest_requests = (
        requests(&registry, "HEAD /v2/shared/manifests/1"),
        requests(&registry, "GET /v2/shared/manifests/1"),
        requests(&registry, &format!("GET /v2/shared/manifests/{digest}")),
    );
    assert_eq!(manifest_requests, (1, 0, 1), "{}", registry.log());
    remove_images(
        &helper().await.docker().clone(),
        &format!("{address}/shared"),
    )
    .await;
}

/// `child_pull` for `image` in a child process (with `--nocapture` or not) with `envs`.
fn child_command(image: &str, nocapture: bool, envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command.args(["--ignored", "--exact", "--test-threads=1", "child_pull"]);
    if nocapture {
        command.arg("--nocapture");
    }
    command
        .env(CHILD_IMAGE, image)
        .env_remove("SEAWORTHY_PULL")
        .envs(envs.iter().copied());
    command
}

/// Runs `child_pull` (see [`child_command`]); its output, failing the test if it failed.
fn child(image: &str, nocapture: bool, envs: &[(&str, &str)]) -> String {
    let out = child_command(image, nocapture, envs)
        .output()
        .expect("the child runs");
    child_output(out)
}

fn child_output(out: std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child failed:\n{text}");
    text
}

/// The child half of the tests below: pulls `$SEAWORTHY_PULL_TEST_IMAGE` and prints the result.
#[tokio::test]
#[ignore = "run by the tests of this file in a child process"]
async fn child_pull() {
    let Ok(image) = std::env::var(CHILD_IMAGE) else {
        return;
    };
    match helper().await.ensure_image(&image).await {
        Ok(info) => eprintln!("child: pulled {}", info.id),
        Err(e) => eprintln!("child: failed: {e}"),
    }
}

#[tokio::test]
async fn parallel_processes_pull_one_missing_image_once() {
    let Some((registry, _cleanup, image, reference)) = registry_with("processes", 3, 200_000)
    else {
        return;
    };
    // As nextest runs tests: one process each, at the same time.
    let children: Vec<_> = (0..3)
        .map(|_| {
            child_command(&reference, true, &[])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the child starts")
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|c| child_output(c.wait_with_output().expect("the child ends")))
        .collect();
    for out in &outputs {
        assert!(
            out.contains(&format!("child: pulled {}", image.config.0)),
            "{out}"
        );
    }
    let pulled = outputs
        .iter()
        .filter(|out| out.contains("seaworthy: pulled "))
        .count();
    assert_eq!(pulled, 1, "{outputs:#?}");
    let digest = sha256(&image.manifest);
    let manifest_requests = (
        requests(&registry, "HEAD /v2/processes/manifests/1"),
        requests(&registry, &format!("GET /v2/processes/manifests/{digest}")),
    );
    assert_eq!(manifest_requests, (1, 1), "{}", registry.log());
}

#[tokio::test]
async fn progress_lines_show_with_nocapture_only() {
    let Some((registry, _cleanup, image, reference)) = registry_with("layers", 4, 250_000) else {
        return;
    };
    let address = registry.address();
    let docker = helper().await.docker().clone();

    let out = child(&reference, true, &[]);
    // The first line follows libtest's `test child_pull ... ` on the same line.
    let lines: Vec<&str> = out
        .lines()
        .filter_map(|l| l.find("seaworthy: ").map(|at| &l[at..]))
        .filter(|l| !l.starts_with("seaworthy: engine "))
        .collect();
    assert_eq!(
        lines.first(),
        Some(&format!("seaworthy: pulling {reference} from {address}").as_str()),
        "{out}"
    );
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with(&format!("seaworthy: pulled {reference} in "))
            && last.ends_with(": 4/4 layers, 1.0/1.0 MB"),
        "{out}"
    );
    assert!(
        out.contains(&format!("child: pulled {}", image.config.0)),
        "{out}"
    );
    // Present: nothing is printed.
    let out = child(&reference, true, &[]);
    assert!(!out.contains("seaworthy: pull"), "{out}");
    remove_images(&docker, &format!("{address}/layers")).await;
    // Captured without --nocapture (the child passes, so libtest shows nothing of it).
    let out = child(&reference, false, &[]);
    assert!(!out.contains("seaworthy: pull"), "{out}");
    assert!(out.contains("1 passed"), "{out}");
    remove_images(&docker, &format!("{address}/layers")).await;
    // SEAWORTHY_PULL=never: refused, saying where `never` came from.
    let out = child(&reference, true, &[("SEAWORTHY_PULL", "never")]);
    assert!(
        out.contains(&format!(
            "child: failed: image `{reference}` is not present locally and the pull policy is \
             `never` (SEAWORTHY_PULL=never)\n"
        )),
        "{out}"
    );
}

/// Writes `ca` where the engine looks for the CA of `address`; removed when dropped.
struct EngineCa(std::path::PathBuf);

impl EngineCa {
    fn install(address: &str, ca: &str) -> Self {
        let dir = Path::new("/etc/docker/certs.d").join(address);
        std::fs::create_dir_all(&dir).expect("/etc/docker/certs.d is writable (run as root)");
        std::fs::write(dir.join("ca.crt"), ca).expect("the CA can be written");
        EngineCa(dir)
    }
}

impl Drop for EngineCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn basic_auth_over_tls_with_auths_a_credential_helper_and_nothing() {
    let (user, password) = ("pull-user", "s3cret-Pull-Pa55");
    let dir = TempDir::new("pull-tls");
    let Some((registry, ca)) = start_secured(&dir, user, password) else {
        return;
    };
    let address = registry.address();
    let _cleanup = RemoveImagesOf(address.clone());
    let _engine_ca = EngineCa::install(&address, &ca);
    dir.write(&format!("certs.d/{address}/ca.crt"), ca.as_bytes());
    let auth = base64(&format!("{user}:{password}"));
    let good = dir.write(
        "good/config.json",
        format!(r#"{{"auths":{{"{address}":{{"auth":"{auth}"}}}}}}"#).as_bytes(),
    );
    let image = tar_image(&format!("tls {address}"), 2, 1000);
    for tag in ["auths", "helper", "anon", "wrong"] {
        let reference = seaworthy_registry::Reference::parse(&format!("{address}/private:{tag}"))
            .expect("a reference");
        push_with_client(&reference, &image, &dir.path().join("certs.d"), &good).await;
    }
    let docker = helper().await.docker().clone();
    let repository = format!("{address}/private");

    let good_dir = dir.path().join("good");
    let out = child(
        &format!("{repository}:auths"),
        true,
        &[("DOCKER_CONFIG", good_dir.to_str().expect("UTF-8"))],
    );
    assert!(
        out.contains(&format!("child: pulled {}", image.config.0)),
        "{out}"
    );
    remove_images(&docker, &repository).await;

    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin can be created");
    credential_helper(&bin, "pulltest", &address, user, password);
    dir.write(
        "helper/config.json",
        format!(r#"{{"credHelpers":{{"{address}":"pulltest"}}}}"#).as_bytes(),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let helper_dir = dir.path().join("helper");
    let out = child(
        &format!("{repository}:helper"),
        true,
        &[
            ("DOCKER_CONFIG", helper_dir.to_str().expect("UTF-8")),
            ("PATH", &path),
        ],
    );
    assert!(
        out.contains(&format!("child: pulled {}", image.config.0)),
        "{out}"
    );
    remove_images(&docker, &repository).await;

    let wrong_auth = base64(&format!("{user}:wr0ng-Pa55"));
    dir.write(
        "wrong/config.json",
        format!(r#"{{"auths":{{"{address}":{{"auth":"{wrong_auth}"}}}}}}"#).as_bytes(),
    );
    let wrong = format!("{repository}:wrong");
    let wrong_dir = dir.path().join("wrong");
    let out = child(
        &wrong,
        true,
        &[("DOCKER_CONFIG", wrong_dir.to_str().expect("UTF-8"))],
    );
    assert!(
        out.contains(&format!(
            "child: failed: registry `{address}` refused to let us pull `{wrong}` with the \
             credentials found for it\n(hint: log in: `docker login {address}`; "
        )),
        "{out}"
    );
    assert!(
        !out.contains("wr0ng-Pa55") && !out.contains(&wrong_auth),
        "{out}"
    );

    let empty = dir.path().join("empty");
    let anon = format!("{repository}:anon");
    let out = child(
        &anon,
        true,
        &[("DOCKER_CONFIG", empty.to_str().expect("UTF-8"))],
    );
    assert!(
        out.contains(&format!(
            "child: failed: registry `{address}` refused to let us pull `{anon}` without \
             credentials\n(hint: log in: `docker login {address}`; the credentials are read from \
             $DOCKER_CONFIG/config.json or ~/.docker/config.json)\n"
        )),
        "{out}"
    );
    assert_eq!(local_images(&docker, &repository).await, []);
    assert!(!out.contains(password) && !out.contains(&auth), "{out}");
}

#[tokio::test]
async fn a_build_pulls_its_from_image_per_policy() {
    let Some((registry, _cleanup, image, reference)) = registry_with("base", 1, 100) else {
        return;
    };
    let address = registry.address();
    let dir = TempDir::new("pull-build");
    dir.write(
        "Dockerfile",
        format!("FROM {reference}\nLABEL built-from=registry\n").as_bytes(),
    );
    let helper = helper().await;
    let docker = helper.docker().clone();

    let refused = ImageDefinition::build(format!("{address}/built:never"), dir.path())
        .pull_policy(PullPolicy::Never);
    let e = refused.setup(&helper).await.unwrap_err();
    assert!(
        e.to_string().contains(&format!(
            "image `{reference}` is not present locally and the pull policy is `never` (set on \
             its definition)"
        )),
        "{e}"
    );
    assert_eq!(local_images(&docker, &format!("{address}/base")).await, []);

    let built = ImageDefinition::build(format!("{address}/built:1"), dir.path());
    built.setup(&helper).await.unwrap();
    assert_eq!(
        local_images(&docker, &format!("{address}/base")).await,
        [(image.config.0.clone(), vec![reference.clone()])]
    );
    assert_eq!(
        local_images(&docker, &format!("{address}/built")).await,
        [(built.id().unwrap(), vec![format!("{address}/built:1")])]
    );
    assert_eq!(requests(&registry, "HEAD /v2/base/manifests/1"), 1);
}

/// Set in the child process: `TAG=CONTEXT`, the image `child_build` builds.
const CHILD_BUILD: &str = "SEAWORTHY_BUILD_TEST_IMAGE";

/// The child half of `build_progress_lines_show_with_nocapture`: builds `$SEAWORTHY_BUILD_TEST_IMAGE`.
#[tokio::test]
#[ignore = "run by the tests of this file in a child process"]
async fn child_build() {
    let Some((tag, context)) = std::env::var(CHILD_BUILD).ok().and_then(|v| {
        v.split_once('=')
            .map(|(t, c)| (t.to_string(), c.to_string()))
    }) else {
        return;
    };
    let image = ImageDefinition::build(tag, context);
    match image.setup(&helper().await).await {
        Ok(()) => eprintln!("child: built {}", image.id().unwrap_or_default()),
        Err(e) => eprintln!("child: failed: {e}"),
    }
}

#[tokio::test]
async fn build_progress_lines_show_with_nocapture() {
    let docker = helper().await.docker().clone();
    let dir = TempDir::new("build-progress");
    // Unique content: no earlier build of this context can be reused.
    let unique = format!("{}-{}", std::process::id(), integration_tests::unix_now());
    dir.write(
        "Dockerfile",
        format!("FROM seaworthy-test/busybox\nRUN echo {unique} > /built\nRUN true\n").as_bytes(),
    );
    let repository = "seaworthy-test/build-progress";
    let tag = format!("{repository}:{unique}");
    let context = dir.path().display().to_string();
    let run = |nocapture: bool| {
        let mut command = Command::new(std::env::current_exe().expect("the test binary"));
        command.args(["--ignored", "--exact", "--test-threads=1", "child_build"]);
        if nocapture {
            command.arg("--nocapture");
        }
        child_output(
            command
                .env(CHILD_BUILD, format!("{tag}={context}"))
                .output()
                .expect("the child runs"),
        )
    };

    let out = run(true);
    let lines: Vec<&str> = out
        .lines()
        .filter_map(|l| l.find("seaworthy: ").map(|at| &l[at..]))
        .filter(|l| l.contains("build"))
        .collect();
    assert_eq!(
        lines.first(),
        Some(&format!("seaworthy: building {tag} from {context}").as_str()),
        "{out}"
    );
    // Three steps of the Dockerfile and the `LABEL` step the engine adds for the build's labels.
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with(&format!("seaworthy: built {tag} in ")) && last.ends_with("s (4 steps)"),
        "{out}"
    );
    assert!(out.contains("child: built sha256:"), "{out}");
    // Up to date: nothing is printed.
    let out = run(true);
    assert!(!out.contains("seaworthy: build"), "{out}");
    assert!(out.contains("child: built sha256:"), "{out}");
    remove_images(&docker, repository).await;
}

/// Platform selection (issue 20, item 4): the pull and the create use the definition's
/// platform; an image present for another platform is pulled again; a platform the manifest
/// list lacks is the pull's clear error, with nothing created.
#[tokio::test]
async fn a_definitions_platform_chooses_what_is_pulled_and_created() {
    use seaworthy::ContainerDefinition;
    use seaworthy_registry::test_support::tar_image_for;
    let Some((_registry, port, address, helper, docker, _cleanup)) = empty_registry().await else {
        return;
    };
    let (amd, arm) = (
        tar_image_for(&format!("amd {address}"), 1, 100, "amd64"),
        tar_image_for(&format!("arm {address}"), 1, 100, "arm64"),
    );
    let mut entries = Vec::new();
    for (img, arch) in [(&amd, "amd64"), (&arm, "arm64")] {
        let digest = push_image(port, "plat", &sha256(&img.manifest), img);
        entries.push(format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{},"platform":{{"architecture":"{arch}","os":"linux"}}}}"#,
            img.manifest.len()
        ));
    }
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
        entries.join(",")
    );
    push_manifest(port, "plat", "1", OCI_INDEX, index.as_bytes());
    let reference = format!("{address}/plat:1");
    let filters = std::collections::HashMap::from([
        (
            "label".to_string(),
            vec![format!("seaworthy.pid={}", std::process::id())],
        ),
        ("type".to_string(), vec!["container".to_string()]),
        ("event".to_string(), vec!["create".to_string()]),
    ]);
    let live = integration_tests::LiveEvents::start_with(&docker, filters);

    let on_arm = ContainerDefinition::new("on-arm", &reference)
        .platform("linux/arm64")
        .command(["/never-started"]);
    assert_eq!(on_arm.get_platform().as_deref(), Some("linux/arm64"));
    on_arm.create(&helper).await.unwrap();
    let image_id = on_arm.inspect().await.unwrap().image.unwrap();
    assert_eq!(image_id, arm.config.0);
    on_arm.teardown().await.unwrap();

    // Present for arm64 now: asking for amd64 pulls again.
    let on_amd = ContainerDefinition::new("on-amd", &reference)
        .platform("linux/amd64")
        .command(["/never-started"]);
    on_amd.create(&helper).await.unwrap();
    assert_eq!(on_amd.inspect().await.unwrap().image.unwrap(), amd.config.0);
    on_amd.teardown().await.unwrap();
    // Each image ID is its platform's config: both were pulled, one after the other.

    let nowhere = ContainerDefinition::new("on-s390x", &reference)
        .platform("linux/s390x")
        .command(["/never-started"]);
    let e = nowhere.create(&helper).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Image(seaworthy::ImageError::NoManifestForPlatform { .. })
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "image `{reference}` in the registry `{address}` has no manifest for this platform \
             (linux/s390x)\n(hint: use a tag or digest built for linux/s390x)"
        )
    );
    let creates = live.all();
    let names: Vec<_> = creates
        .iter()
        .filter_map(|e| {
            e.actor
                .as_ref()?
                .attributes
                .as_ref()?
                .get("seaworthy.definition")
                .cloned()
        })
        .filter(|d| d.starts_with("on-"))
        .collect();
    assert_eq!(names, ["on-arm", "on-amd"]);
    remove_images(&docker, &format!("{address}/plat")).await;
}

#[tokio::test]
async fn a_hub_prefix_or_a_registry_map_pulls_hub_references_from_the_mirror() {
    let Some(registry) = Registry::start(None) else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let _cleanup = RemoveImagesOf(address.clone());
    let docker = helper().await.docker().clone();
    // A Docker Hub reference nobody has locally, served by the local registry only.
    let name = format!("seaworthy-mirror-test-{}", std::process::id());
    let image = tar_image(&format!("mirror {address}"), 1, 100);
    push_image(port, &format!("library/{name}"), "1", &image);
    let hub = format!("{name}:1");
    let settings = [
        ("SEAWORTHY_HUB_IMAGE_PREFIX", format!("{address}/")),
        ("SEAWORTHY_REGISTRY_MIRRORS", format!("docker.io={address}")),
    ];
    for (var, value) in &settings {
        let out = child(&hub, true, &[(var, value.as_str())]);
        assert!(
            out.contains(&format!("child: pulled {}", image.config.0)),
            "{out}"
        );
        let line =
            format!("seaworthy: pulling {hub} (as {address}/library/{name}:1) from {address}");
        assert!(out.contains(&line), "{out}");
        // Tagged with the name asked for (and the mirror's, removed with the registry's).
        assert_eq!(
            local_images(&docker, &name).await,
            [(image.config.0.clone(), vec![hub.clone()])]
        );
        remove_images(&docker, &name).await;
    }
    // One pull per setting, each asking the mirror for the tag.
    assert_eq!(
        requests(&registry, &format!("HEAD /v2/library/{name}/manifests/1")),
        2,
        "{}",
        registry.log()
    );

    // A mirror that does not answer (nothing listens on port 1): both names and the mirror.
    let out = child(&hub, true, &[("SEAWORTHY_HUB_IMAGE_PREFIX", "127.0.0.1:1")]);
    let failed = out
        .lines()
        .find(|l| l.contains("child: failed"))
        .unwrap_or_default();
    assert!(
        failed.contains(&format!(
            "`{hub} (pulled as 127.0.0.1:1/library/{name}:1, per SEAWORTHY_HUB_IMAGE_PREFIX)`"
        )) && failed.contains("`127.0.0.1:1`"),
        "{out}"
    );
    // A map entry that is not REGISTRY=MIRROR.
    let out = child(&hub, true, &[("SEAWORTHY_REGISTRY_MIRRORS", "docker.io")]);
    assert!(
        out.contains("SEAWORTHY_REGISTRY_MIRRORS entry `docker.io` is not REGISTRY=MIRROR"),
        "{out}"
    );
    assert_eq!(local_images(&docker, &name).await, []);
}

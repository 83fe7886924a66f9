//! `--only-forward`, `--force`, `--metadata-file` and `$GITHUB_OUTPUT`, against the real
//! registry: versions pushed out of order, the resulting tags checked by digest.

use std::path::Path;

use seaworthy_registry::test_support::{image, push_image, resolve, tags};

use crate::support::{assert_output, dcd, plain_setup};

/// Validates `json` against `metadata.schema.json`, the schema the README links.
#[track_caller]
pub(crate) fn assert_valid_metadata(json: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../metadata.schema.json"))
            .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{json:#}");
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the metadata file exists"))
        .expect("the metadata file is JSON")
}

#[test]
fn floating_tags_move_only_forward_when_versions_come_out_of_order() {
    let Some((registry, scratch, path)) = plain_setup("forward") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let mut digests = std::collections::HashMap::new();
    for version in ["1.2.8", "1.3.0", "1.2.9", "2.0.0-rc.1"] {
        let digest = push_image(
            port,
            "app",
            &format!("sha-{version}"),
            &image(version, "amd64"),
        );
        digests.insert(version, digest);
    }
    let release = |version: &str, extra: &[&str]| {
        let source = format!("{address}/app:sha-{version}");
        let mut args = vec!["--in-registry", "--only-forward", "-V", version, "-S", "-L"];
        args.extend_from_slice(extra);
        args.extend(["-t", "latest", "--", source.as_str()]);
        dcd(&args, &path, &[])
    };
    let lines = |version: &str, tags: &[&str]| -> String {
        tags.iter()
            .map(|tag| format!("{address}/app:{tag} {}\n", digests[version]))
            .collect()
    };

    // The first release takes every tag.
    let output = release("1.2.8", &[]);
    assert_output(
        &output,
        0,
        &lines("1.2.8", &["1.2.8", "1.2", "1", "latest"]),
        "",
    );
    let output = release("1.3.0", &[]);
    assert_output(
        &output,
        0,
        &lines("1.3.0", &["1.3.0", "1.3", "1", "latest"]),
        "",
    );

    // A hotfix of the older line after 1.3.0: its own line moves, `1` and `latest` stay.
    let metadata = scratch.path().join("metadata.json");
    let output = release(
        "1.2.9",
        &["--metadata-file", metadata.to_str().expect("UTF-8")],
    );
    assert_output(
        &output,
        0,
        &format!(
            "{address}/app:1 stays at 1.3.0 (higher than 1.2.9)\n{address}/app:latest stays at 1.3.0 (higher than 1.2.9)\n{}",
            lines("1.2.9", &["1.2.9", "1.2"])
        ),
        "",
    );
    for (tag, version) in [
        ("1.2.8", "1.2.8"),
        ("1.2.9", "1.2.9"),
        ("1.2", "1.2.9"),
        ("1.3.0", "1.3.0"),
        ("1.3", "1.3.0"),
        ("1", "1.3.0"),
        ("latest", "1.3.0"),
    ] {
        assert_eq!(
            resolve(port, "app", tag).as_deref(),
            Some(digests[version].as_str()),
            "{tag}"
        );
    }
    let json = read_json(&metadata);
    assert_valid_metadata(&json);
    assert_eq!(json["mode"], "registry");
    assert_eq!(json["digest"], digests["1.2.9"].as_str());
    assert_eq!(
        json["tags"],
        serde_json::json!([format!("{address}/app:1.2.9"), format!("{address}/app:1.2")])
    );
    assert_eq!(
        json["images"][0]["skipped"][1]["reference"],
        format!("{address}/app:latest")
    );

    // A prerelease moves no floating tag; the dry run shows it and writes nothing.
    let before = tags(port, "app");
    let output = release("2.0.0-rc.1", &["--dry-run"]);
    assert_output(
        &output,
        0,
        &format!(
            "{address}/app:2.0.0-rc stays: 2.0.0-rc.1 is a prerelease\n{address}/app:2.0.0 stays: 2.0.0-rc.1 is a prerelease\n{address}/app:2.0 stays: 2.0.0-rc.1 is a prerelease\n{address}/app:2 stays: 2.0.0-rc.1 is a prerelease\n{address}/app:latest stays: 2.0.0-rc.1 is a prerelease\nGET manifest {address}/app:sha-2.0.0-rc.1\nPUT manifest {address}/app:2.0.0-rc.1\n"
        ),
        "",
    );
    assert_eq!(tags(port, "app"), before);

    // A version that cannot be ordered is refused before anything happens.
    let output = dcd(
        &[
            "--in-registry",
            "--only-forward",
            "-V",
            "2024.05.01",
            "-L",
            &format!("{address}/app:sha-1.2.8"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        1,
        "",
        "error: --only-forward: version `2024.05.01` is not a semantic version (MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD])\n",
    );
}

#[test]
fn an_exact_version_tag_is_not_overwritten_without_force() {
    let Some((registry, _scratch, path)) = plain_setup("force") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let first = push_image(port, "app", "sha-first", &image("first", "amd64"));
    let second = push_image(port, "app", "sha-second", &image("second", "amd64"));
    let tag = |source: &str, extra: &[&str]| {
        let source = format!("{address}/app:{source}");
        let mut args = vec!["--in-registry", "-V", "1.0.0", "-S"];
        args.extend_from_slice(extra);
        args.extend(["-t", "latest", "--", source.as_str()]);
        dcd(&args, &path, &[])
    };
    assert_eq!(tag("sha-first", &[]).status.code(), Some(0));
    // The same digest again is fine (a re-run of the same release).
    assert_eq!(tag("sha-first", &[]).status.code(), Some(0));

    let output = tag("sha-second", &[]);
    assert_output(
        &output,
        1,
        "",
        &format!("error: {address}/app:1.0.0 already exists with digest {first}, not {second} of {address}/app:sha-second: a version tag is not overwritten (hint: pass --force to overwrite it)\n"),
    );
    // Nothing was written, the floating tags neither.
    for tag in ["1.0.0", "1.0", "1"] {
        assert_eq!(
            resolve(port, "app", tag).as_deref(),
            Some(first.as_str()),
            "{tag}"
        );
    }

    let output = tag("sha-second", &["--force"]);
    assert_output(
        &output,
        0,
        &format!(
            "Overwriting {address}/app:1.0.0 (was {first}) as --force allows\n{address}/app:1.0.0 {second}\n{address}/app:1.0 {second}\n{address}/app:1 {second}\n"
        ),
        "",
    );
    assert_eq!(
        resolve(port, "app", "1.0.0").as_deref(),
        Some(second.as_str())
    );
}

#[test]
fn metadata_file_and_github_output_in_both_modes() {
    let Some((registry, scratch, path)) = plain_setup("metadata") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let digest = push_image(port, "app", "src", &image("meta", "amd64"));
    let metadata = scratch.path().join("registry.json");
    let github_output = scratch.path().join("github_output");
    std::fs::write(&github_output, "earlier=1\n").expect("the output file can be written");
    let output = dcd(
        &[
            "--in-registry",
            "-V",
            "3.1.4",
            "-L",
            "--metadata-file",
            metadata.to_str().expect("UTF-8"),
            "--",
            &format!("{address}/app:src"),
        ],
        &path,
        &[
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_OUTPUT", &github_output),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json = read_json(&metadata);
    assert_valid_metadata(&json);
    assert_eq!(
        json,
        serde_json::json!({
            "format": 1,
            "mode": "registry",
            "tags": [format!("{address}/app:3.1.4-src"), format!("{address}/app:src")],
            "digest": digest,
            "images": [{
                "source": format!("{address}/app:src"),
                "digest": digest,
                "tags": [
                    {"reference": format!("{address}/app:3.1.4-src"), "tag": "3.1.4-src", "digest": digest},
                    {"reference": format!("{address}/app:src"), "tag": "src", "digest": digest},
                ],
                "skipped": [],
                "referrers": [],
            }],
        })
    );
    let written = std::fs::read_to_string(&github_output).expect("the output file");
    let delimiter = written
        .lines()
        .nth(1)
        .and_then(|line| line.strip_prefix("tags<<"))
        .expect("a multi-line tags output");
    assert_eq!(
        written,
        format!("earlier=1\ntags<<{delimiter}\n{address}/app:3.1.4-src\n{address}/app:src\n{delimiter}\ndigest={digest}\n")
    );

    // The CLI mode writes the same fields; the digest comes from the engine's RepoDigests
    // (here a stand-in docker that logs its commands).
    let bin = scratch.path().join("bin");
    let log = scratch.path().join("docker.log");
    let docker = bin.join("docker");
    std::fs::write(
        &docker,
        format!(
            "#!/bin/sh\necho \"$*\" >> {log}\nif [ \"$1\" = image ]; then echo '{address}/other@sha256:{zeros}'; echo \"${{5%:*}}@{digest}\"; fi\n",
            log = log.display(),
            zeros = "0".repeat(64)
        ),
    )
    .expect("the stand-in can be written");
    std::fs::set_permissions(&docker, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let metadata = scratch.path().join("cli.json");
    let output = dcd(
        &[
            "-V",
            "3.1.4",
            "-r",
            &address,
            "--metadata-file",
            metadata.to_str().expect("UTF-8"),
            "app",
        ],
        &bin,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json = read_json(&metadata);
    assert_valid_metadata(&json);
    assert_eq!(json["mode"], "docker");
    assert_eq!(
        json["tags"],
        serde_json::json!([format!("{address}/app:3.1.4")])
    );
    assert_eq!(json["digest"], digest.as_str());
    assert_eq!(json["images"][0]["tags"][0]["digest"], digest.as_str());
    assert_eq!(json["images"][0]["source"], "app");
}

#[test]
fn only_forward_in_cli_mode_reads_the_registry_and_skips_docker_commands() {
    let Some((registry, scratch, _path)) = plain_setup("forward-cli") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let newer = push_image(port, "app", "2.0.0", &image("newer", "amd64"));
    let bin = scratch.path().join("bin");
    let log = scratch.path().join("docker.log");
    let docker = bin.join("docker");
    // Logs its commands; `image inspect` prints $FAKE_REPO_DIGEST as the image's RepoDigests.
    std::fs::write(
        &docker,
        format!(
            "#!/bin/sh\necho \"$*\" >> {}\nif [ \"$1\" = image ] && [ -n \"$FAKE_REPO_DIGEST\" ]; then echo \"$FAKE_REPO_DIGEST\"; fi\n",
            log.display()
        ),
    )
    .expect("the stand-in can be written");
    std::fs::set_permissions(&docker, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let output = dcd(
        &[
            "--only-forward",
            "-V",
            "1.4.0",
            "-S",
            "-L",
            "-r",
            &address,
            "app",
        ],
        &bin,
        &[],
    );
    assert_output(
        &output,
        0,
        &format!("{address}/app:latest stays at 2.0.0 (higher than 1.4.0)\n"),
        "",
    );
    assert_eq!(
        std::fs::read_to_string(&log).expect("docker ran"),
        format!("tag app {address}/app:1.4.0\ntag app {address}/app:1.4\ntag app {address}/app:1\npush {address}/app:1.4.0\npush {address}/app:1.4\npush {address}/app:1\n")
    );
    assert_eq!(resolve(port, "app", "latest"), None);
    assert_eq!(resolve(port, "app", "2.0.0"), Some(newer.clone()));

    // 2.0.0 is in the registry: the local image must be that one (its RepoDigests say so),
    // or --force must be given; otherwise nothing runs.
    std::fs::remove_file(&log).expect("the log exists");
    let release = |envs: &[(&str, &Path)], force: bool| {
        let mut args = vec!["--only-forward", "-V", "2.0.0", "-r", &address, "app"];
        if force {
            args.insert(0, "--force");
        }
        dcd(&args, &bin, envs)
    };
    let output = release(&[], false);
    assert_output(
        &output,
        1,
        "",
        &format!("error: {address}/app:2.0.0 already exists with digest {newer}, which the local image app does not have (its RepoDigests): a version tag is not overwritten (hint: pass --force to overwrite it)\n"),
    );
    assert_eq!(
        std::fs::read_to_string(&log).expect("docker ran"),
        format!(
            "image inspect --format {{{{range .RepoDigests}}}}{{{{println .}}}}{{{{end}}}} app\n"
        )
    );
    let same = format!("{address}/app@{newer}");
    let output = release(&[("FAKE_REPO_DIGEST", Path::new(&same))], false);
    assert_output(&output, 0, "", "");
    let output = release(&[], true);
    assert_output(&output, 0, "", "");

    // A registry that cannot be reached holds the floating tags back, and says why.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let output = dcd(
        &[
            "--only-forward",
            "--dry-run",
            "-V",
            "1.4.0",
            "-L",
            "-r",
            &format!("127.0.0.1:{closed}"),
            "app",
        ],
        &bin,
        &[("DCD_RETRY_ATTEMPTS", Path::new("1"))],
    );
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("127.0.0.1:{closed}/app:latest stays: the tags of 127.0.0.1:{closed}/app cannot be read: cannot reach registry 127.0.0.1:{closed}: "))
            && stdout.ends_with(&format!("docker tag app 127.0.0.1:{closed}/app:1.4.0\ndocker push 127.0.0.1:{closed}/app:1.4.0\n")),
        "{stdout}"
    );
}

//! Where dcd deliberately differs from 0.3.0: every error is one line on stderr, exit status 1,
//! nothing on stdout, and no docker command has run.

use crate::support::{assert_output, dcd, lines, TempDir};

/// Runs `dcd` for real with a fake docker that records its calls, and asserts that it failed
/// with exactly `error: MESSAGE` before running anything.
#[track_caller]
fn refused(args: &[&str], message: &str) {
    let dir = TempDir::new("refused");
    let log = dir.path().join("calls");
    let docker = dir.script("docker", &format!("echo \"$@\" >> '{}'\n", log.display()));
    let mut all = vec!["--executable", docker.as_str()];
    all.extend_from_slice(args);
    assert_output(&dcd(&all), 1, "", &format!("error: {message}\n"));
    assert!(!log.exists(), "a docker command ran for {args:?}");
    // `--dry-run` refuses the same plan, printing nothing.
    let mut dry = vec!["--dry-run"];
    dry.extend_from_slice(args);
    assert_output(&dcd(&dry), 1, "", &format!("error: {message}\n"));
}

#[test]
fn tag_applies_to_every_image() {
    let output = dcd(&["--dry-run", "-t", "a", "b", "--", "img:x", "other:y"]);
    assert_output(
        &output,
        0,
        &lines(&[
            "docker tag img:x img:a",
            "docker tag img:x img:b",
            "docker tag other:y other:a",
            "docker tag other:y other:b",
            "docker push img:a",
            "docker push img:b",
            "docker push other:a",
            "docker push other:b",
        ]),
        "",
    );
}

#[test]
fn unexpandable_versions() {
    for (version, stuck) in [
        ("1.2.3+build.5", "1.2.3+"),
        ("1.2.", "1.2."),
        ("1..2", "1."),
    ] {
        refused(
            &["-V", version, "-S", "img"],
            &format!("cannot expand version `{version}` with --version-semver: `{stuck}` does not end in a letter, digit or `_`"),
        );
    }
    // Without --version-semver the version is a tag, and Docker would refuse that tag.
    refused(
        &["-V", "1.2.3+build.5", "img"],
        "tag `1.2.3+build.5` for `img` is not a valid Docker tag: 1 to 128 ASCII letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
    );
}

#[test]
fn precision_above_the_versions_parts() {
    refused(
        &["-V", "1.2.3", "-S", "-P", "4", "img"],
        "The minimum precision (4) is greater than the precision of version '1.2.3' (3)",
    );
}

#[test]
fn unparsable_images() {
    refused(
        &["this:is:invalid/user:test/name:tag/"],
        "Unable to parse image tag 'this:is:invalid/user:test/name:tag/'",
    );
    refused(&["img", "--", "-t"], "Unable to parse image tag '-t'");
    refused(&["MyImage"], "Unable to parse image tag 'MyImage'");
    refused(
        &["good", "img:.bad"],
        "Unable to parse image tag 'img:.bad'",
    );
    refused(&["img:café"], "Unable to parse image tag 'img:café'");
}

#[test]
fn tags_docker_would_reject() {
    refused(
        &["-t", "bad tag!", "--", "img"],
        "tag `bad tag!` for `img` is not a valid Docker tag: 1 to 128 ASCII letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
    );
    let long = "a".repeat(129);
    refused(
        &["-t", &long, "--", "img"],
        &format!("tag `{long}` for `img` is not a valid Docker tag: 1 to 128 ASCII letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"),
    );
}

#[test]
fn registries_docker_would_reject() {
    refused(
        &["-r", "reg:5000/", "img:1"],
        "repository name `reg:5000//img` made for `img:1` is not a valid Docker repository name (check --registry)",
    );
    refused(
        &["-r", "https://reg.io", "img:1"],
        "repository name `https://reg.io/img` made for `img:1` is not a valid Docker repository name (check --registry)",
    );
}

#[test]
fn digest_references_are_sources() {
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let source = format!("img:1@{digest}");
    let output = dcd(&["--dry-run", "-V", "2.0.0", "-L", &source]);
    assert_output(
        &output,
        0,
        &lines(&[
            &format!("docker tag {source} img:2.0.0-1"),
            &format!("docker tag {source} img:1"),
            "docker push img:2.0.0-1",
            "docker push img:1",
        ]),
        "",
    );
    let short = format!("img@sha256:{}", "a".repeat(32));
    refused(
        &[&short],
        &format!("unsupported digest `sha256:{}` in `{short}`: Docker accepts sha256, sha384 or sha512 with 64, 96 or 128 lower-case hex digits", "a".repeat(32)),
    );
}

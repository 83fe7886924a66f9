//! Byte-identical behaviour with docker-ci-deploy 0.3.0: its own CLI tests (`TestMainFunc`),
//! the reference's verified `--dry-run` examples, `--help` and argparse's usage errors.

use crate::support::{assert_output, dcd, docker_ci_deploy, lines, USAGE};

/// `dcd --dry-run ARGS` prints exactly `expected`, with nothing on stderr.
#[track_caller]
fn dry_run(args: &[&str], expected: &[&str]) {
    let mut all = vec!["--dry-run"];
    all.extend_from_slice(args);
    assert_output(&dcd(&all), 0, &lines(expected), "");
}

#[test]
fn readme_examples() {
    dry_run(
        &[
            "--version",
            "2.7.13",
            "--version-semver",
            "--version-latest",
            "--registry",
            "registry:5000",
            "praekeltorg/alpine-python",
            "praekeltorg/alpine-python:onbuild",
        ],
        &[
            "docker tag praekeltorg/alpine-python registry:5000/praekeltorg/alpine-python:2.7.13",
            "docker tag praekeltorg/alpine-python registry:5000/praekeltorg/alpine-python:2.7",
            "docker tag praekeltorg/alpine-python registry:5000/praekeltorg/alpine-python:2",
            "docker tag praekeltorg/alpine-python registry:5000/praekeltorg/alpine-python:latest",
            "docker tag praekeltorg/alpine-python:onbuild registry:5000/praekeltorg/alpine-python:2.7.13-onbuild",
            "docker tag praekeltorg/alpine-python:onbuild registry:5000/praekeltorg/alpine-python:2.7-onbuild",
            "docker tag praekeltorg/alpine-python:onbuild registry:5000/praekeltorg/alpine-python:2-onbuild",
            "docker tag praekeltorg/alpine-python:onbuild registry:5000/praekeltorg/alpine-python:onbuild",
            "docker push registry:5000/praekeltorg/alpine-python:2.7.13",
            "docker push registry:5000/praekeltorg/alpine-python:2.7",
            "docker push registry:5000/praekeltorg/alpine-python:2",
            "docker push registry:5000/praekeltorg/alpine-python:latest",
            "docker push registry:5000/praekeltorg/alpine-python:2.7.13-onbuild",
            "docker push registry:5000/praekeltorg/alpine-python:2.7-onbuild",
            "docker push registry:5000/praekeltorg/alpine-python:2-onbuild",
            "docker push registry:5000/praekeltorg/alpine-python:onbuild",
        ],
    );
    dry_run(
        &[
            "-V",
            "3.6.0",
            "-S",
            "-L",
            "-r",
            "registry:5000",
            "alpine-python",
        ],
        &[
            "docker tag alpine-python registry:5000/alpine-python:3.6.0",
            "docker tag alpine-python registry:5000/alpine-python:3.6",
            "docker tag alpine-python registry:5000/alpine-python:3",
            "docker tag alpine-python registry:5000/alpine-python:latest",
            "docker push registry:5000/alpine-python:3.6.0",
            "docker push registry:5000/alpine-python:3.6",
            "docker push registry:5000/alpine-python:3",
            "docker push registry:5000/alpine-python:latest",
        ],
    );
    dry_run(&["my-image:latest"], &["docker push my-image:latest"]);
    dry_run(&["my-image"], &["docker push my-image"]);
    dry_run(
        &["my-image:latest", "--tag", "alpine", "--tag", "eea981f"],
        &[
            "docker tag my-image:latest my-image:alpine",
            "docker tag my-image:latest my-image:eea981f",
            "docker push my-image:alpine",
            "docker push my-image:eea981f",
        ],
    );
    let alpine = [
        "docker tag my-image my-image:1.2.3-alpine",
        "docker push my-image:1.2.3-alpine",
    ];
    dry_run(
        &["--tag", "alpine", "--version", "1.2.3", "my-image"],
        &alpine,
    );
    dry_run(
        &[
            "--version",
            "1.2.3",
            "--tag",
            "1.2.3-alpine",
            "--",
            "my-image",
        ],
        &alpine,
    );
    dry_run(
        &["--version", "1.2.3", "--version-latest", "my-image"],
        &[
            "docker tag my-image my-image:1.2.3",
            "docker tag my-image my-image:latest",
            "docker push my-image:1.2.3",
            "docker push my-image:latest",
        ],
    );
    for tag in ["alpine", "1.2-alpine"] {
        dry_run(
            &[
                "--version",
                "1.2.3",
                "--version-semver",
                "my-image",
                "--tag",
                tag,
            ],
            &[
                "docker tag my-image my-image:1.2.3-alpine",
                "docker tag my-image my-image:1.2-alpine",
                "docker tag my-image my-image:1-alpine",
                "docker push my-image:1.2.3-alpine",
                "docker push my-image:1.2-alpine",
                "docker push my-image:1-alpine",
            ],
        );
    }
    dry_run(
        &[
            "--version",
            "1.2.3",
            "--version-semver",
            "--semver-precision",
            "2",
            "my-image",
        ],
        &[
            "docker tag my-image my-image:1.2.3",
            "docker tag my-image my-image:1.2",
            "docker push my-image:1.2.3",
            "docker push my-image:1.2",
        ],
    );
    dry_run(
        &[
            "--tag",
            "alpine",
            "eea981f",
            "--registry",
            "my-registry.example.com:5000",
            "--",
            "my-image:latest",
        ],
        &[
            "docker tag my-image:latest my-registry.example.com:5000/my-image:alpine",
            "docker tag my-image:latest my-registry.example.com:5000/my-image:eea981f",
            "docker push my-registry.example.com:5000/my-image:alpine",
            "docker push my-registry.example.com:5000/my-image:eea981f",
        ],
    );
}

/// `docker tag img img:T` for each tag, then `docker push img:T` for each.
fn tag_and_push(source: &str, name: &str, tags: &[&str]) -> Vec<String> {
    let tag_lines = tags
        .iter()
        .map(|tag| format!("docker tag {source} {name}:{tag}"));
    let push_lines = tags.iter().map(|tag| format!("docker push {name}:{tag}"));
    tag_lines.chain(push_lines).collect()
}

#[track_caller]
fn dry_run_owned(args: &[&str], expected: &[String]) {
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    dry_run(args, &expected);
}

#[test]
fn reference_edge_cases() {
    dry_run_owned(
        &["--version", "1.2.3", "--version-semver", "img"],
        &tag_and_push("img", "img", &["1.2.3", "1.2", "1"]),
    );
    dry_run(&["-V", "1.2.3", "img:1.2.3"], &["docker push img:1.2.3"]);
    dry_run(
        &["-V", "1.2.3", "-L", "img:1.2.3"],
        &[
            "docker tag img:1.2.3 img:latest",
            "docker push img:1.2.3",
            "docker push img:latest",
        ],
    );
    dry_run(
        &["-V", "1.2.3", "img:latest"],
        &["docker tag img:latest img:1.2.3", "docker push img:1.2.3"],
    );
    dry_run(
        &["-V", "1.2.3", "-L", "img:latest"],
        &[
            "docker tag img:latest img:1.2.3",
            "docker push img:1.2.3",
            "docker push img:latest",
        ],
    );
    for tag in ["latest", "1.2.3-latest"] {
        dry_run(
            &["-t", tag, "-V", "1.2.3", "--", "img:abc"],
            &["docker tag img:abc img:1.2.3", "docker push img:1.2.3"],
        );
    }
    dry_run_owned(
        &["-t", "latest", "-V", "1.2.3", "-L", "--", "img:abc"],
        &tag_and_push("img:abc", "img", &["1.2.3", "latest"]),
    );
    dry_run_owned(
        &["-t", "1.2.3-foo", "-V", "1.2.3", "-L", "--", "img"],
        &tag_and_push("img", "img", &["1.2.3-foo", "foo"]),
    );
    dry_run_owned(
        &["-t", "1.2.3", "-V", "1.2.3", "-L", "--", "img"],
        &tag_and_push("img", "img", &["1.2.3", "latest"]),
    );
    dry_run_owned(
        &["-t", "1", "-V", "1.2.3", "-S", "--", "img"],
        &tag_and_push("img", "img", &["1.2.3", "1.2", "1"]),
    );
    dry_run(
        &["-V", "1.2", "img:1.2.3"],
        &[
            "docker tag img:1.2.3 img:1.2-1.2.3",
            "docker push img:1.2-1.2.3",
        ],
    );
    dry_run(
        &["-V", "1.2", "-S", "img:1.2-foo"],
        &[
            "docker tag img:1.2-foo img:1-foo",
            "docker push img:1.2-foo",
            "docker push img:1-foo",
        ],
    );
    dry_run(
        &["-V", "v1.2.3", "-S", "-L", "img:v1.2-alpine"],
        &[
            "docker tag img:v1.2-alpine img:v1.2.3-alpine",
            "docker tag img:v1.2-alpine img:v1-alpine",
            "docker tag img:v1.2-alpine img:alpine",
            "docker push img:v1.2.3-alpine",
            "docker push img:v1.2-alpine",
            "docker push img:v1-alpine",
            "docker push img:alpine",
        ],
    );
    dry_run(
        &["-V", "1.2.3", "-S", "-L", "img:a", "img"],
        &[
            "docker tag img:a img:1.2.3-a",
            "docker tag img:a img:1.2-a",
            "docker tag img:a img:1-a",
            "docker tag img img:1.2.3",
            "docker tag img img:1.2",
            "docker tag img img:1",
            "docker tag img img:latest",
            "docker push img:1.2.3-a",
            "docker push img:1.2-a",
            "docker push img:1-a",
            "docker push img:a",
            "docker push img:1.2.3",
            "docker push img:1.2",
            "docker push img:1",
            "docker push img:latest",
        ],
    );
    dry_run_owned(
        &["-V", "1.2.3", "-S", "-L", "-t", "a", "b", "--", "img"],
        &tag_and_push(
            "img",
            "img",
            &[
                "1.2.3-a", "1.2-a", "1-a", "a", "1.2.3-b", "1.2-b", "1-b", "b",
            ],
        ),
    );
    dry_run_owned(
        &["-t", "foo", "foo", "--", "img"],
        &tag_and_push("img", "img", &["foo", "foo"]),
    );
    dry_run_owned(
        &["-t", "latest", "1.2.3", "-V", "1.2.3", "-L", "--", "img"],
        &tag_and_push("img", "img", &["1.2.3", "latest", "1.2.3", "latest"]),
    );
    dry_run(
        &["-V", "1.2.3", "-S", "img:1.2.3-alpine", "img:1-alpine"],
        &[
            "docker tag img:1.2.3-alpine img:1.2-alpine",
            "docker tag img:1.2.3-alpine img:1-alpine",
            "docker tag img:1-alpine img:1.2.3-alpine",
            "docker tag img:1-alpine img:1.2-alpine",
            "docker push img:1.2.3-alpine",
            "docker push img:1.2-alpine",
            "docker push img:1-alpine",
            "docker push img:1.2.3-alpine",
            "docker push img:1.2-alpine",
            "docker push img:1-alpine",
        ],
    );
    dry_run(&["-t", "", "--", "img"], &["docker push img"]);
    dry_run_owned(
        &["-t", "", "-V", "1.2.3", "-L", "--", "img"],
        &tag_and_push("img", "img", &["1.2.3", "latest"]),
    );
    dry_run(&["-V", "", "img"], &["docker push img"]);
    dry_run(&["-r", "", "img:1"], &["docker push img:1"]);
    for precision in ["0", "-1"] {
        dry_run_owned(
            &["-V", "1.2.3", "-S", "-P", precision, "img"],
            &tag_and_push("img", "img", &["1.2.3", "1.2", "1"]),
        );
    }
    dry_run_owned(
        &["-V", "1.2.3", "-P", "0", "img"],
        &tag_and_push("img", "img", &["1.2.3"]),
    );
    dry_run(
        &["-r", "reg:5000", "-V", "2.0.0", "img:1"],
        &[
            "docker tag img:1 reg:5000/img:2.0.0-1",
            "docker push reg:5000/img:2.0.0-1",
        ],
    );
    dry_run(
        &[
            "--executable",
            "/usr/local/bin/docker",
            "-V",
            "1.2.3",
            "img",
        ],
        &[
            "/usr/local/bin/docker tag img img:1.2.3",
            "/usr/local/bin/docker push img:1.2.3",
        ],
    );
    dry_run(
        &["-v", "-V", "1.2.3", "-L", "img:1.2.3"],
        &[
            "Not tagging \"img:1.2.3\" as itself",
            "Tagging \"img:1.2.3\" as \"img:latest\"...",
            "docker tag img:1.2.3 img:latest",
            "Pushing tag \"img:1.2.3\"...",
            "docker push img:1.2.3",
            "Pushing tag \"img:latest\"...",
            "docker push img:latest",
        ],
    );
    dry_run(
        &["-t", "x", "--", "localhost:5000"],
        &[
            "docker tag localhost:5000 localhost:x",
            "docker push localhost:x",
        ],
    );
    // 0.3.0's TestSplitImageTagFunc.test_split, from the command line.
    dry_run(
        &["-t", "x", "--", "registry.example.com:5000/user/name:tag"],
        &[
            "docker tag registry.example.com:5000/user/name:tag registry.example.com:5000/user/name:x",
            "docker push registry.example.com:5000/user/name:x",
        ],
    );
    dry_run(
        &["-r", "registry2:5000", "registry:5000/bar"],
        &[
            "docker tag registry:5000/bar registry2:5000/bar",
            "docker push registry2:5000/bar",
        ],
    );
    dry_run(
        &["-r", "reg:5000", "reg:5000/img:1"],
        &["docker push reg:5000/img:1"],
    );
}

#[test]
fn parsing_forms() {
    let expected = tag_and_push("img", "img", &["1.2.3", "1.2", "1", "latest"]);
    let forms: &[&[&str]] = &[
        &["-V1.2.3", "-SL", "img"],
        &["--version=1.2.3", "-LS", "img"],
        &["--version=1.2.3", "--version-s", "--version-l", "img"],
        &["-V", "0.0.1", "-V", "1.2.3", "-S", "-L", "img"],
        &["--tag-v", "1.2.3", "-SL", "img"],
    ];
    for args in forms {
        let mut all = vec!["--dry"];
        all.extend_from_slice(args);
        let output = dcd(&all);
        let stderr = if args.contains(&"--tag-v") {
            "DEPRECATED: the --tag-version option is deprecated and will be removed in the next release. Please use --version instead\n"
        } else {
            ""
        };
        assert_output(
            &output,
            0,
            &lines(&expected.iter().map(String::as_str).collect::<Vec<_>>()),
            stderr,
        );
    }
}

// 0.3.0's TestMainFunc: these run `echo` as the docker executable.
#[test]
fn main_args() {
    let output = dcd(&[
        "--registry",
        "registry.example.com:5000",
        "--executable",
        "echo",
        "test-image:abc",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image:abc registry.example.com:5000/test-image:abc",
            "push registry.example.com:5000/test-image:abc",
        ]),
        "",
    );
}

#[test]
fn main_version() {
    let output = dcd(&[
        "--executable",
        "echo",
        "--version",
        "1.2.3",
        "test-image:abc",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image:abc test-image:1.2.3-abc",
            "push test-image:1.2.3-abc",
        ]),
        "",
    );
}

#[test]
fn main_semver_precision() {
    let output = dcd(&[
        "--executable",
        "echo",
        "--version",
        "1.2.3",
        "--version-semver",
        "--semver-precision",
        "2",
        "test-image:abc",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image:abc test-image:1.2.3-abc",
            "tag test-image:abc test-image:1.2-abc",
            "push test-image:1.2.3-abc",
            "push test-image:1.2-abc",
        ]),
        "",
    );
}

#[test]
fn main_semver_precision_default() {
    let output = dcd(&[
        "--executable",
        "echo",
        "--version",
        "1.2.3",
        "--version-semver",
        "test-image:abc",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image:abc test-image:1.2.3-abc",
            "tag test-image:abc test-image:1.2-abc",
            "tag test-image:abc test-image:1-abc",
            "push test-image:1.2.3-abc",
            "push test-image:1.2-abc",
            "push test-image:1-abc",
        ]),
        "",
    );
}

#[test]
fn main_many_tags() {
    let output = dcd(&[
        "--tag",
        "abc",
        "def",
        "-t",
        "ghi",
        "--executable",
        "echo",
        "test-image:xyz",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image:xyz test-image:abc",
            "tag test-image:xyz test-image:def",
            "tag test-image:xyz test-image:ghi",
            "push test-image:abc",
            "push test-image:def",
            "push test-image:ghi",
        ]),
        "",
    );
}

fn deprecated(old: &str, new: &str) -> String {
    format!("DEPRECATED: the --{old} option is deprecated and will be removed in the next release. Please use --{new} instead\n")
}

#[test]
fn main_deprecated_aliases() {
    let output = dcd(&[
        "--executable",
        "echo",
        "--tag-version",
        "1.2.3",
        "test-image",
    ]);
    assert_output(
        &output,
        0,
        &lines(&["tag test-image test-image:1.2.3", "push test-image:1.2.3"]),
        &deprecated("tag-version", "version"),
    );
    let output = dcd(&[
        "--executable",
        "echo",
        "--version",
        "1.2.3",
        "--tag-latest",
        "test-image",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image test-image:1.2.3",
            "tag test-image test-image:latest",
            "push test-image:1.2.3",
            "push test-image:latest",
        ]),
        &deprecated("tag-latest", "version-latest"),
    );
    let output = dcd(&[
        "--executable",
        "echo",
        "--version",
        "1.2.3",
        "--tag-semver",
        "test-image",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "tag test-image test-image:1.2.3",
            "tag test-image test-image:1.2",
            "tag test-image test-image:1",
            "push test-image:1.2.3",
            "push test-image:1.2",
            "push test-image:1",
        ]),
        &deprecated("tag-semver", "version-semver"),
    );
    let output = dcd(&[
        "--executable",
        "echo",
        "--version",
        "1.2.3",
        "--tag-version",
        "4.5.6",
        "test-image",
    ]);
    assert_output(
        &output,
        0,
        &lines(&["tag test-image test-image:1.2.3", "push test-image:1.2.3"]),
        &deprecated("tag-version", "version"),
    );
    // The warnings come before the checks' usage error, in 0.3.0's order.
    let output = dcd(&["--tag-semver", "--tag-latest", "img"]);
    assert_output(
        &output,
        2,
        "",
        &format!(
            "{}{}{USAGE}dcd: error: the --version-latest option requires --version\n",
            deprecated("tag-latest", "version-latest"),
            deprecated("tag-semver", "version-semver"),
        ),
    );
}

#[test]
fn usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        // 0.3.0's TestMainFunc.
        (&["--tag", "abc"], "the following arguments are required: image"),
        (&["--version-latest", "test-image:abc"], "the --version-latest option requires --version"),
        (&["--version-latest", "--version", "", "test-image:abc"], "the --version-latest option requires --version"),
        (&["--version-semver", "test-image:abc"], "the --version-semver option requires --version"),
        (&["--version-semver", "--version", "", "test-image:abc"], "the --version-semver option requires --version"),
        (&["--semver-precision", "2", "test-image:abc"], "the --semver-precision option requires --version-semver"),
        (&["--semver-zero", "test-image:abc"], "the --semver-zero option requires --version-semver"),
        (&["--tag", "--", "test-image"], "argument -t/--tag: expected at least one argument"),
        (&["--version", "1.2.3", "--version-semver", "--semver-precision", "--", "test-image"], "argument -P/--semver-precision: expected one argument"),
        (&["--registry", "--", "test-image"], "argument -r/--registry: expected one argument"),
        (&["--executable", "--", "test-image"], "argument --executable: expected one argument"),
        // The reference's §1.3.
        (&["--tag", "alpine", "my-image:latest"], "the following arguments are required: image"),
        (&[], "the following arguments are required: image"),
        (&["--ver", "1.2.3", "img"], "ambiguous option: --ver could match --version, --version-latest, --version-semver, --verbose"),
        (&["--t", "a", "img"], "ambiguous option: --t could match --tag, --tag-version, --tag-latest, --tag-semver"),
        (&["-V", "-1.2.3", "img"], "argument -V/--version: expected one argument"),
        (&["-V", "1", "-S", "-P", "abc", "img"], "argument -P/--semver-precision: invalid int value: 'abc'"),
        (&["-V", "1", "-S", "-P", "1.5", "img"], "argument -P/--semver-precision: invalid int value: '1.5'"),
        (&["--bogus", "img"], "unrecognized arguments: --bogus"),
        (&["img", "--dry-run", "img2", "img3"], "unrecognized arguments: img2 img3"),
        (&["-vx", "img"], "argument -v/--verbose: ignored explicit argument 'x'"),
    ];
    for (args, message) in cases {
        let output = dcd(args);
        assert_output(&output, 2, "", &format!("{USAGE}dcd: error: {message}\n"));
    }
}

#[test]
fn usage_names_the_program() {
    let output = docker_ci_deploy(&["--tag", "abc"]);
    assert_output(
        &output,
        2,
        "",
        "\
usage: docker-ci-deploy [-h] [-t TAG [TAG ...]] [-V VERSION] [-L] [-S]
                        [-P PRECISION] [-Z] [-r REGISTRY] [-v] [--dry-run]
                        [--executable EXECUTABLE]
                        image [image ...]
docker-ci-deploy: error: the following arguments are required: image
",
    );
}

const HELP: &str = "\
usage: dcd [-h] [-t TAG [TAG ...]] [-V VERSION] [-L] [-S] [-P PRECISION] [-Z]
           [-r REGISTRY] [-v] [--dry-run] [--executable EXECUTABLE]
           image [image ...]

Tag and push Docker images to a registry.

positional arguments:
  image                 Tags (full image names) to push

options:
  -h, --help            show this help message and exit
  -t TAG [TAG ...], --tag TAG [TAG ...]
                        Tags to tag the image with before pushing
  -V VERSION, --version VERSION
                        Prepend the given version to all tags
  -L, --version-latest  Combine with --version to also tag the image without a
                        version so that it is considered the latest version
  -S, --version-semver  Combine with --version to also tag the image with each
                        major and minor version
  -P PRECISION, --semver-precision PRECISION
                        Combine with --version-semver to specify the minimum
                        number of parts in the generated versions (default: 1)
  -Z, --semver-zero     Combine with --version-semver to tag the image with
                        the major version '0' when that is part of the
                        version. This is not done by default.
  -r REGISTRY, --registry REGISTRY
                        Address for the registry to push to
  -v, --verbose         Verbose logging output
  --dry-run             Print but do not execute any Docker commands
  --executable EXECUTABLE
                        Path to the Docker client executable (default: docker)
";

#[test]
fn help() {
    for args in [
        &["-h"][..],
        &["--help"],
        &["--he"],
        &["img", "-vh"],
        &["-h", "--bogus"],
    ] {
        assert_output(&dcd(args), 0, HELP, "");
    }
    let output = docker_ci_deploy(&["-h"]);
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("usage: docker-ci-deploy [-h]"),
        "{output:?}"
    );
}

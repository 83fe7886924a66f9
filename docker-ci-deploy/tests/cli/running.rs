//! Real runs with fake docker executables: output streams through byte for byte as it
//! happens, the first failure stops the run, and a missing executable is one line.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use crate::support::{assert_output, dcd, dcd_env, lines, TempDir};

// 0.3.0's TestDockerCiDeployRunner cases that run `echo`.
#[test]
fn echo_verbose() {
    let output = dcd(&["-v", "--executable", "echo", "-t", "bar", "--", "foo"]);
    assert_output(
        &output,
        0,
        &lines(&[
            "Tagging \"foo\" as \"foo:bar\"...",
            "tag foo foo:bar",
            "Pushing tag \"foo:bar\"...",
            "push foo:bar",
        ]),
        "",
    );
    let output = dcd(&[
        "-v",
        "--executable",
        "echo",
        "-V",
        "1.2.3",
        "-L",
        "img:1.2.3",
    ]);
    assert_output(
        &output,
        0,
        &lines(&[
            "Not tagging \"img:1.2.3\" as itself",
            "Tagging \"img:1.2.3\" as \"img:latest\"...",
            "tag img:1.2.3 img:latest",
            "Pushing tag \"img:1.2.3\"...",
            "push img:1.2.3",
            "Pushing tag \"img:latest\"...",
            "push img:latest",
        ]),
        "",
    );
}

// 0.3.0's TestCmdFunc: stdout, stderr and non-ASCII bytes pass through unchanged.
#[test]
fn output_passes_through_byte_for_byte() {
    let dir = TempDir::new("bytes");
    let docker = dir.script(
        "docker",
        "if [ \"$1\" = tag ]; then echo 'Hello, World!'; awk 'BEGIN { print \"Hello, World!\" > \"/dev/stderr\" }'; \
         else echo 'á, é, í, ó, ú, ü, ñ, ¿, ¡'; printf 'raw \\377\\376 bytes\\r\\n' >&2; printf 'no newline'; fi\n",
    );
    let output = dcd(&["--executable", &docker, "-t", "x", "--", "img"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        output.stdout,
        "Hello, World!\ná, é, í, ó, ú, ü, ñ, ¿, ¡\nno newline".as_bytes()
    );
    assert_eq!(output.stderr, b"Hello, World!\nraw \xff\xfe bytes\r\n");
}

/// A docker command's output reaches dcd's stdout while the command still runs: the fake
/// docker prints a line, then waits until the test has read that line from dcd's stdout.
#[test]
fn output_streams_while_the_command_runs() {
    let dir = TempDir::new("stream");
    let go = dir.path().join("go");
    let docker = dir.script(
        "docker",
        &format!(
            "echo \"started $1 $2\"\nwhile [ ! -e '{}' ]; do sleep 0.01; done\necho \"finished $1\"\n",
            go.display()
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_dcd"))
        .args(["--executable", &docker, "-v", "-t", "x", "--", "img"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dcd starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("dcd's stdout is readable");
    assert_eq!(first, "Tagging \"img\" as \"img:x\"...\n");
    let mut second = String::new();
    // If dcd buffered the command's output, this read would wait for a command that waits
    // for us.
    stdout
        .read_line(&mut second)
        .expect("dcd's stdout is readable");
    assert_eq!(second, "started tag img\n");
    std::fs::write(&go, "").expect("the go file can be written");
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("dcd's stdout is readable");
    let status = child.wait().expect("dcd ends");
    assert!(status.success());
    assert_eq!(
        rest,
        lines(&[
            "finished tag",
            "Pushing tag \"img:x\"...",
            "started push img:x",
            "finished push",
        ])
    );
}

#[test]
fn first_failure_stops_the_run() {
    let dir = TempDir::new("fail");
    let docker = dir.script(
        "docker",
        "echo \"$1 $2\"\nif [ \"$2\" = img:b ]; then echo 'denied' >&2; exit 3; fi\n",
    );
    let output = dcd(&["--executable", &docker, "-t", "a", "b", "c", "--", "img"]);
    assert_output(
        &output,
        1,
        &lines(&["tag img", "tag img", "tag img", "push img:a", "push img:b"]),
        &format!("denied\nerror: command `{docker} push img:b` exited with status 3\n"),
    );
}

// 0.3.0's TestCmdFunc.test_error: the output of the failing command comes first.
#[test]
fn failing_command_output_comes_first() {
    let dir = TempDir::new("errored");
    let docker = dir.script("docker", "awk 'BEGIN { print \"errored\"; exit 1 }'\n");
    let output = dcd(&["--executable", &docker, "img:1"]);
    assert_output(
        &output,
        1,
        "errored\n",
        &format!("error: command `{docker} push img:1` exited with status 1\n"),
    );
}

#[test]
fn killed_command() {
    let dir = TempDir::new("killed");
    let docker = dir.script("docker", "kill -9 $$\n");
    let output = dcd(&["--executable", &docker, "img:1"]);
    assert_output(
        &output,
        1,
        "",
        &format!("error: command `{docker} push img:1` was killed by signal 9\n"),
    );
}

#[test]
fn missing_executable() {
    let output = dcd(&["--executable", "/nonexistent/docker", "-V", "1.2.3", "img"]);
    assert_output(
        &output,
        1,
        "",
        "error: could not run `/nonexistent/docker tag img img:1.2.3`: executable `/nonexistent/docker` was not found\n",
    );
    let output = dcd(&["--executable", "dcd-no-such-docker", "img:1"]);
    assert_output(
        &output,
        1,
        "",
        "error: could not run `dcd-no-such-docker push img:1`: executable `dcd-no-such-docker` was not found\n",
    );
}

#[test]
fn unrunnable_executable() {
    let dir = TempDir::new("unrunnable");
    let path = dir.path().join("docker");
    std::fs::write(&path, "not a program").expect("the file can be written");
    let path = path.to_str().expect("temporary paths are UTF-8");
    let output = dcd(&["--executable", path, "img:1"]);
    assert_output(
        &output,
        1,
        "",
        &format!("error: could not run `{path} push img:1`: Permission denied (os error 13)\n"),
    );
}

#[test]
fn push_is_retried_and_the_last_error_names_the_attempts() {
    let dir = TempDir::new("retry");
    let count = dir.path().join("count");
    // Fails the first two pushes, then succeeds.
    let docker = dir.script(
        "docker",
        &format!(
            "echo \"$1 $2\" >> {count}\nif [ \"$1\" = push ] && [ $(grep -c push {count}) -le 2 ]; then echo 'toomanyrequests' >&2; exit 1; fi\n",
            count = count.display()
        ),
    );
    let envs = [("DCD_RETRY_ATTEMPTS", "3"), ("DCD_RETRY_DELAY_MS", "1")];
    let output = dcd_env(&["--executable", &docker, "-t", "a", "--", "img"], &envs);
    assert_output(
        &output,
        0,
        "",
        &format!(
            "toomanyrequests\ndcd: `{docker} push img:a` exited with status 1; trying again in 0.0 s (attempt 2 of 3)\ntoomanyrequests\ndcd: `{docker} push img:a` exited with status 1; trying again in 0.0 s (attempt 3 of 3)\n"
        ),
    );
    assert_eq!(
        std::fs::read_to_string(&count).unwrap(),
        "tag img\npush img:a\npush img:a\npush img:a\n"
    );

    // Two attempts are not enough: the error names them; `docker tag` is never retried.
    std::fs::remove_file(&count).unwrap();
    let envs = [("DCD_RETRY_ATTEMPTS", "2"), ("DCD_RETRY_DELAY_MS", "1")];
    let output = dcd_env(&["--executable", &docker, "-t", "a", "--", "img"], &envs);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.ends_with(&format!(
            "error: command `{docker} push img:a` exited with status 1 (gave up after 2 attempts: no attempts left)\n"
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&count).unwrap(),
        "tag img\npush img:a\npush img:a\n"
    );

    let output = dcd_env(&["img"], &[("DCD_RETRY_ATTEMPTS", "0")]);
    assert_output(
        &output,
        1,
        "",
        "error: environment variable DCD_RETRY_ATTEMPTS=\"0\" is invalid: a whole number of attempts, 1 or more (1: no retries)\n",
    );
}

//! Exec: exit codes, separate stdout and stderr, user, environment, working directory, and the
//! `exec_ok` failure text.

use seaworthy::{Error, Exec};

use crate::{sleeper, with_helper};

#[tokio::test]
async fn exec_separates_stdout_stderr_and_exit_code() {
    with_helper(|helper| async move {
        let c = sleeper("exec");
        c.setup(&helper).await.unwrap();
        let out = c.exec(["echo", "hi"]).await.unwrap();
        assert_eq!(
            (out.exit_code, out.stdout_str(), out.stderr_str()),
            (0, "hi\n".into(), "".into())
        );
        assert!(out.success());

        let out = c
            .exec(["sh", "-c", "echo out; echo err >&2; echo more; exit 3"])
            .await
            .unwrap();
        assert_eq!(out.exit_code, 3);
        assert!(!out.success());
        assert_eq!(out.stdout, b"out\nmore\n");
        assert_eq!(out.stderr, b"err\n");

        let out = c.exec(["printf", r"a\nb\r\nc"]).await.unwrap();
        assert_eq!(out.stdout_lines(), ["a", "b", "c"]);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exec_with_user_env_and_workdir() {
    with_helper(|helper| async move {
        let c = sleeper("execwith").user("app");
        c.setup(&helper).await.unwrap();
        // The container's user is the default.
        let out = c.exec_ok(["id", "-u"]).await.unwrap();
        assert_eq!(out.stdout_str(), "1000\n");
        let out = c
            .exec_with(Exec::new(["id", "-un"]).user("nobody"))
            .await
            .unwrap();
        assert_eq!(out.stdout_str(), "nobody\n");
        let out = c
            .exec_with(Exec::new(["id", "-u"]).user("0"))
            .await
            .unwrap();
        assert_eq!(out.stdout_str(), "0\n");
        let out = c
            .exec_with(
                Exec::new(["sh", "-c", "echo $FOO-$BAR"])
                    .env("FOO", "a")
                    .env("BAR", "b c"),
            )
            .await
            .unwrap();
        assert_eq!(out.stdout_str(), "a-b c\n");
        let out = c
            .exec_with(Exec::new(["pwd"]).workdir("/etc"))
            .await
            .unwrap();
        assert_eq!(out.stdout_str(), "/etc\n");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exec_ok_failure_carries_the_command_code_and_output() {
    with_helper(|helper| async move {
        let c = sleeper("execok");
        c.setup(&helper).await.unwrap();
        let name = c.docker_name().unwrap();
        let e = c
            .exec_ok(["sh", "-c", "echo out; echo err >&2; exit 4"])
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(seaworthy::ContainerError::ExecFailed { exit_code: 4, .. })
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "command `sh -c echo out; echo err >&2; exit 4` in container `{name}` exited \
                 with code 4\nstdout:\n  | out\nstderr:\n  | err"
            )
        );
        let e = c.exec_ok(["false"]).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("command `false` in container `{name}` exited with code 1")
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exec_of_a_missing_program_fails_with_docker_s_reason() {
    with_helper(|helper| async move {
        let c = sleeper("execmissing");
        c.setup(&helper).await.unwrap();
        let out = c.exec(["no-such-program"]).await.unwrap();
        assert_eq!(out.exit_code, 126, "{out:?}");
        assert!(
            out.stdout_str().contains("executable file not found"),
            "{out:?}"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exec_needs_a_running_container() {
    with_helper(|helper| async move {
        let c = sleeper("execstopped");
        let e = c.exec(["true"]).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "container `execstopped` is not set up\n(hint: call `setup()` first, or take it as \
             a fixture parameter so the harness sets it up)"
        );
        c.create(&helper).await.unwrap();
        let name = c.docker_name().unwrap();
        let e = c.exec(["true"]).await.unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("failed to run `true` in container `{name}`: ")),
            "{msg}"
        );
        assert!(msg.contains("is not running (HTTP 409)"), "{msg}");
        c.teardown().await.unwrap();
    })
    .await;
}

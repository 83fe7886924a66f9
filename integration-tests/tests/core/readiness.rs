//! Readiness: log patterns (Python semantics), HTTP, command, HEALTHCHECK, TCP, combinations,
//! and the errors for timeouts, early exits, unhealthy containers and bad checks.

use std::time::Duration;

use seaworthy::{ContainerDefinition, ContainerStatus, Error, ReadinessErrorKind, Wait};
use serde_json::json;

use crate::{core_health_image, core_web_image, readiness, shell, sleeper, with_helper, BUSYBOX};

const HINT: &str = "(hint: raise the deadline with `.wait_timeout(..)`, or check the patterns \
                    against the log lines above)";

#[tokio::test]
async fn log_patterns_match_in_any_order_one_line_each() {
    with_helper(|helper| async move {
        let c = shell(
            "anyorder",
            "echo second; echo first; echo ready; echo ready; exec sleep 300",
        )
        .wait_for(Wait::logs(["^first$", "sec", "ready", "ready"]));
        c.setup(&helper).await.unwrap();
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn readiness_timeout_names_the_container_patterns_and_last_lines() {
    with_helper(|helper| async move {
        // One "ready" line cannot satisfy the pattern twice.
        let c = shell("notready", "echo starting; echo ready; exec sleep 300")
            .wait_for(Wait::logs(["^starting$", "ready", "ready"]))
            .wait_timeout(Duration::from_millis(1500));
        let e = readiness(c.setup(&helper).await.unwrap_err());
        let name = c.docker_name().unwrap();
        assert_eq!(e.container, name);
        assert_eq!(
            e.kind,
            ReadinessErrorKind::Timeout(Duration::from_millis(1500))
        );
        assert_eq!(
            e.waited_for,
            r#"logs matching ["^starting$", "ready", "ready"]"#
        );
        assert_eq!(e.last_lines, ["starting", "ready"]);
        assert_eq!(
            Error::Readiness(e).to_string(),
            format!(
                "container `{name}` was not ready after 1.5s: waited for logs matching \
                 [\"^starting$\", \"ready\", \"ready\"]\n\
                 log patterns matched: [Regex(\"^starting$\"), Regex(\"ready\")]; \
                 not matched: [Regex(\"ready\")]\n\
                 last 2 log line(s):\n  | starting\n  | ready\n{HINT}"
            )
        );
        // The container is left for inspection, and teardown removes it.
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn early_exit_fails_fast_with_the_exit_code() {
    with_helper(|helper| async move {
        let deadline = Duration::from_secs(60);
        let c = shell(
            "quitter",
            "echo booting; sleep 0.1; echo 'fatal: no config' >&2; exit 3",
        )
        .wait_for(Wait::logs(["never printed"]))
        .wait_timeout(deadline);
        let e = readiness(c.setup(&helper).await.unwrap_err());
        let name = c.docker_name().unwrap();
        assert_eq!(e.kind, ReadinessErrorKind::Exited { exit_code: Some(3) });
        // Not a timeout in disguise: it returned long before the deliberately huge deadline.
        assert!(e.elapsed < deadline / 2, "{:?}", e.elapsed);
        assert_eq!(e.last_lines, ["booting", "fatal: no config"]);
        let msg = Error::Readiness(e).to_string();
        assert!(
            msg.starts_with(&format!("container `{name}` exited with code 3 after ")),
            "{msg}"
        );
        assert!(
            msg.ends_with(
                " while waiting for logs matching [\"never printed\"]\n\
                 log patterns matched: []; not matched: [Regex(\"never printed\")]\n\
                 last 2 log line(s):\n  | booting\n  | fatal: no config"
            ),
            "{msg}"
        );
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Exited));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn early_exit_is_noticed_by_checks_that_do_not_read_logs() {
    with_helper(|helper| async move {
        let deadline = Duration::from_secs(60);
        let c = shell("quitter2", "sleep 0.5; exit 7")
            .wait_for(Wait::command(["false"]))
            .wait_timeout(deadline);
        let e = readiness(c.setup(&helper).await.unwrap_err());
        assert_eq!(e.kind, ReadinessErrorKind::Exited { exit_code: Some(7) });
        assert!(e.elapsed < deadline / 2, "{:?}", e.elapsed);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn invalid_regex_is_reported_as_such() {
    with_helper(|helper| async move {
        let c = sleeper("badregex").wait_for(Wait::logs(["ok", "(unclosed"]));
        let e = c.setup(&helper).await.unwrap_err();
        match &e {
            Error::InvalidRegex { pattern, .. } => assert_eq!(pattern, "(unclosed"),
            other => panic!("expected InvalidRegex, got {other:?}"),
        }
        assert!(
            e.to_string().starts_with("invalid regex `(unclosed`: "),
            "{e}"
        );
        // Caught before anything was created.
        assert!(!c.is_created());
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn command_readiness_retries_until_exit_zero() {
    with_helper(|helper| async move {
        let c = shell("cmdready", "sleep 0.5; touch /tmp/ready; exec sleep 300")
            .wait_for(Wait::command(["test", "-e", "/tmp/ready"]));
        c.setup(&helper).await.unwrap();
        c.exec_ok(["test", "-e", "/tmp/ready"]).await.unwrap();
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn command_readiness_timeout_shows_the_last_attempt() {
    with_helper(|helper| async move {
        let c = sleeper("cmdfail")
            .wait_for(Wait::command(["sh", "-c", "echo not yet; exit 2"]))
            .wait_timeout(Duration::from_millis(500));
        let e = readiness(c.setup(&helper).await.unwrap_err());
        assert_eq!(
            e.kind,
            ReadinessErrorKind::Timeout(Duration::from_millis(500))
        );
        assert_eq!(
            e.waited_for,
            "command `sh -c echo not yet; exit 2` exiting 0"
        );
        assert_eq!(
            e.detail.as_deref(),
            Some("last `sh -c echo not yet; exit 2` exited with code 2: not yet")
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn http_readiness_with_expected_status() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let c = ContainerDefinition::new("httpready", image)
            .command(["sh", "-c", "sleep 0.5; exec httpd -f -p 80 -h /www"])
            .publish(80)
            .wait_for(Wait::http("/index.html").status(200));
        c.setup(&helper).await.unwrap();
        let body = c
            .http_client()
            .unwrap()
            .get("/index.html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "hello from core-web\n");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn http_readiness_timeout_when_the_status_never_comes() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let c = ContainerDefinition::new("http404", image)
            .publish(80)
            .wait_for(Wait::http("/missing").status(200))
            .wait_timeout(Duration::from_secs(1));
        let e = readiness(c.setup(&helper).await.unwrap_err());
        assert_eq!(e.kind, ReadinessErrorKind::Timeout(Duration::from_secs(1)));
        assert_eq!(e.waited_for, "HTTP GET `/missing` answering 200");
        let port = c.host_port(80).await.unwrap();
        assert_eq!(
            e.detail.as_deref(),
            Some(format!("last attempt on `http://127.0.0.1:{port}/missing`: status 404").as_str())
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn http_readiness_on_a_named_port() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let c = ContainerDefinition::new("httpport", image)
            .command(["httpd", "-f", "-p", "8080", "-h", "/www"])
            .publish(80)
            .publish(8080)
            .wait_for(Wait::http("/").port(8080).status(200));
        c.setup(&helper).await.unwrap();
        assert_eq!(
            Wait::http("/").port(8080).status(200).to_string(),
            "HTTP GET `/` on port 8080 answering 200"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn tcp_readiness_waits_for_the_server_not_the_proxy() {
    with_helper(|helper| async move {
        // Docker's proxy accepts on the host port at once; the server only after a while.
        let c = shell("tcpready", "sleep 1; exec nc -ll -p 7000 -e cat")
            .publish(7000)
            .wait_for(Wait::tcp(7000));
        c.setup(&helper).await.unwrap();
        let port = c.host_port(7000).await.unwrap();
        // The echo server answers.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        s.write_all(b"ping\n").await.unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping\n");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn tcp_readiness_on_an_unpublished_port_fails_with_the_reason() {
    with_helper(|helper| async move {
        let c = sleeper("tcpunpub").wait_for(Wait::tcp(7000));
        let e = readiness(c.setup(&helper).await.unwrap_err());
        let name = c.docker_name().unwrap();
        assert_eq!(
            e.kind,
            ReadinessErrorKind::Failed(format!(
                "port `7000/tcp` of container `{name}` is not exposed\n\
                 (hint: add `.publish(7000)` to the definition)"
            ))
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn healthcheck_from_create_options_healthy() {
    with_helper(|helper| async move {
        let c = shell("healthy", "sleep 0.5; touch /tmp/healthy; exec sleep 300")
            .create_options(json!({"Healthcheck": {
                "Test": ["CMD", "test", "-e", "/tmp/healthy"],
                "Interval": 100_000_000,
                "Retries": 30,
            }}))
            .wait_for(Wait::healthy());
        c.setup(&helper).await.unwrap();
        let health = c.inspect().await.unwrap().state.unwrap().health.unwrap();
        assert_eq!(health.status.unwrap().to_string(), "healthy");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn healthcheck_from_create_options_unhealthy_fails_before_the_deadline() {
    with_helper(|helper| async move {
        let deadline = Duration::from_secs(60);
        let c = sleeper("unhealthy")
            .create_options(json!({"Healthcheck": {
                "Test": ["CMD-SHELL", "echo checking; exit 1"],
                "Interval": 100_000_000,
                "Retries": 1,
            }}))
            .wait_for(Wait::healthy())
            .wait_timeout(deadline);
        let e = readiness(c.setup(&helper).await.unwrap_err());
        let name = c.docker_name().unwrap();
        assert_eq!(e.kind, ReadinessErrorKind::Unhealthy);
        assert!(e.elapsed < deadline / 2, "{:?}", e.elapsed);
        assert_eq!(
            e.detail.as_deref(),
            Some("health `unhealthy`; last check exited 1: checking")
        );
        let msg = Error::Readiness(e).to_string();
        assert!(
            msg.starts_with(&format!("container `{name}` became unhealthy after ")),
            "{msg}"
        );
        assert!(
            msg.contains(" while waiting for HEALTHCHECK status `healthy`\n"),
            "{msg}"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn healthcheck_from_the_dockerfile() {
    with_helper(|helper| async move {
        let image = core_health_image(&helper).await;
        let ok = ContainerDefinition::new("dfhealthy", image)
            .command(["sh", "-c", "touch /tmp/healthy; exec sleep 300"])
            .wait_for(Wait::healthy());
        let bad = ContainerDefinition::new("dfunhealthy", image)
            .wait_for(Wait::healthy())
            .wait_timeout(Duration::from_secs(60));
        let (r_ok, r_bad) = tokio::join!(ok.setup(&helper), bad.setup(&helper));
        r_ok.unwrap();
        let e = readiness(r_bad.unwrap_err());
        assert_eq!(e.kind, ReadinessErrorKind::Unhealthy);
        ok.teardown().await.unwrap();
        bad.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn healthy_without_a_healthcheck_is_an_error() {
    with_helper(|helper| async move {
        let c = sleeper("nohealth").wait_for(Wait::healthy());
        let e = readiness(c.setup(&helper).await.unwrap_err());
        let name = c.docker_name().unwrap();
        assert_eq!(
            e.kind,
            ReadinessErrorKind::Failed(format!(
                "image of container `{name}` has no HEALTHCHECK\n\
                 (hint: wait for logs, HTTP or a command instead)"
            ))
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn all_checks_must_pass() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let wait = Wait::all([
            Wait::logs(["^starting$"]),
            Wait::command(["test", "-e", "/www/index.html"]),
            Wait::tcp(80),
        ])
        .and(Wait::http("/").status(200));
        assert_eq!(
            wait.to_string(),
            "logs matching [\"^starting$\"] and command `test -e /www/index.html` exiting 0 \
             and TCP port 80 accepting connections and HTTP GET `/` answering 200"
        );
        let c = ContainerDefinition::new("allready", image)
            .command([
                "sh",
                "-c",
                "echo starting; sleep 0.3; exec httpd -f -p 80 -h /www",
            ])
            .publish(80)
            .wait_for(wait);
        c.setup(&helper).await.unwrap();
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn all_checks_timeout_lists_each_checks_progress() {
    with_helper(|helper| async move {
        let c = ContainerDefinition::new("allfail", BUSYBOX)
            .command(["sh", "-c", "echo up; exec sleep 300"])
            .wait_for(Wait::logs(["^up$"]).and(Wait::command(["false"])))
            .wait_timeout(Duration::from_millis(700));
        let e = readiness(c.setup(&helper).await.unwrap_err());
        assert_eq!(
            e.waited_for,
            "logs matching [\"^up$\"] and command `false` exiting 0"
        );
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "log patterns matched: [Regex(\"^up$\")]; not matched: []\n\
                 last `false` exited with code 1"
            )
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_log_wait_on_one_stream_ignores_the_other() {
    with_helper(|helper| async move {
        let on_stderr = shell("errready", "echo ready >&2; exec sleep 300")
            .wait_for(Wait::logs_on(seaworthy::StreamKind::Stderr, ["^ready$"]));
        on_stderr.setup(&helper).await.unwrap();
        assert_eq!(
            on_stderr.status().await.unwrap(),
            Some(ContainerStatus::Running)
        );
        on_stderr.teardown().await.unwrap();

        // "ready" on stdout only: a wait on stderr never sees it.
        let on_stdout = shell("outready", "echo ready; echo other >&2; exec sleep 300")
            .wait_for(Wait::logs_on(seaworthy::StreamKind::Stderr, ["^ready$"]))
            .wait_timeout(Duration::from_millis(1500));
        let e = readiness(on_stdout.setup(&helper).await.unwrap_err());
        assert_eq!(
            e.kind,
            ReadinessErrorKind::Timeout(Duration::from_millis(1500))
        );
        assert_eq!(e.waited_for, r#"stderr logs matching ["^ready$"]"#);
        on_stdout.teardown().await.unwrap();
    })
    .await;
}

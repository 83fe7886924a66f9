//! The HTTP client against a real server (reference §2.3, Docker parts; busybox httpd with a
//! CGI script that echoes the request instead of jmalloc/echo-server).

use std::time::Duration;

use reqwest::StatusCode;
use seaworthy::{ContainerDefinition, DockerHelper, Wait};

use crate::{core_web_image, with_helper};

async fn echo_server(helper: &DockerHelper, name: &str) -> ContainerDefinition {
    let image = core_web_image(helper).await;
    ContainerDefinition::new(name, image)
        .command(["httpd", "-f", "-p", "8080", "-h", "/www"])
        .wait_for(Wait::http("/index.html").port(8080).status(200))
}

#[tokio::test]
async fn http_client_uses_the_first_published_port() {
    with_helper(|helper| async move {
        let c = echo_server(&helper, "echo1").await.publish(8080);
        c.setup(&helper).await.unwrap();
        let port = c.first_host_port().await.unwrap();
        let client = c.http_client().unwrap();
        assert_eq!(
            client.base_url().as_str(),
            format!("http://127.0.0.1:{port}/")
        );
        let resp = client.get("/cgi-bin/echo?foo=bar").send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.text().await.unwrap(),
            format!("GET /cgi-bin/echo?foo=bar\nHost: 127.0.0.1:{port}\n")
        );
        // Relative and absolute paths give the same URL.
        let resp = client.get("cgi-bin/echo").send().await.unwrap();
        assert!(resp
            .text()
            .await
            .unwrap()
            .starts_with("GET /cgi-bin/echo\n"));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn http_client_on_a_specific_port() {
    with_helper(|helper| async move {
        let c = echo_server(&helper, "echo2")
            .await
            .publish(8080)
            .publish_udp(5353);
        c.setup(&helper).await.unwrap();
        let port = c.host_port(8080).await.unwrap();
        let client = c.http_client_on(8080).await.unwrap();
        let body = client
            .post("/cgi-bin/echo")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            body,
            format!("POST /cgi-bin/echo\nHost: 127.0.0.1:{port}\n")
        );
        let e = c.http_client_on(5353).await.unwrap_err();
        assert!(
            matches!(
                e,
                seaworthy::Error::Container(seaworthy::ContainerError::PortNotExposed {
                    port: 5353,
                    ..
                })
            ),
            "{e:?}"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn wait_for_response_against_a_real_server() {
    with_helper(|helper| async move {
        let c = echo_server(&helper, "echo3").await.publish(8080);
        c.setup(&helper).await.unwrap();
        let client = c.http_client().unwrap();
        let resp = client
            .wait_for_response(Duration::from_secs(10), "/", Some(StatusCode::OK))
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "hello from core-web\n");
        let resp = client
            .wait_for_response(Duration::from_secs(10), "/missing", None)
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        let e = client
            .wait_for_response(Duration::from_millis(300), "/missing", Some(StatusCode::OK))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "timed out after 0.3s waiting for `{}missing` to answer with status 200 \
                 (last: status 404)",
                client.base_url()
            )
        );
        assert!(e.attempts() >= 1);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn http_client_needs_a_started_container() {
    with_helper(|helper| async move {
        let c = echo_server(&helper, "echo4").await.publish(8080);
        c.create(&helper).await.unwrap();
        let name = c.docker_name().unwrap();
        let e = c.http_client().unwrap_err();
        assert!(
            matches!(&e, seaworthy::Error::Container(seaworthy::ContainerError::ContainerNotRunning { container }) if *container == name),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "container `{name}` is not running, so it has no published ports\n\
                 (hint: start it first: `setup()` or `start()`)"
            )
        );
        c.teardown().await.unwrap();
    })
    .await;
}

//! Retries, through a fault-injecting proxy in front of the real registry: `429` with
//! `Retry-After`, `5xx`, dropped connections; only calls that are safe to repeat are
//! repeated, and the final error names the registry, the status and the attempts. The tests
//! count attempts (the proxy's log), never time: waits are 1 ms (`DCD_RETRY_DELAY_MS`).

use std::path::Path;

use seaworthy_registry::test_support::{
    image, push_image, push_with_client, resolve, Fault, FaultProxy, TempDir,
};

use crate::support::{
    assert_output, auths_config, dcd, path_without_docker, plain_setup, runtime, secured_setup,
    Secured,
};

fn too_many(retry_after: &str) -> Fault {
    Fault::Status(429, Some(retry_after.to_owned()))
}

#[test]
fn faults_are_retried_and_the_last_error_names_the_attempts() {
    let Some((registry, _scratch, path)) = plain_setup("faults") else {
        return;
    };
    let port = registry.port;
    let digest = push_image(port, "app", "src", &image("faults", "amd64"));
    let proxy = FaultProxy::start(port);
    let address = proxy.address();
    let run = |args: &[&str], attempts: &str| {
        let mut all = vec!["--in-registry"];
        all.extend_from_slice(args);
        dcd(&all, &path, &[("DCD_RETRY_ATTEMPTS", Path::new(attempts))])
    };
    let source = format!("{address}/app:src");

    // Rate limited twice (Retry-After: 0), a 500 on the write, a dropped connection on the
    // overwrite check: every call goes through in the end.
    proxy.on(Some("GET"), "/manifests/src", 0, 2, too_many("0"));
    proxy.on(
        Some("PUT"),
        "/manifests/1.0.0",
        0,
        1,
        Fault::Status(500, None),
    );
    proxy.on(Some("GET"), "/manifests/1.0.0", 0, 1, Fault::Drop);
    let output = run(&["-V", "1.0.0", "-t", "latest", "--", &source], "5");
    assert_output(&output, 0, &format!("{address}/app:1.0.0 {digest}\n"), "");
    assert_eq!(proxy.count("GET", "/v2/app/manifests/src"), 3);
    assert_eq!(proxy.count("GET", "/v2/app/manifests/1.0.0"), 2);
    assert_eq!(proxy.count("PUT", "/v2/app/manifests/1.0.0"), 2);
    assert_eq!(
        resolve(port, "app", "1.0.0").as_deref(),
        Some(digest.as_str())
    );

    // A registry that keeps failing: the attempts run out, and the error says so.
    proxy.on(
        Some("GET"),
        "/manifests/src",
        0,
        3,
        Fault::Status(503, None),
    );
    let output = run(&["-t", "x", "--", &source], "3");
    assert_output(
        &output,
        1,
        "",
        &format!("error: registry {address} answered 503 Service Unavailable to GET manifest {source}: TOOMANYREQUESTS (injected by the fault proxy) (registry {address}: gave up after 3 attempts: no attempts left)\n"),
    );
    assert_eq!(proxy.count("GET", "/v2/app/manifests/src"), 6);

    // A Retry-After beyond the time left is not waited for.
    proxy.on(Some("GET"), "/manifests/src", 0, 1, too_many("3600"));
    let output = run(&["-t", "x", "--", &source], "5");
    assert_output(
        &output,
        1,
        "",
        &format!("error: registry {address} answered 429 Too Many Requests to GET manifest {source}: TOOMANYREQUESTS (injected by the fault proxy) (registry {address}: gave up after 1 attempt: the next wait of 3600 s would end after the retry budget of 120 s)\n"),
    );
    assert_eq!(proxy.count("GET", "/v2/app/manifests/src"), 7);

    // A 500 on a mount is not repeated (the registry may have acted on it), a 429 is (the
    // registry did nothing).
    proxy.on(
        Some("POST"),
        "/v2/copy1/app/blobs/uploads/",
        0,
        1,
        Fault::Status(500, None),
    );
    let output = run(
        &["-t", "a", "-r", &format!("{address}/copy1"), "--", &source],
        "5",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: registry {address} answered 500 Internal Server Error to mount blob "
        )),
        "{stderr}"
    );
    assert_eq!(proxy.count("POST", "/v2/copy1/app/blobs/uploads/"), 1);
    // Two blobs (config and layer), the first mount refused twice.
    proxy.on(
        Some("POST"),
        "/v2/copy2/app/blobs/uploads/",
        0,
        2,
        too_many("0"),
    );
    let output = run(
        &["-t", "a", "-r", &format!("{address}/copy2"), "--", &source],
        "5",
    );
    assert_output(&output, 0, &format!("{address}/copy2/app:a {digest}\n"), "");
    assert_eq!(proxy.count("POST", "/v2/copy2/app/blobs/uploads/"), 4);

    // A failure while writing lists the tags already created; a 400 is not retried.
    proxy.on(
        Some("PUT"),
        "/manifests/two",
        0,
        1,
        Fault::Status(400, None),
    );
    let output = run(&["-t", "one", "two", "--", &source], "5");
    assert_output(
        &output,
        1,
        &format!("{address}/app:one {digest}\n"),
        &format!("error: registry {address} rejected the application/vnd.oci.image.manifest.v1+json manifest for {address}/app:two: TOOMANYREQUESTS (injected by the fault proxy) (tags already created: {address}/app:one)\n"),
    );
    assert_eq!(proxy.count("PUT", "/v2/app/manifests/two"), 1);
}

#[test]
fn over_tls_with_basic_auth_cut_connections_are_retried() {
    let (user, password) = ("dcd-user", "s3cret-Pa55word");
    let dir = TempDir::new("faults-tls");
    let Some(Secured {
        registry,
        address,
        certs_dir,
        config,
    }) = secured_setup(&dir, user, password)
    else {
        return;
    };
    let runtime = runtime();
    let source =
        seaworthy_registry::Reference::parse(&format!("{address}/app:src")).expect("a reference");
    let digest = runtime.block_on(push_with_client(
        &source,
        &image("tls-faults", "amd64"),
        &certs_dir,
        &config,
    ));
    // The proxy cuts the first two connections (dcd's https attempt and its plain-HTTP
    // fallback), then relays the TLS bytes unread.
    let ca = std::fs::read(certs_dir.join(&address).join("ca.crt")).expect("the CA");
    let bin = path_without_docker(&dir);
    let through = |proxy: &FaultProxy, attempts: &str| {
        let via = proxy.address();
        dir.write(&format!("certs.d/{via}/ca.crt"), &ca);
        let config = auths_config(&dir, &format!("via-{}", proxy.port), &via, user, password);
        let source = format!("{via}/app:src");
        let envs: [(&str, &Path); 3] = [
            ("DCD_CERTS_DIR", &certs_dir),
            ("DOCKER_CONFIG", &config),
            ("DCD_RETRY_ATTEMPTS", Path::new(attempts)),
        ];
        dcd(
            &["--in-registry", "-t", "relayed", "--", &source],
            &bin,
            &envs,
        )
    };
    let proxy = FaultProxy::start_relay(registry.port, 2);
    let via = proxy.address();
    let output = through(&proxy, "5");
    assert_output(&output, 0, &format!("{via}/app:relayed {digest}\n"), "");
    let log = proxy.log();
    assert_eq!(
        log.iter().filter(|line| line.ends_with("dropped")).count(),
        2,
        "{log:?}"
    );
    assert!(log.iter().any(|line| line.ends_with("relayed")), "{log:?}");

    // Without retries the same cuts end the run.
    let again = FaultProxy::start_relay(registry.port, 2);
    let via = again.address();
    let output = through(&again, "1");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot reach registry {via}: ")),
        "{stderr}"
    );
}

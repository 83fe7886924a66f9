//! 0.3.0's tags, created in the registry.

use std::net::TcpListener;

use seaworthy_registry::test_support::{
    base64, credential_helper, http, image, push_image, push_manifest, push_with_client, resolve,
    sha256, tags, Image, Registry, TempDir, OCI_INDEX, OCI_MANIFEST,
};

use crate::support::{
    assert_output, auths_config, dcd, path_without_docker, plain_setup, runtime, secured_setup,
    Secured,
};

#[test]
fn single_platform_image_is_tagged_in_the_registry() {
    let Some((registry, _scratch, path)) = plain_setup("single") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let image = image("single", "amd64");
    let digest = push_image(port, "app", "sha-abc123", &image);

    let output = dcd(
        &[
            "--in-registry",
            "-V",
            "1.2.3",
            "-S",
            "-L",
            "-t",
            "latest",
            "--",
            &format!("{address}/app:sha-abc123"),
        ],
        &path,
        &[],
    );
    let expected: String = ["1.2.3", "1.2", "1", "latest"]
        .iter()
        .map(|tag| format!("{address}/app:{tag} {digest}\n"))
        .collect();
    assert_output(&output, 0, &expected, "");
    assert_eq!(
        tags(port, "app"),
        ["1", "1.2", "1.2.3", "latest", "sha-abc123"]
    );
    for tag in ["1", "1.2", "1.2.3", "latest"] {
        assert_eq!(
            resolve(port, "app", tag).as_deref(),
            Some(digest.as_str()),
            "{tag}"
        );
    }

    // A source pinned by digest.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "pinned",
            "--",
            &format!("{address}/app@{digest}"),
        ],
        &path,
        &[],
    );
    assert_output(&output, 0, &format!("{address}/app:pinned {digest}\n"), "");
    assert_eq!(
        resolve(port, "app", "pinned").as_deref(),
        Some(digest.as_str())
    );
}

#[test]
fn multi_platform_index_keeps_its_digest_here_and_on_another_registry() {
    let Some((registry, _scratch, path)) = plain_setup("multi") else {
        return;
    };
    let Some(mirror) = Registry::start(None) else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let amd64 = image("amd64", "amd64");
    let arm64 = image("arm64", "arm64");
    let amd64_digest = push_image(port, "multi", &sha256(&amd64.manifest), &amd64);
    let arm64_digest = push_image(port, "multi", &sha256(&arm64.manifest), &arm64);
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{amd64_digest}","size":{},"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"{OCI_MANIFEST}","digest":"{arm64_digest}","size":{},"platform":{{"architecture":"arm64","os":"linux"}}}}]}}"#,
        amd64.manifest.len(),
        arm64.manifest.len()
    );
    let index_digest = push_manifest(port, "multi", "sha-1", OCI_INDEX, index.as_bytes());

    let output = dcd(
        &[
            "--in-registry",
            "-V",
            "2.0",
            "-L",
            "--",
            &format!("{address}/multi:sha-1"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        &format!(
            "{address}/multi:2.0-sha-1 {index_digest}\n{address}/multi:sha-1 {index_digest}\n"
        ),
        "",
    );
    assert_eq!(
        resolve(port, "multi", "2.0-sha-1").as_deref(),
        Some(index_digest.as_str())
    );

    // To a second registry: child manifests and every blob are copied.
    let output = dcd(
        &[
            "--in-registry",
            "-v",
            "-t",
            "1",
            "2",
            "-r",
            &mirror.address(),
            "--",
            &format!("{address}/multi:sha-1"),
        ],
        &path,
        &[],
    );
    let to = format!("{}/multi", mirror.address());
    let copied = |image: &Image, digest: &str| {
        format!(
            "Copied blob {} ({} bytes) into {to}\nCopied blob {} ({} bytes) into {to}\nCopied manifest {digest} into {to}\n",
            image.config.0,
            image.config.1.len(),
            image.layers[0].0,
            image.layers[0].1.len()
        )
    };
    assert_output(
        &output,
        0,
        &format!(
            "GET manifest {address}/multi:sha-1\nCOPY blobs of {address}/multi:sha-1 into {to}\n{}{}PUT manifest {to}:1\n{to}:1 {index_digest}\nPUT manifest {to}:2\n{to}:2 {index_digest}\n",
            copied(&amd64, &amd64_digest),
            copied(&arm64, &arm64_digest)
        ),
        "",
    );
    for tag in ["1", "2"] {
        assert_eq!(
            resolve(mirror.port, "multi", tag).as_deref(),
            Some(index_digest.as_str())
        );
    }
    assert_eq!(
        resolve(mirror.port, "multi", &arm64_digest).as_deref(),
        Some(arm64_digest.as_str())
    );
    let layer = http(
        mirror.port,
        "GET",
        &format!("/v2/multi/blobs/{}", arm64.layers[0].0),
        &[],
        b"",
    );
    assert_eq!(
        (layer.status, sha256(&layer.body)),
        (200, arm64.layers[0].0.clone())
    );
}

#[test]
fn another_repository_on_the_same_registry_mounts_the_blobs() {
    let Some((registry, _scratch, path)) = plain_setup("mount") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let image = image("mount", "amd64");
    let digest = push_image(port, "app", "src", &image);

    let output = dcd(
        &[
            "--in-registry",
            "-v",
            "-t",
            "1.0",
            "-r",
            &format!("{address}/mirror"),
            "--",
            &format!("{address}/app:src"),
        ],
        &path,
        &[],
    );
    let to = format!("{address}/mirror/app");
    assert_output(
        &output,
        0,
        &format!(
            "GET manifest {address}/app:src\nMOUNT blobs of {address}/app:src into {to} (copying any the registry does not mount)\nMounted blob {} into {to}\nMounted blob {} into {to}\nPUT manifest {to}:1.0\n{to}:1.0 {digest}\n",
            image.config.0, image.layers[0].0
        ),
        "",
    );
    assert_eq!(
        resolve(port, "mirror/app", "1.0").as_deref(),
        Some(digest.as_str())
    );
    let layer = http(
        port,
        "HEAD",
        &format!("/v2/mirror/app/blobs/{}", image.layers[0].0),
        &[],
        b"",
    );
    assert_eq!(layer.status, 200);
}

#[test]
fn unknown_source_and_unreachable_registry() {
    let Some((registry, _scratch, path)) = plain_setup("unknown") else {
        return;
    };
    let address = registry.address();
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("{address}/nope:missing"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        1,
        "",
        &format!("error: {address}/nope:missing was not found in registry {address}\n"),
    );

    // Every source is read before anything is written: an unknown one among several stops
    // the run with nothing created (a failure while writing lists the tags already created:
    // `faults_are_retried_and_the_last_error_names_the_attempts`).
    let image = image("half", "amd64");
    let digest = push_image(registry.port, "app", "src", &image);
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("{address}/app:src"),
            &format!("{address}/nope:missing"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        1,
        "",
        &format!("error: {address}/nope:missing was not found in registry {address}\n"),
    );
    assert_eq!(tags(registry.port, "app"), ["src"]);
    assert_eq!(resolve(registry.port, "app", "src"), Some(digest));

    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("its address")
        .port();
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("127.0.0.1:{closed}/app:1"),
        ],
        &path,
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: cannot reach registry 127.0.0.1:{closed}: "
        )) && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_the_registry_operations() {
    let scratch = TempDir::new("dry");
    let path = path_without_docker(&scratch);
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-V",
            "1.2.3",
            "-S",
            "-L",
            "-t",
            "latest",
            "--",
            "reg.io/app:sha-abc",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        "GET manifest reg.io/app:sha-abc\nPUT manifest reg.io/app:1.2.3\nPUT manifest reg.io/app:1.2\nPUT manifest reg.io/app:1\nPUT manifest reg.io/app:latest\n",
        "",
    );
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-v",
            "-V",
            "2",
            "-L",
            "-r",
            "mirror.io:5000",
            "reg.io/app:sha-abc",
            "reg.io/app:x",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        // 0.3.0's --registry rule: `reg.io` is a valid path component, so it is kept.
        "GET manifest reg.io/app:sha-abc\nCOPY blobs of reg.io/app:sha-abc into mirror.io:5000/reg.io/app\nPUT manifest mirror.io:5000/reg.io/app:2-sha-abc\nPUT manifest mirror.io:5000/reg.io/app:sha-abc\nGET manifest reg.io/app:x\nCOPY blobs of reg.io/app:x into mirror.io:5000/reg.io/app\nPUT manifest mirror.io:5000/reg.io/app:2-x\nPUT manifest mirror.io:5000/reg.io/app:x\n",
        "",
    );
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-v",
            "-V",
            "1",
            "-L",
            "-r",
            "reg.io:5000/team",
            "reg.io:5000/app:1",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        "GET manifest reg.io:5000/app:1\nMOUNT blobs of reg.io:5000/app:1 into reg.io:5000/team/app (copying any the registry does not mount)\nPUT manifest reg.io:5000/team/app:1\nPUT manifest reg.io:5000/team/app:latest\n",
        "",
    );
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-v",
            "-V",
            "1",
            "-L",
            "reg.io/app:1",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        "GET manifest reg.io/app:1\nNot tagging \"reg.io/app:1\" as itself\nPUT manifest reg.io/app:latest\n",
        "",
    );
}

#[test]
fn basic_auth_over_tls_with_docker_config_and_credential_helper() {
    let (user, password) = ("dcd-user", "s3cret-Pa55word");
    let dir = TempDir::new("tls");
    let Some(Secured {
        registry: _registry,
        address,
        certs_dir,
        config: good_config,
    }) = secured_setup(&dir, user, password)
    else {
        return;
    };

    // Push the source image with the library (it is the only TLS client the test has).
    let image = image("tls", "amd64");
    let source =
        seaworthy_registry::Reference::parse(&format!("{address}/app:src")).expect("a reference");
    let runtime = runtime();
    let digest = runtime.block_on(push_with_client(&source, &image, &certs_dir, &good_config));

    let bin = path_without_docker(&dir);
    let certs = ("DCD_CERTS_DIR", certs_dir.as_path());
    let mut outputs = Vec::new();
    // Credentials from auths.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "from-auths",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs, ("DOCKER_CONFIG", &dir.path().join("good"))],
    );
    assert_output(
        &output,
        0,
        &format!("{address}/app:from-auths {digest}\n"),
        "",
    );
    outputs.push(output.clone());

    // Credentials from a credHelpers entry: a helper script on PATH.
    credential_helper(&bin, "dcdtest", &address, user, password);
    dir.write(
        "helper/config.json",
        format!(r#"{{"credHelpers":{{"{address}":"dcdtest"}}}}"#).as_bytes(),
    );
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "from-helper",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs, ("DOCKER_CONFIG", &dir.path().join("helper"))],
    );
    assert_output(
        &output,
        0,
        &format!("{address}/app:from-helper {digest}\n"),
        "",
    );
    outputs.push(output.clone());

    // Wrong credentials: the unauthorized error, and the password is printed nowhere.
    let wrong = "wr0ng-Pa55word";
    auths_config(&dir, "wrong", &address, user, wrong);
    let output = dcd(
        &[
            "--in-registry",
            "-v",
            "-t",
            "denied",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs, ("DOCKER_CONFIG", &dir.path().join("wrong"))],
    );
    assert_output(
        &output,
        1,
        &format!("GET manifest {address}/app:src\n"),
        &format!("error: registry {address} refused the credentials for pull access to app: run `docker login {address}`\n"),
    );
    outputs.push(output.clone());
    // No credentials at all.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "anon",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs],
    );
    assert_output(
        &output,
        1,
        "",
        &format!("error: registry {address} requires credentials for pull access to app: run `docker login {address}`\n"),
    );
    outputs.push(output.clone());
    // Without the CA, TLS fails and the message says so on one line.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[
            ("DOCKER_CONFIG", &dir.path().join("good")),
            ("DCD_CERTS_DIR", &dir.path().join("none")),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(1)
            && stderr.starts_with(&format!("error: cannot reach registry {address}: "))
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    outputs.push(output);
    for secret in [
        password,
        wrong,
        &base64(&format!("{user}:{password}")),
        &base64(&format!("{user}:{wrong}")),
    ] {
        for output in &outputs {
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!all.contains(secret), "a secret was printed: {all}");
        }
    }
}

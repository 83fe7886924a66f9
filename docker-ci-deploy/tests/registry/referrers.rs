//! `--with-referrers`: signatures, SBOMs and attestations travel with the image. Referrers are
//! made through the Registry API (an OCI manifest with a `subject`), no cosign.
//!
//! Debian's `docker-registry` (distribution 2.8) has no OCI referrers API: against it, the
//! `sha256-<hex>` tag schema is what is exercised. The API path is tested through the fault
//! proxy answering `GET /v2/app/referrers/<digest>` in front of the real registry.

use std::path::Path;

use seaworthy_registry::test_support::{
    http, image, push_blob, push_image, push_manifest, push_with_client, resolve, sha256, Fault,
    FaultProxy, Registry, TempDir, OCI_INDEX, OCI_MANIFEST,
};
use seaworthy_registry::{Client, ClientOptions, DockerConfig, Manifest, Reference};

use crate::release::assert_valid_metadata;
use crate::support::{
    assert_output, dcd, path_without_docker, plain_setup, runtime, secured_setup, Secured,
};

const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
const SBOM_TYPE: &str = "application/spdx+json";
const SIGNATURE_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// A manifest and the blobs it needs.
struct Artifact {
    blobs: Vec<Vec<u8>>,
    manifest: Vec<u8>,
}

impl Artifact {
    fn digest(&self) -> String {
        sha256(&self.manifest)
    }

    /// Its descriptor, as a referrers index lists it.
    fn descriptor(&self, artifact_type: &str) -> String {
        format!(
            r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":{},"artifactType":"{artifact_type}"}}"#,
            self.digest(),
            self.manifest.len()
        )
    }
}

/// An OCI artifact with one layer of `content`, referring to `subject` when given.
fn artifact(artifact_type: &str, content: &str, subject: Option<(&str, usize)>) -> Artifact {
    let empty = b"{}".to_vec();
    let layer = content.as_bytes().to_vec();
    let subject = subject
        .map(|(digest, size)| {
            format!(
                r#","subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":{size}}}"#
            )
        })
        .unwrap_or_default();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"{artifact_type}","config":{{"mediaType":"{EMPTY_TYPE}","digest":"{}","size":2}},"layers":[{{"mediaType":"{artifact_type}","digest":"{}","size":{}}}]{subject}}}"#,
        sha256(&empty),
        sha256(&layer),
        layer.len()
    )
    .into_bytes();
    Artifact {
        blobs: vec![empty, layer],
        manifest,
    }
}

/// An index listing `descriptors`, as the tag schema keeps it.
fn index(descriptors: &[String]) -> Vec<u8> {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
        descriptors.join(",")
    )
    .into_bytes()
}

/// Pushes `artifact` to a plain registry, under `tag` or else its digest.
fn push_artifact(port: u16, repo: &str, artifact: &Artifact, tag: Option<&str>) -> String {
    for blob in &artifact.blobs {
        push_blob(port, repo, blob);
    }
    let reference = tag.map_or_else(|| artifact.digest(), str::to_owned);
    push_manifest(port, repo, &reference, OCI_MANIFEST, &artifact.manifest)
}

/// An image pushed as `app:src` and an SBOM referring to it, pushed by digest: (image digest,
/// SBOM, SBOM digest).
fn image_with_sbom(port: u16, label: &str) -> (String, Artifact, String) {
    let image = image(label, "amd64");
    let digest = push_image(port, "app", "src", &image);
    let content = format!("{{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"{label}\"}}");
    let sbom = artifact(SBOM_TYPE, &content, Some((&digest, image.manifest.len())));
    let sbom_digest = push_artifact(port, "app", &sbom, None);
    (digest, sbom, sbom_digest)
}

/// `sha256:abc` → `sha256-abc`.
fn schema_tag(digest: &str) -> String {
    digest.replacen(':', "-", 1)
}

/// The source image on a plain registry with an SBOM referrer listed by the tag schema, and a
/// cosign signature tag: (image digest, SBOM digest, index digest, signature digest).
fn signed_source(port: u16) -> (String, String, String, String) {
    let (digest, sbom, sbom_digest) = image_with_sbom(port, "signed");
    let index_digest = push_manifest(
        port,
        "app",
        &schema_tag(&digest),
        OCI_INDEX,
        &index(&[sbom.descriptor(SBOM_TYPE)]),
    );
    let signature = artifact(SIGNATURE_TYPE, "{\"critical\":{}}", None);
    let signature_digest = push_artifact(
        port,
        "app",
        &signature,
        Some(&format!("{}.sig", schema_tag(&digest))),
    );
    (digest, sbom_digest, index_digest, signature_digest)
}

#[test]
fn tag_schema_referrers_and_cosign_tags_are_copied_to_another_registry() {
    let Some((registry, scratch, path)) = plain_setup("referrers") else {
        return;
    };
    let Some(mirror) = Registry::start(None) else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let (digest, sbom, index_digest, signature) = signed_source(port);
    let to = format!("{}/app", mirror.address());
    let sig_tag = format!("{}.sig", schema_tag(&digest));

    // The dry run shows what it found, and writes nothing.
    let output = dcd(
        &[
            "--in-registry",
            "--with-referrers",
            "--dry-run",
            "-t",
            "1.0",
            "-r",
            &mirror.address(),
            "--",
            &format!("{address}/app:src"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        &format!(
            "GET manifest {address}/app:src\nCOPY blobs of {address}/app:src into {to}\nPUT manifest {to}:1.0\nFound 1 referrer(s) of {address}/app:src through the tag schema, and 1 cosign tag(s)\nCOPY referrer {sbom} ({SBOM_TYPE}) into {to}\nCOPY tag {sig_tag} into {to}\n"
        ),
        "",
    );
    assert_eq!(resolve(mirror.port, "app", "1.0"), None);
    assert_eq!(resolve(mirror.port, "app", &sbom), None);

    let metadata = scratch.path().join("metadata.json");
    let output = dcd(
        &[
            "--in-registry",
            "--with-referrers",
            "-t",
            "1.0",
            "-r",
            &mirror.address(),
            "--metadata-file",
            metadata.to_str().expect("UTF-8"),
            "--",
            &format!("{address}/app:src"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        &format!("{to}:1.0 {digest}\nCOPY referrer {sbom} ({SBOM_TYPE}) into {to}\nCOPY tag {sig_tag} into {to}\n"),
        "",
    );
    // Byte for byte: the same digests in the mirror, so signatures still verify.
    assert_eq!(
        resolve(mirror.port, "app", "1.0").as_deref(),
        Some(digest.as_str())
    );
    assert_eq!(
        resolve(mirror.port, "app", &sbom).as_deref(),
        Some(sbom.as_str())
    );
    assert_eq!(
        resolve(mirror.port, "app", &schema_tag(&digest)).as_deref(),
        Some(index_digest.as_str())
    );
    assert_eq!(
        resolve(mirror.port, "app", &sig_tag).as_deref(),
        Some(signature.as_str())
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metadata).expect("written")).expect("JSON");
    assert_valid_metadata(&json);
    assert_eq!(
        json["images"][0]["referrers"],
        serde_json::json!([
            {"digest": sbom, "artifactType": SBOM_TYPE, "found": "tag-schema", "tag": null},
            {"digest": signature, "artifactType": OCI_MANIFEST, "found": "tag", "tag": sig_tag},
        ])
    );

    // --with-referrers needs registry mode.
    let output = dcd(&["--with-referrers", "img"], &path, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("dcd: error: the --with-referrers option requires --in-registry\n"));
}

#[test]
fn referrers_api_answers_are_copied_and_listed_by_tag_schema_where_the_target_lacks_the_api() {
    let Some((registry, _scratch, path)) = plain_setup("referrers-api") else {
        return;
    };
    let port = registry.port;
    let (digest, sbom, sbom_digest) = image_with_sbom(port, "api");
    let proxy = FaultProxy::start(port);
    let address = proxy.address();
    proxy.on(
        Some("GET"),
        &format!("/v2/app/referrers/{digest}"),
        0,
        usize::MAX,
        Fault::Answer(OCI_INDEX.to_owned(), index(&[sbom.descriptor(SBOM_TYPE)])),
    );
    let to = format!("{address}/mirror/app");
    let output = dcd(
        &[
            "--in-registry",
            "--with-referrers",
            "-v",
            "-t",
            "2.0",
            "-r",
            &format!("{address}/mirror"),
            "--",
            &format!("{address}/app:src"),
        ],
        &path,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("Found 1 referrer(s) of {address}/app:src through the referrers API, and 0 cosign tag(s)\nCOPY referrer {sbom_digest} ({SBOM_TYPE}) into {to}\n"))
            && stdout.contains(&format!("PUT manifest {to}:{} (the referrers tag schema index)\n", schema_tag(&digest))),
        "{stdout}"
    );
    assert_eq!(proxy.count("GET", "/v2/app/referrers/"), 1);
    assert_eq!(proxy.count("GET", "/v2/mirror/app/referrers/"), 1);
    assert_eq!(
        resolve(port, "mirror/app", "2.0").as_deref(),
        Some(digest.as_str())
    );
    assert_eq!(
        resolve(port, "mirror/app", &sbom_digest).as_deref(),
        Some(sbom_digest.as_str())
    );
    // The mirror has no referrers API: the copied referrer is listed by the tag schema.
    let listed = http(
        port,
        "GET",
        &format!("/v2/mirror/app/manifests/{}", schema_tag(&digest)),
        &[("Accept", OCI_INDEX)],
        b"",
    );
    assert_eq!(listed.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&listed.body).expect("an index");
    assert_eq!(json["manifests"][0]["digest"], sbom_digest.as_str());
    assert_eq!(json["manifests"][0]["artifactType"], SBOM_TYPE);
}

/// Uploads `blobs` and writes `manifest` under `reference` with the library client.
async fn put_with_client(
    client: &mut Client,
    reference: &Reference,
    blobs: &[Vec<u8>],
    media_type: &str,
    manifest: &[u8],
) {
    for blob in blobs {
        client
            .upload_blob(reference, &sha256(blob), blob.clone().into())
            .await
            .expect("blob upload");
    }
    let manifest = Manifest {
        media_type: media_type.to_owned(),
        bytes: manifest.to_vec().into(),
        digest: sha256(manifest),
    };
    client
        .put_manifest(reference, &manifest)
        .await
        .expect("manifest upload");
}

#[test]
fn over_tls_with_basic_auth_every_option_at_once() {
    let (user, password) = ("dcd-user", "s3cret-Pa55word");
    let dir = TempDir::new("release-tls");
    let Some(Secured {
        registry: _registry,
        address,
        certs_dir,
        config,
    }) = secured_setup(&dir, user, password)
    else {
        return;
    };
    let runtime = runtime();
    let reference =
        |text: &str| Reference::parse(&format!("{address}/{text}")).expect("a reference");
    let mut client = Client::new(
        ClientOptions {
            certs_dir: certs_dir.clone(),
            ..ClientOptions::default()
        },
        DockerConfig::load_file(&config).expect("the config"),
    );
    // The released 2.0.0 already in the mirror, and the 1.5.0 to release, signed (tag schema).
    let newer = image("newer", "amd64");
    let newer_digest = runtime.block_on(push_with_client(
        &reference("mirror/app:2.0.0"),
        &newer,
        &certs_dir,
        &config,
    ));
    let source = image("tls-signed", "amd64");
    let digest = runtime.block_on(push_with_client(
        &reference("app:src"),
        &source,
        &certs_dir,
        &config,
    ));
    let sbom = artifact(
        SBOM_TYPE,
        "{\"tls\":1}",
        Some((&digest, source.manifest.len())),
    );
    runtime.block_on(put_with_client(
        &mut client,
        &reference(&format!("app@{}", sbom.digest())),
        &sbom.blobs,
        OCI_MANIFEST,
        &sbom.manifest,
    ));
    runtime.block_on(put_with_client(
        &mut client,
        &reference(&format!("app:{}", schema_tag(&digest))),
        &[],
        OCI_INDEX,
        &index(&[sbom.descriptor(SBOM_TYPE)]),
    ));

    let bin = path_without_docker(&dir);
    let metadata = dir.path().join("metadata.json");
    let envs: [(&str, &Path); 2] = [
        ("DCD_CERTS_DIR", &certs_dir),
        ("DOCKER_CONFIG", &dir.path().join("good")),
    ];
    let to = format!("{address}/mirror/app");
    let output = dcd(
        &[
            "--in-registry",
            "--only-forward",
            "--with-referrers",
            "--metadata-file",
            metadata.to_str().expect("UTF-8"),
            "-V",
            "1.5.0",
            "-S",
            "-L",
            "-t",
            "latest",
            "-r",
            &format!("{address}/mirror"),
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &envs,
    );
    assert_output(
        &output,
        0,
        &format!(
            "{to}:latest stays at 2.0.0 (higher than 1.5.0)\n{to}:1.5.0 {digest}\n{to}:1.5 {digest}\n{to}:1 {digest}\nCOPY referrer {} ({SBOM_TYPE}) into {to}\n",
            sbom.digest()
        ),
        "",
    );
    // A client of its own, so the checks do not hold `client`.
    let resolved = |tag: &str| {
        let mut client = Client::new(
            ClientOptions {
                certs_dir: certs_dir.clone(),
                ..ClientOptions::default()
            },
            DockerConfig::load_file(&config).expect("the config"),
        );
        runtime
            .block_on(client.get_manifest(&reference(&format!("mirror/app:{tag}"))))
            .map(|m| m.digest)
            .ok()
    };
    assert_eq!(resolved("1.5.0").as_deref(), Some(digest.as_str()));
    assert_eq!(resolved("1.5").as_deref(), Some(digest.as_str()));
    // `1` moves (2.0.0 is another major line), `latest` stays.
    assert_eq!(resolved("1").as_deref(), Some(digest.as_str()));
    assert_eq!(resolved("2.0.0").as_deref(), Some(newer_digest.as_str()));
    assert_eq!(resolved("latest"), None);
    assert_eq!(
        resolved(&schema_tag(&digest)).as_deref(),
        Some(sha256(&index(&[sbom.descriptor(SBOM_TYPE)])).as_str())
    );
    let copied = runtime
        .block_on(client.get_manifest(&reference(&format!("mirror/app@{}", sbom.digest()))))
        .expect("the referrer was copied");
    assert_eq!(copied.bytes.as_ref(), sbom.manifest.as_slice());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metadata).expect("written")).expect("JSON");
    assert_valid_metadata(&json);
    assert_eq!(
        json["images"][0]["skipped"].as_array().map(Vec::len),
        Some(1)
    );

    // Another digest for 1.5.0 is refused, over TLS too, and --force overwrites it.
    let other = image("tls-other", "amd64");
    let other_digest = runtime.block_on(push_with_client(
        &reference("app:other"),
        &other,
        &certs_dir,
        &config,
    ));
    let release_other = |extra: &[&str]| {
        let mut args = vec!["--in-registry", "-V", "1.5.0", "-t", "latest", "-r"];
        let mirror = format!("{address}/mirror");
        let source = format!("{address}/app:other");
        args.push(&mirror);
        args.extend_from_slice(extra);
        args.extend(["--", &source]);
        dcd(&args, &bin, &envs)
    };
    let output = release_other(&[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("(hint: pass --force to overwrite it)")
    );
    assert_eq!(resolved("1.5.0").as_deref(), Some(digest.as_str()));
    let output = release_other(&["--force"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(resolved("1.5.0").as_deref(), Some(other_digest.as_str()));
}

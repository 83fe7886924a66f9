//! Pushing through the Registry API without an engine: raw HTTP/1.1 requests, blobs, manifests
//! and small generated images.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;

use super::{ACCEPT_ALL, OCI_MANIFEST};

/// An HTTP/1.1 answer.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

/// One plain-HTTP request to 127.0.0.1:`port` (the connection is closed after it).
pub fn http(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).expect("the registry accepts connections");
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("the request can be sent");
    stream.write_all(body).expect("the body can be sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("the answer can be read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

pub fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    crate::manifest::sha256_digest(bytes)
}

/// Pushes a blob (monolithic upload) and returns its digest.
pub fn push_blob(port: u16, repo: &str, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let started = http(
        port,
        "POST",
        &format!("/v2/{repo}/blobs/uploads/"),
        &[],
        b"",
    );
    assert_eq!(
        started.status,
        202,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    let location = &started.headers["location"];
    let path = location
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or(location);
    let separator = if path.contains('?') { '&' } else { '?' };
    let done = http(
        port,
        "PUT",
        &format!("{path}{separator}digest={digest}"),
        &[("Content-Type", "application/octet-stream")],
        bytes,
    );
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    digest
}

/// Pushes a manifest under `reference` (a tag or digest); returns the registry's digest.
pub fn push_manifest(
    port: u16,
    repo: &str,
    reference: &str,
    media_type: &str,
    bytes: &[u8],
) -> String {
    let answer = http(
        port,
        "PUT",
        &format!("/v2/{repo}/manifests/{reference}"),
        &[("Content-Type", media_type)],
        bytes,
    );
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let digest = answer.headers["docker-content-digest"].clone();
    assert_eq!(digest, sha256(bytes));
    digest
}

/// The digest a tag resolves to (`None` if it does not exist).
pub fn resolve(port: u16, repo: &str, reference: &str) -> Option<String> {
    let answer = http(
        port,
        "HEAD",
        &format!("/v2/{repo}/manifests/{reference}"),
        &[("Accept", ACCEPT_ALL)],
        b"",
    );
    (answer.status == 200).then(|| answer.headers["docker-content-digest"].clone())
}

pub fn tags(port: u16, repo: &str) -> Vec<String> {
    let answer = http(port, "GET", &format!("/v2/{repo}/tags/list"), &[], b"");
    assert_eq!(answer.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    let mut tags: Vec<String> = json["tags"]
        .as_array()
        .expect("a tag list")
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    tags.sort();
    tags
}

/// A single-platform image made in the test: its manifest bytes and blob digests.
pub struct Image {
    /// The manifest's bytes (OCI).
    pub manifest: Vec<u8>,
    /// The config blob: digest and bytes.
    pub config: (String, Vec<u8>),
    /// The layer blobs: digest and bytes.
    pub layers: Vec<(String, Vec<u8>)>,
}

pub fn image(label: &str, architecture: &str) -> Image {
    let layer = format!("layer of {label}\n").repeat(100).into_bytes();
    assemble(architecture, vec![layer])
}

/// An image an engine can pull and unpack: `layers` uncompressed tar layers, each holding one
/// file (`/layer-N`, `size` bytes that depend on `label`), for linux/amd64.
pub fn tar_image(label: &str, layers: usize, size: usize) -> Image {
    tar_image_for(label, layers, size, "amd64")
}

/// [`tar_image`] for linux/`architecture` (`arm64`, …).
pub fn tar_image_for(label: &str, layers: usize, size: usize, architecture: &str) -> Image {
    let blobs = (0..layers)
        .map(|n| {
            let content: Vec<u8> = format!("{label} layer {n}\n")
                .bytes()
                .cycle()
                .take(size)
                .collect();
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_cksum();
            let mut builder = tar::Builder::new(Vec::new());
            builder
                .append_data(&mut header, format!("layer-{n}"), content.as_slice())
                .expect("a tar entry in memory");
            builder.into_inner().expect("a tar in memory")
        })
        .collect();
    assemble(architecture, blobs)
}

fn assemble(architecture: &str, layers: Vec<Vec<u8>>) -> Image {
    let layers: Vec<(String, Vec<u8>)> = layers.into_iter().map(|l| (sha256(&l), l)).collect();
    let diff_ids: Vec<String> = layers.iter().map(|(d, _)| format!("\"{d}\"")).collect();
    let config = format!(
        r#"{{"architecture":"{architecture}","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}},"config":{{}}}}"#,
        diff_ids.join(",")
    )
    .into_bytes();
    let config_digest = sha256(&config);
    let descriptors: Vec<String> = layers
        .iter()
        .map(|(d, l)| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{d}","size":{}}}"#,
                l.len()
            )
        })
        .collect();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{}]}}"#,
        config.len(),
        descriptors.join(",")
    )
    .into_bytes();
    Image {
        manifest,
        config: (config_digest, config),
        layers,
    }
}

/// Pushes `image` to `repo:reference` on a plain registry; returns its digest.
pub fn push_image(port: u16, repo: &str, reference: &str, image: &Image) -> String {
    push_blob(port, repo, &image.config.1);
    for (_, layer) in &image.layers {
        push_blob(port, repo, layer);
    }
    push_manifest(port, repo, reference, OCI_MANIFEST, &image.manifest)
}

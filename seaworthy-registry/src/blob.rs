//! Blobs: whether one exists, mounting it from another repository, downloading it (checked
//! against its digest) and uploading it.

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Response, StatusCode, Url};

use crate::auth::Access;
use crate::client::{header, Client};
use crate::error::{Content, Details, Error, Kind, Operation};
use crate::manifest::verify_digest;
use crate::reference::Reference;

/// Result of a mount request.
pub(crate) enum Mount {
    Mounted,
    /// The registry opened an upload instead, at this URL.
    Upload(Url),
}

impl Client {
    /// Whether the blob `digest` exists in `repository`'s repository.
    pub async fn blob_exists(
        &mut self,
        repository: &Reference,
        digest: &str,
    ) -> Result<bool, Error> {
        self.exists(repository, Kind::Blob, digest).await
    }

    /// `POST /v2/TARGET/blobs/uploads/?mount=DIGEST&from=SOURCE` (same registry).
    pub(crate) async fn mount_blob(
        &mut self,
        target: &Reference,
        digest: &str,
        from: &Reference,
    ) -> Result<Mount, Error> {
        let domain = target.domain();
        let path = format!("/v2/{}/blobs/uploads/", target.path());
        let scopes = [Access::push(target.path()), Access::pull(from.path())];
        let operation = Operation::MountBlob {
            digest: digest.to_owned(),
            repository: target.name(),
        };
        let response = self
            .send(domain, &scopes, operation.clone(), |http, base| {
                http.post(format!("{base}{path}"))
                    .query(&[("mount", digest), ("from", from.path())])
                    .header(CONTENT_LENGTH, "0")
            })
            .await?;
        if response.status() == StatusCode::CREATED {
            return Ok(Mount::Mounted);
        }
        Ok(Mount::Upload(self.location(domain, &response, operation)?))
    }

    /// An upload session's URL from a `Location` header (which may be relative).
    fn location(
        &mut self,
        domain: &str,
        response: &Response,
        operation: Operation,
    ) -> Result<Url, Error> {
        let base = self.base(domain)?;
        header(response.headers(), LOCATION.as_str())
            .and_then(|location| Url::parse(&base).ok()?.join(&location).ok())
            .ok_or_else(|| Error::Unexpected {
                registry: domain.to_owned(),
                status: response.status(),
                operation,
                details: Details::NoLocation,
            })
    }

    /// Downloads a blob and checks its digest.
    pub async fn get_blob(&mut self, repository: &Reference, digest: &str) -> Result<Bytes, Error> {
        let domain = repository.domain();
        let path = format!("/v2/{}/blobs/{digest}", repository.path());
        let operation = Operation::GetBlob {
            digest: digest.to_owned(),
            repository: repository.name(),
        };
        let scopes = [Access::pull(repository.path())];
        let response = self
            .send(domain, &scopes, operation, |http, base| {
                http.get(format!("{base}{path}"))
            })
            .await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|error| Error::network(domain, error))?;
        let content = || Content::Blob {
            digest: digest.to_owned(),
            repository: repository.name(),
        };
        let expected = Some(digest).filter(|d| d.starts_with("sha256:"));
        verify_digest(domain, content, expected, &bytes)?;
        Ok(bytes)
    }

    /// Uploads `bytes` as the blob `digest` into `repository`'s repository, in one request
    /// (monolithic upload).
    pub async fn upload_blob(
        &mut self,
        repository: &Reference,
        digest: &str,
        bytes: Bytes,
    ) -> Result<(), Error> {
        self.upload_blob_to(repository, digest, bytes, None).await
    }

    /// [`upload_blob`](Self::upload_blob) into `session`, an upload already opened (by a
    /// refused mount), or a new one.
    pub(crate) async fn upload_blob_to(
        &mut self,
        repository: &Reference,
        digest: &str,
        bytes: Bytes,
        session: Option<Url>,
    ) -> Result<(), Error> {
        let domain = repository.domain();
        let scopes = [Access::push(repository.path())];
        let mut url = match session {
            Some(url) => url,
            None => {
                let path = format!("/v2/{}/blobs/uploads/", repository.path());
                let operation = Operation::StartUpload {
                    repository: repository.name(),
                };
                let response = self
                    .send(domain, &scopes, operation.clone(), |http, base| {
                        http.post(format!("{base}{path}"))
                            .header(CONTENT_LENGTH, "0")
                    })
                    .await?;
                self.location(domain, &response, operation)?
            }
        };
        url.query_pairs_mut().append_pair("digest", digest);
        let operation = Operation::UploadBlob {
            digest: digest.to_owned(),
            repository: repository.name(),
        };
        self.send(domain, &scopes, operation, |http, _| {
            http.request(Method::PUT, url.clone())
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(bytes.clone())
        })
        .await?;
        Ok(())
    }
}

//! Why a registry operation failed: [`Error`](enum@Error), and the typed parts its messages are made of.
//!
//! Every message is one line that names the registry and what was asked of it, never a
//! credential. The parts are typed (the [`Operation`] that was refused, the [`Details`] the
//! registry gave, the [`Access`] that was asked for), so a caller decides from them, not from
//! the text.

use std::fmt;
use std::path::PathBuf;

use reqwest::{Response, StatusCode};
use serde::Deserialize;
use thiserror::Error;

use crate::auth::Access;
use crate::credentials::{login_command, CredentialError};
use crate::retry::GiveUp;

/// Why a registry operation failed: one line each, naming the registry and the reference;
/// never a credential.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry could not be reached (DNS, connection, TLS, timeout).
    #[error("cannot reach registry {registry}: {}", causes(.cause))]
    Network {
        /// The registry domain.
        registry: String,
        /// What the HTTP client reported (its causes are part of the message).
        cause: reqwest::Error,
    },
    /// The registry refused access; the message names the `docker login` command to run.
    #[error(
        "registry {registry} {refusal} {}: run `{}`",
        Access::list(.access),
        login_command(.registry)
    )]
    Unauthorized {
        /// The registry domain.
        registry: String,
        /// Whether credentials were sent and refused, or none were found.
        refusal: Refusal,
        /// What was asked for.
        access: Vec<Access>,
    },
    /// The manifest does not exist.
    #[error("{reference} was not found in registry {registry}")]
    ManifestUnknown {
        /// The reference asked for.
        reference: String,
        /// The registry domain.
        registry: String,
    },
    /// The registry refused a manifest (for example a type it does not support).
    #[error("registry {registry} rejected the {media_type} manifest for {reference}: {details}")]
    ManifestRejected {
        /// The registry domain.
        registry: String,
        /// The manifest's media type.
        media_type: String,
        /// The reference being written.
        reference: String,
        /// The registry's error codes and messages.
        details: Details,
    },
    /// What the registry sent does not hash to the digest it should have.
    #[error(
        "digest mismatch for {content} in registry {registry}: expected {expected}, got {actual}"
    )]
    DigestMismatch {
        /// The registry domain.
        registry: String,
        /// What was checked.
        content: Content,
        /// The digest it should have.
        expected: String,
        /// The digest it has.
        actual: String,
    },
    /// Any other unexpected answer.
    #[error("registry {registry} answered {status} to {operation}: {details}")]
    Unexpected {
        /// The registry domain.
        registry: String,
        /// The HTTP status.
        status: StatusCode,
        /// What was asked.
        operation: Operation,
        /// The registry's error codes and messages, or what else was wrong with the answer.
        details: Details,
    },
    /// A manifest is not the JSON its media type says.
    #[error("the manifest of {reference} ({media_type}) cannot be read: {cause}")]
    BadManifest {
        /// The reference.
        reference: String,
        /// Its media type.
        media_type: String,
        /// serde's reason.
        cause: serde_json::Error,
    },
    /// A CA certificate in the certs directory cannot be used.
    #[error("cannot use the CA certificate {path}: {cause}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: CertificateCause,
    },
    /// Credentials could not be found.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// A call that failed in a way worth retrying was retried until the
    /// [`RetryPolicy`](crate::RetryPolicy) gave up; `last` is the last attempt's error.
    #[error("{last} (registry {registry}: gave up after {attempts} {}: {reason})", if *.attempts == 1 { "attempt" } else { "attempts" })]
    GaveUp {
        /// The registry domain.
        registry: String,
        /// How many attempts were made.
        attempts: u32,
        /// Why no further attempt was made.
        reason: GiveUp,
        /// The last attempt's error.
        last: Box<Error>,
    },
}

impl Error {
    /// The error itself, or for [`Error::GaveUp`] the last attempt's error, to match on
    /// (`Error::ManifestUnknown`, `Error::Network`…) whether or not the call was retried.
    pub fn last_attempt(&self) -> &Self {
        match self {
            Self::GaveUp { last, .. } => last.last_attempt(),
            other => other,
        }
    }

    /// [`Error::Network`] for `registry`.
    pub(crate) fn network(registry: &str, cause: reqwest::Error) -> Self {
        Self::Network {
            registry: registry.to_owned(),
            cause,
        }
    }
}

/// Why the registry refused access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Credentials were sent, and refused.
    CredentialsRefused,
    /// The registry asks for credentials, and none were found.
    CredentialsRequired,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CredentialsRefused => "refused the credentials for",
            Self::CredentialsRequired => "requires credentials for",
        })
    }
}

/// What is stored under a digest: a manifest or a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A manifest (`/v2/REPO/manifests/…`).
    Manifest,
    /// A blob (`/v2/REPO/blobs/…`).
    Blob,
}

impl Kind {
    /// The API path segment: `manifests` or `blobs`.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Manifest => "manifests",
            Self::Blob => "blobs",
        }
    }
}

/// A request to a registry, as an error names it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /v2/REPO/manifests/REF`.
    GetManifest(String),
    /// `PUT /v2/REPO/manifests/REF`.
    PutManifest {
        /// Where the manifest is written.
        reference: String,
        /// Its media type.
        media_type: String,
    },
    /// `HEAD /v2/REPO/KIND/DIGEST`.
    Exists {
        /// A manifest or a blob.
        kind: Kind,
        /// What is looked for.
        digest: String,
        /// The repository (`DOMAIN/PATH`).
        repository: String,
    },
    /// `POST /v2/REPO/blobs/uploads/?mount=DIGEST&from=…`.
    MountBlob {
        /// The blob.
        digest: String,
        /// The repository it is mounted into.
        repository: String,
    },
    /// `GET /v2/REPO/blobs/DIGEST`.
    GetBlob {
        /// The blob.
        digest: String,
        /// The repository it is read from.
        repository: String,
    },
    /// `POST /v2/REPO/blobs/uploads/`.
    StartUpload {
        /// The repository uploaded to.
        repository: String,
    },
    /// `PUT` of a blob's bytes to an upload session.
    UploadBlob {
        /// The blob.
        digest: String,
        /// The repository uploaded to.
        repository: String,
    },
    /// The request to the token server.
    Token,
    /// `GET /v2/REPO/tags/list`.
    ListTags {
        /// The repository (`DOMAIN/PATH`).
        repository: String,
    },
    /// `GET /v2/REPO/referrers/DIGEST`.
    Referrers {
        /// The manifest whose referrers are asked for.
        digest: String,
        /// The repository (`DOMAIN/PATH`).
        repository: String,
    },
}

impl Operation {
    /// Whether sending the request again is safe even if the registry acted on it: reads,
    /// and manifest `PUT`s (the same bytes under the same name). Starting an upload or a
    /// mount, and completing an upload session, are not.
    pub(crate) fn idempotent(&self) -> bool {
        match self {
            Self::GetManifest(_)
            | Self::Exists { .. }
            | Self::GetBlob { .. }
            | Self::PutManifest { .. }
            | Self::ListTags { .. }
            | Self::Referrers { .. }
            | Self::Token => true,
            Self::MountBlob { .. } | Self::StartUpload { .. } | Self::UploadBlob { .. } => false,
        }
    }

    /// Whether `status` is an answer the operation expects (its caller then looks at which);
    /// any other status is an error.
    pub(crate) fn accepts(&self, status: StatusCode) -> bool {
        match self {
            Self::GetManifest(_) | Self::GetBlob { .. } => status == StatusCode::OK,
            // 404: no such repository yet (no tags), or no referrers API (the caller falls
            // back to the tag schema).
            Self::ListTags { .. } | Self::Referrers { .. } => {
                status == StatusCode::OK || status == StatusCode::NOT_FOUND
            }
            Self::Exists { .. } => status == StatusCode::OK || status == StatusCode::NOT_FOUND,
            Self::PutManifest { .. } | Self::Token => status.is_success(),
            Self::MountBlob { .. } => {
                status == StatusCode::CREATED || status == StatusCode::ACCEPTED
            }
            Self::StartUpload { .. } => status == StatusCode::ACCEPTED,
            Self::UploadBlob { .. } => status == StatusCode::CREATED,
        }
    }

    /// The error for an answer with a status the operation does not accept (other than the
    /// refusals, which are [`Error::Unauthorized`]).
    pub(crate) fn refused(self, registry: &str, status: StatusCode, details: Details) -> Error {
        let registry = registry.to_owned();
        match self {
            Self::GetManifest(reference) if status == StatusCode::NOT_FOUND => {
                Error::ManifestUnknown {
                    reference,
                    registry,
                }
            }
            Self::PutManifest {
                reference,
                media_type,
            } if status == StatusCode::BAD_REQUEST
                || status == StatusCode::UNSUPPORTED_MEDIA_TYPE =>
            {
                Error::ManifestRejected {
                    registry,
                    media_type,
                    reference,
                    details,
                }
            }
            operation => Error::Unexpected {
                registry,
                status,
                operation,
                details,
            },
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::GetManifest(reference) => write!(f, "GET manifest {reference}"),
            Self::PutManifest { reference, .. } => write!(f, "PUT manifest {reference}"),
            Self::Exists {
                kind,
                digest,
                repository,
            } => write!(f, "HEAD {} {digest} in {repository}", kind.segment()),
            Self::MountBlob { digest, repository } => {
                write!(f, "mount blob {digest} into {repository}")
            }
            Self::GetBlob { digest, repository } => {
                write!(f, "GET blob {digest} from {repository}")
            }
            Self::StartUpload { repository } => {
                write!(f, "starting a blob upload to {repository}")
            }
            Self::UploadBlob { digest, repository } => {
                write!(f, "uploading blob {digest} to {repository}")
            }
            Self::Token => f.write_str("the token request"),
            Self::ListTags { repository } => write!(f, "GET tags of {repository}"),
            Self::Referrers { digest, repository } => {
                write!(f, "GET referrers of {repository}@{digest}")
            }
        }
    }
}

/// One entry of a registry's `{"errors":[{"code":…,"message":…}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApiError {
    /// `MANIFEST_INVALID`, `DENIED` and so on.
    #[serde(default)]
    pub code: String,
    /// The registry's message.
    #[serde(default)]
    pub message: String,
}

/// What a registry's answer said, or lacked, when it was not the one expected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Details {
    /// The registry's error list.
    Errors(Vec<ApiError>),
    /// The first line of a body that is not an error list (at most 200 characters).
    Text(String),
    /// An empty body.
    Empty,
    /// An upload answer without a usable `Location` header.
    NoLocation,
    /// A token server's answer without a token.
    NoToken,
}

impl Details {
    /// Reads what `response`'s body says.
    pub(crate) async fn read(response: Response) -> Self {
        #[derive(Deserialize)]
        struct Errors {
            errors: Vec<ApiError>,
        }
        let body = response.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<Errors>(&body) {
            Ok(errors) if !errors.errors.is_empty() => Self::Errors(errors.errors),
            _ => {
                let text = String::from_utf8_lossy(&body);
                let line = text.lines().next().unwrap_or("").trim();
                if line.is_empty() {
                    Self::Empty
                } else {
                    Self::Text(line.chars().take(200).collect())
                }
            }
        }
    }
}

impl fmt::Display for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Errors(errors) => {
                for (i, error) in errors.iter().enumerate() {
                    let separator = if i == 0 { "" } else { ", " };
                    write!(f, "{separator}{} ({})", error.code, error.message)?;
                }
                Ok(())
            }
            Self::Text(text) => f.write_str(text),
            Self::Empty => f.write_str("no details given"),
            Self::NoLocation => f.write_str("the answer has no usable Location header"),
            Self::NoToken => f.write_str("the answer has no token"),
        }
    }
}

/// What a digest was checked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// The manifest read for this reference.
    Manifest(String),
    /// The manifest written under this reference.
    WrittenManifest(String),
    /// A blob read from a repository.
    Blob {
        /// Its digest.
        digest: String,
        /// The repository.
        repository: String,
    },
}

impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Manifest(reference) => write!(f, "the manifest of {reference}"),
            Self::WrittenManifest(reference) => write!(f, "the manifest written as {reference}"),
            Self::Blob { digest, repository } => {
                write!(f, "blob {digest} of {repository}")
            }
        }
    }
}

/// Why a CA certificate cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum CertificateCause {
    /// The file cannot be read.
    Read(std::io::Error),
    /// The file is not a PEM bundle of certificates.
    Parse(reqwest::Error),
}

impl fmt::Display for CertificateCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(error) => error.fmt(f),
            Self::Parse(error) => f.write_str(&causes(error)),
        }
    }
}

/// The error's chain of causes on one line (a cause whose text is already there is left out).
fn causes(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let unauthorized = Error::Unauthorized {
            registry: "reg.io".into(),
            refusal: Refusal::CredentialsRequired,
            access: vec![Access::push("team/app"), Access::pull("team/base")],
        };
        assert_eq!(
            unauthorized.to_string(),
            "registry reg.io requires credentials for pull,push access to team/app and pull access to team/base: run `docker login reg.io`"
        );
        let unexpected = Operation::Exists {
            kind: Kind::Blob,
            digest: "sha256:1".into(),
            repository: "reg.io/app".into(),
        }
        .refused("reg.io", StatusCode::BAD_GATEWAY, Details::Empty);
        assert_eq!(
            unexpected.to_string(),
            "registry reg.io answered 502 Bad Gateway to HEAD blobs sha256:1 in reg.io/app: no details given"
        );
        let rejected = Operation::PutManifest {
            reference: "reg.io/app:1".into(),
            media_type: "m".into(),
        }
        .refused(
            "reg.io",
            StatusCode::BAD_REQUEST,
            Details::Errors(vec![
                ApiError {
                    code: "MANIFEST_INVALID".into(),
                    message: "bad".into(),
                },
                ApiError {
                    code: "X".into(),
                    message: String::new(),
                },
            ]),
        );
        assert_eq!(
            rejected.to_string(),
            "registry reg.io rejected the m manifest for reg.io/app:1: MANIFEST_INVALID (bad), X ()"
        );
        let unknown = Operation::GetManifest("reg.io/app:1".into()).refused(
            "reg.io",
            StatusCode::NOT_FOUND,
            Details::Empty,
        );
        assert_eq!(
            unknown.to_string(),
            "reg.io/app:1 was not found in registry reg.io"
        );
    }
}

//! Image references with Docker's grammar and normalisation.

use std::fmt;

use thiserror::Error;

use crate::grammar::{self, NAME_TOTAL_LENGTH_MAX};

/// The domain Docker Hub references normalise to.
pub const DOCKER_HUB_DOMAIN: &str = "docker.io";
/// The host that serves Docker Hub's Registry API.
pub const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";
/// The key the docker CLI files Docker Hub's credentials under (`docker login` with no server).
pub const DOCKER_HUB_SERVER_ADDRESS: &str = "https://index.docker.io/v1/";

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid image reference `{reference}`: {reason}")]
pub struct ReferenceError {
    /// The string as given.
    pub reference: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A normalised image reference: `domain/path[:tag][@digest]`.
///
/// Parsing follows the docker CLI (`ParseNormalizedNamed`): a first path component that has
/// no `.` or `:` and is not `localhost` is not a domain, so `nginx` is
/// `docker.io/library/nginx` and `me/app` is `docker.io/me/app`; `index.docker.io` is
/// `docker.io`. A reference with neither tag nor digest means the tag `latest`
/// ([`Reference::reference`]).
///
/// ```
/// use seaworthy_registry::Reference;
///
/// let nginx = Reference::parse("nginx").unwrap();
/// assert_eq!(nginx.to_string(), "docker.io/library/nginx");
/// assert_eq!(nginx.reference(), "latest");
/// let app = Reference::parse("localhost:5000/team/app:1.2").unwrap();
/// assert_eq!((app.domain(), app.path(), app.tag()), ("localhost:5000", "team/app", Some("1.2")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// Parses `reference` with Docker's normalisation and [grammar](crate::grammar).
    pub fn parse(reference: &str) -> Result<Self, ReferenceError> {
        let error = |reason| ReferenceError {
            reference: reference.to_owned(),
            reason,
        };
        if reference.is_empty() {
            return Err(error("it is empty"));
        }
        if grammar::is_identifier(reference) {
            return Err(error(
                "a 64-hex-digit image ID cannot be used as a repository name",
            ));
        }
        let (domain, remainder) = split_docker_domain(reference);
        // The docker CLI checks the case of the path before the grammar, for a clearer error.
        let remainder_name = remainder
            .split(['@', ':'])
            .next()
            .unwrap_or(remainder.as_str());
        if remainder_name.to_ascii_lowercase() != remainder_name {
            return Err(error("the repository name must be lower-case"));
        }
        let full = format!("{domain}/{remainder}");
        let parts = grammar::split_reference(&full).ok_or_else(|| {
            error("expected [DOMAIN/]PATH[:TAG][@DIGEST] with a lower-case path, a tag of up to 128 letters, digits, `_`, `.` or `-`, and a digest `ALGORITHM:HEX`")
        })?;
        if parts.name.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(error("the repository name is longer than 255 characters"));
        }
        let path = parts.name[domain.len() + 1..].to_owned();
        Ok(Self {
            tag: parts.tag.map(str::to_owned),
            digest: parts.digest.map(str::to_owned),
            domain,
            path,
        })
    }

    /// The registry domain, with a port if any: `docker.io`, `ghcr.io`, `localhost:5000`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path inside the registry: `library/nginx`, `team/app`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag, if the reference names one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:…`), if the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// `domain/path`, the repository without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// What to ask the registry for: the digest if pinned, else the tag, else `latest`.
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The same repository with `tag` and no digest.
    pub fn with_tag(&self, tag: &str) -> Self {
        Self {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: Some(tag.to_owned()),
            digest: None,
        }
    }

    /// The same repository with `digest` and no tag.
    pub fn with_digest(&self, digest: &str) -> Self {
        Self {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: None,
            digest: Some(digest.to_owned()),
        }
    }

    /// Whether `other` is in the same repository (same domain and path).
    pub fn same_repository(&self, other: &Self) -> bool {
        self.domain == other.domain && self.path == other.path
    }

    /// The host (and port) whose Registry API serves this reference's domain
    /// (`registry-1.docker.io` for `docker.io`).
    pub fn api_host(&self) -> &str {
        api_host(&self.domain)
    }
}

/// The host whose Registry API serves `domain` (`registry-1.docker.io` for `docker.io`).
pub fn api_host(domain: &str) -> &str {
    if domain == DOCKER_HUB_DOMAIN {
        DOCKER_HUB_API_HOST
    } else {
        domain
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// The docker CLI's `splitDockerDomain`: the domain (normalised) and the rest.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_ascii_lowercase() != first =>
        {
            (first.to_owned(), rest.to_owned())
        }
        _ => (DOCKER_HUB_DOMAIN.to_owned(), name.to_owned()),
    };
    if domain == "index.docker.io" {
        domain = DOCKER_HUB_DOMAIN.to_owned();
    }
    if domain == DOCKER_HUB_DOMAIN && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(reference: &str) -> (String, String, Option<String>, Option<String>) {
        let r = Reference::parse(reference).unwrap();
        (
            r.domain().to_owned(),
            r.path().to_owned(),
            r.tag().map(str::to_owned),
            r.digest().map(str::to_owned),
        )
    }

    fn p(
        d: &str,
        path: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> (String, String, Option<String>, Option<String>) {
        (
            d.to_owned(),
            path.to_owned(),
            tag.map(str::to_owned),
            digest.map(str::to_owned),
        )
    }

    #[test]
    fn docker_hub_normalisation() {
        assert_eq!(parts("nginx"), p("docker.io", "library/nginx", None, None));
        assert_eq!(
            parts("nginx:1.25"),
            p("docker.io", "library/nginx", Some("1.25"), None)
        );
        assert_eq!(parts("me/app"), p("docker.io", "me/app", None, None));
        assert_eq!(
            parts("index.docker.io/nginx"),
            p("docker.io", "library/nginx", None, None)
        );
        assert_eq!(
            parts("docker.io/library/nginx:1"),
            p("docker.io", "library/nginx", Some("1"), None)
        );
        assert_eq!(
            Reference::parse("nginx").unwrap().api_host(),
            "registry-1.docker.io"
        );
    }

    #[test]
    fn domains() {
        assert_eq!(parts("localhost/app"), p("localhost", "app", None, None));
        assert_eq!(
            parts("localhost:5000/app:1"),
            p("localhost:5000", "app", Some("1"), None)
        );
        assert_eq!(
            parts("127.0.0.1:5000/a/b/c:x"),
            p("127.0.0.1:5000", "a/b/c", Some("x"), None)
        );
        assert_eq!(
            parts("ghcr.io/org/app"),
            p("ghcr.io", "org/app", None, None)
        );
        assert_eq!(parts("Registry/app"), p("Registry", "app", None, None));
        assert_eq!(parts("[::1]:5000/app"), p("[::1]:5000", "app", None, None));
        // `localhost:5000` alone is a repository with a tag, as in Docker.
        assert_eq!(
            parts("localhost:5000"),
            p("docker.io", "library/localhost", Some("5000"), None)
        );
    }

    #[test]
    fn digests() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parts(&format!("reg.io/app@{digest}")),
            p("reg.io", "app", None, Some(&digest))
        );
        assert_eq!(
            parts(&format!("reg.io/app:1@{digest}")),
            p("reg.io", "app", Some("1"), Some(&digest))
        );
        let r = Reference::parse(&format!("reg.io/app:1@{digest}")).unwrap();
        assert_eq!(r.reference(), digest);
        assert_eq!(r.to_string(), format!("reg.io/app:1@{digest}"));
        assert_eq!(r.with_tag("2").to_string(), "reg.io/app:2");
    }

    #[test]
    fn no_tag_means_latest() {
        assert_eq!(
            Reference::parse("reg.io/app").unwrap().reference(),
            "latest"
        );
        assert_eq!(Reference::parse("reg.io/app:v1").unwrap().reference(), "v1");
    }

    #[test]
    fn errors() {
        let reason = |s: &str| Reference::parse(s).unwrap_err().reason;
        assert_eq!(reason(""), "it is empty");
        assert_eq!(reason("MyImage"), "the repository name must be lower-case");
        assert_eq!(
            reason("reg.io/App:1"),
            "the repository name must be lower-case"
        );
        assert_eq!(
            reason(&"a".repeat(64).replace('a', "b")),
            "a 64-hex-digit image ID cannot be used as a repository name"
        );
        for bad in [
            "app:.x",
            "app:-x",
            "app@sha256:abc",
            "this:is:invalid/user:test/name:tag/",
            "a//b",
            "app:café",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        assert!(Reference::parse(&format!("app:{}", "x".repeat(128))).is_ok());
        assert!(Reference::parse(&format!("app:{}", "x".repeat(129))).is_err());
        assert_eq!(
            reason(&format!("reg.io/{}", "a".repeat(250))),
            "the repository name is longer than 255 characters"
        );
        assert_eq!(
            Reference::parse("bad ref").unwrap_err().to_string(),
            "invalid image reference `bad ref`: expected [DOMAIN/]PATH[:TAG][@DIGEST] with a lower-case path, a tag of up to 128 letters, digits, `_`, `.` or `-`, and a digest `ALGORITHM:HEX`"
        );
    }
}

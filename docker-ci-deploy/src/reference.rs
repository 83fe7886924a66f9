//! Docker image references on dcd's command line: splitting `name[:tag][@digest]`, joining a
//! name and a tag, the registry rewrite of 0.3.0, and the checks that refuse references Docker
//! would reject.
//!
//! The grammar is the workspace's one, [`seaworthy_registry::grammar`] (registry mode parses
//! the same references with [`seaworthy_registry::Reference`], which uses it too). It is
//! docker/distribution's, as 0.3.0 copied it, with deliberate differences from 0.3.0's
//! Python regexes:
//!
//! * tags are ASCII (`[A-Za-z0-9_]`), as in Docker's Go regexp. Python's `\w` is Unicode, so
//!   0.3.0 accepted `img:café`, which `docker tag` then refused.
//! * `[[:xdigit:]]` really is the hex-digit class. In Python it was a broken character set, so
//!   0.3.0 could parse no digest at all; dcd accepts digest references as *sources* (see
//!   [`parse_source`]).
//!
//! One difference from the shared grammar is kept: an IPv6 literal as the registry
//! (`[::1]:5000/img`) is refused, as by 0.3.0 and by the grammar of Docker 20.10, whose
//! `docker tag` dcd drives.

use seaworthy_registry::grammar::{self, NameParts, NAME_TOTAL_LENGTH_MAX};

use crate::errors::PlanError;

/// `name` split into its registry and path, if it is a repository name dcd accepts.
fn docker_name(name: &str) -> Option<NameParts<'_>> {
    grammar::split_name(name).filter(|parts| !parts.domain_is_ipv6())
}

/// A reference given on the command line, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceRef {
    /// The repository name, with its registry if it has one.
    pub(crate) name: String,
    /// The tag, if the reference has one.
    pub(crate) tag: Option<String>,
    /// The digest (`algorithm:hex`), if the reference has one.
    pub(crate) digest: Option<String>,
}

/// Splits `name[:tag]` the way 0.3.0's `split_image_tag` does, returning the name and the tag.
///
/// Digest references are refused here, with 0.3.0's message; [`parse_source`] is the
/// digest-aware entry point the planner uses.
#[cfg(test)]
pub(crate) fn split_image_tag(image: &str) -> Result<(String, Option<String>), PlanError> {
    match parse_source(image)? {
        SourceRef {
            name,
            tag,
            digest: None,
        } => Ok((name, tag)),
        SourceRef { .. } => Err(PlanError::UnparsableImage {
            image: image.to_owned(),
        }),
    }
}

/// Parses an image reference given on the command line.
///
/// A reference with a digest (`name[:tag]@sha256:…`) is accepted: `docker tag` takes it as a
/// source, and it pins exactly the image CI built. The digest is used only as the source of
/// `docker tag`; the targets are built from the name and the tag, as for any other reference.
/// The digest must be one Docker can verify (`sha256`, `sha384` or `sha512` with the matching
/// number of lower-case hex digits).
pub(crate) fn parse_source(image: &str) -> Result<SourceRef, PlanError> {
    let unparsable = || PlanError::UnparsableImage {
        image: image.to_owned(),
    };
    let parts = grammar::split_reference(image)
        .filter(|parts| !parts.name_parts.domain_is_ipv6())
        .ok_or_else(unparsable)?;
    if parts.name.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(PlanError::NameTooLong {
            reference: image.to_owned(),
            name: parts.name.to_owned(),
        });
    }
    if let Some(digest) = parts.digest {
        check_digest(image, digest)?;
    }
    Ok(SourceRef {
        name: parts.name.to_owned(),
        tag: parts.tag.map(str::to_owned),
        digest: parts.digest.map(str::to_owned),
    })
}

/// Checks that a digest is one Docker can verify, as its `digest.Parse` does.
fn check_digest(image: &str, digest: &str) -> Result<(), PlanError> {
    let unsupported = || PlanError::UnsupportedDigest {
        image: image.to_owned(),
        digest: digest.to_owned(),
    };
    let (algorithm, hex) = digest.split_once(':').ok_or_else(unsupported)?;
    let expected_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(unsupported()),
    };
    let lower_hex = hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if hex.len() != expected_len || !lower_hex {
        return Err(unsupported());
    }
    Ok(())
}

/// Joins an image name and a tag; a missing or empty tag gives the bare name.
pub(crate) fn join_image_tag(name: &str, tag: Option<&str>) -> String {
    match tag {
        Some(tag) if !tag.is_empty() => format!("{name}:{tag}"),
        _ => name.to_owned(),
    }
}

/// 0.3.0's `RegistryTagger`: puts a registry in front of image names.
#[derive(Debug, Clone)]
pub(crate) struct RegistryTagger {
    registry: String,
}

impl RegistryTagger {
    /// A tagger for `registry` (never validated here: the final references are).
    pub(crate) fn new(registry: &str) -> Self {
        Self {
            registry: registry.to_owned(),
        }
    }

    /// Returns `REGISTRY/name` if that is a valid name; otherwise strips the registry `name`
    /// already has and returns `REGISTRY/rest`. This is why `praekeltorg/alpine-python` and
    /// `quay.io/org/img` only get the prefix, while `registry:5000/bar` loses its registry.
    pub(crate) fn generate_tag(&self, name: &str) -> Result<String, PlanError> {
        let joined = format!("{}/{}", self.registry, name);
        if docker_name(&joined).is_some() {
            return Ok(joined);
        }
        let stripped = docker_name(name).ok_or_else(|| PlanError::UnparsableName {
            name: name.to_owned(),
        })?;
        Ok(format!("{}/{}", self.registry, stripped.path))
    }
}

/// Checks a generated `name[:tag]` reference the way `docker tag` would, so that a bad
/// `--tag`, `--version` or `--registry` stops dcd before any docker command runs.
pub(crate) fn check_target(image: &str, name: &str, tag: Option<&str>) -> Result<(), PlanError> {
    let reference = join_image_tag(name, tag);
    if let Some(tag) = tag.filter(|tag| !tag.is_empty()) {
        if !grammar::is_tag(tag) {
            return Err(PlanError::InvalidTag {
                image: image.to_owned(),
                tag: tag.to_owned(),
            });
        }
    }
    if docker_name(name).is_none() {
        return Err(PlanError::InvalidName {
            image: image.to_owned(),
            name: name.to_owned(),
        });
    }
    if name.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(PlanError::NameTooLong {
            reference,
            name: name.to_owned(),
        });
    }
    // Docker takes a bare 64-digit hex string for an image ID, never for a repository.
    if grammar::is_identifier(&reference) {
        return Err(PlanError::InvalidName {
            image: image.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // 0.3.0's TestSplitImageTagFunc.
    #[test]
    fn split() {
        assert_eq!(
            split_image_tag("registry.example.com:5000/user/name:tag").unwrap(),
            (
                "registry.example.com:5000/user/name".to_owned(),
                Some("tag".to_owned())
            )
        );
    }

    #[test]
    fn split_no_tag() {
        assert_eq!(
            split_image_tag("registry.example.com:5000/user/name").unwrap(),
            ("registry.example.com:5000/user/name".to_owned(), None)
        );
    }

    #[test]
    fn split_no_registry() {
        assert_eq!(
            split_image_tag("user/name:tag").unwrap(),
            ("user/name".to_owned(), Some("tag".to_owned()))
        );
    }

    #[test]
    fn split_no_registry_or_tag() {
        assert_eq!(
            split_image_tag("user/name").unwrap(),
            ("user/name".to_owned(), None)
        );
    }

    #[test]
    fn split_tag_unparsable() {
        let err = split_image_tag("this:is:invalid/user:test/name:tag/").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to parse image tag 'this:is:invalid/user:test/name:tag/'"
        );
    }

    #[test]
    fn split_quirks() {
        /// An input and its name and tag, or `None` when it does not parse.
        type Case<'a> = (&'a str, Option<(&'a str, Option<&'a str>)>);
        let cases: &[Case] = &[
            ("localhost:5000", Some(("localhost", Some("5000")))),
            ("Foo/bar:1", Some(("Foo/bar", Some("1")))),
            ("MyImage", None),
            ("img:.bad", None),
            ("img:-bad", None),
            ("", None),
            ("img\n", None),
            // Docker's tags are ASCII; 0.3.0's Python regex was not.
            ("img:café", None),
            ("[::1]:5000/img:1", None),
        ];
        for (input, expected) in cases {
            let got = split_image_tag(input).ok();
            let expected = expected.map(|(n, t)| (n.to_owned(), t.map(str::to_owned)));
            assert_eq!(got, expected, "{input:?}");
        }
        let long_tag = format!("img:{}", "a".repeat(128));
        assert!(split_image_tag(&long_tag).is_ok());
        let too_long_tag = format!("img:{}", "a".repeat(129));
        assert!(split_image_tag(&too_long_tag).is_err());
    }

    #[test]
    fn digests_are_sources() {
        let hex = "a".repeat(64);
        let parsed = parse_source(&format!("img:1@sha256:{hex}")).unwrap();
        assert_eq!(parsed.name, "img");
        assert_eq!(parsed.tag.as_deref(), Some("1"));
        assert_eq!(parsed.digest, Some(format!("sha256:{hex}")));
        // 0.3.0 parsed no digest at all, so `split_image_tag` keeps refusing them.
        assert!(split_image_tag(&format!("img@sha256:{hex}")).is_err());
        let err = parse_source(&format!("img@sha256:{}", "a".repeat(40))).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "unsupported digest `sha256:{}` in `img@sha256:{}`: Docker accepts sha256, sha384 or sha512 with 64, 96 or 128 lower-case hex digits",
                "a".repeat(40),
                "a".repeat(40)
            )
        );
    }

    // 0.3.0's TestJoinImageTagFunc.
    #[test]
    fn join() {
        assert_eq!(join_image_tag("bar", Some("foo")), "bar:foo");
        assert_eq!(join_image_tag("bar", None), "bar");
        assert_eq!(join_image_tag("bar", Some("")), "bar");
    }

    // 0.3.0's TestRegistryTagger.
    #[test]
    fn registry_image_without_registry() {
        let tagger = RegistryTagger::new("registry:5000");
        assert_eq!(tagger.generate_tag("bar").unwrap(), "registry:5000/bar");
    }

    #[test]
    fn registry_image_with_registry() {
        let tagger = RegistryTagger::new("registry2:5000");
        assert_eq!(
            tagger.generate_tag("registry:5000/bar").unwrap(),
            "registry2:5000/bar"
        );
    }

    #[test]
    fn registry_image_might_have_registry() {
        let tagger = RegistryTagger::new("registry:5000");
        assert_eq!(
            tagger.generate_tag("praekeltorg/alpine-python").unwrap(),
            "registry:5000/praekeltorg/alpine-python"
        );
    }

    #[test]
    fn registry_image_unparsable() {
        let tagger = RegistryTagger::new("registry:5000");
        let err = tagger.generate_tag("foo:5000:port/name").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to parse image name 'foo:5000:port/name'"
        );
    }

    #[test]
    fn registry_rewrites() {
        let cases = [
            ("localhost:5000/img", "reg:5000", "reg:5000/img"),
            ("quay.io/org/img", "my.reg", "my.reg/quay.io/org/img"),
            (
                "docker.io/library/nginx",
                "reg",
                "reg/docker.io/library/nginx",
            ),
            ("localhost/img", "my.reg", "my.reg/localhost/img"),
            ("Quay.IO/org/img", "my.reg", "my.reg/org/img"),
            ("img", "ghcr.io/org", "ghcr.io/org/img"),
            ("img", "reg:5000/", "reg:5000//img"),
            ("reg:5000/img", "reg:5000", "reg:5000/img"),
            ("a/b", "[::1]", "[::1]/b"),
        ];
        for (name, registry, expected) in cases {
            let got = RegistryTagger::new(registry).generate_tag(name).unwrap();
            assert_eq!(got, expected, "{name} with {registry}");
        }
    }

    #[test]
    fn targets_docker_would_reject() {
        let bad = [
            ("img", Some("bad tag!")),
            ("img", Some("1.2.3+build.5")),
            ("img", Some(".x")),
            ("reg:5000//img", Some("1")),
            ("https://reg.io/img", Some("1")),
            ("Img", None),
        ];
        for (name, tag) in bad {
            assert!(check_target("src", name, tag).is_err(), "{name} {tag:?}");
        }
        let good = [
            ("img", Some("1.2.3-alpine")),
            ("127.0.0.1:5000/img", Some("latest")),
            ("img", None),
            ("img", Some("")),
        ];
        for (name, tag) in good {
            assert!(check_target("src", name, tag).is_ok(), "{name} {tag:?}");
        }
        assert!(check_target("src", &"a".repeat(64), None).is_err());
        // Docker 20.10's grammar has no IPv6 registries; the shared grammar does.
        assert!(check_target("src", "[::1]:5000/img", Some("1")).is_err());
        assert!(check_target("src", &"a".repeat(256), None).is_err());
    }
}

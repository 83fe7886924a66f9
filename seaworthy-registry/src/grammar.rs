//! Docker's image reference grammar, as written: `[DOMAIN/]PATH[:TAG][@DIGEST]`, split
//! without normalisation.
//!
//! This is the one grammar of the workspace: [`Reference::parse`](crate::Reference::parse)
//! normalises a reference and then checks it here, and dcd checks the references it gives the
//! docker CLI here. It is the ASCII grammar of `github.com/distribution/reference`:
//!
//! * a domain is `host[.host…][:PORT]` or an IPv6 literal `[…][:PORT]` (the grammar of
//!   Docker 20.10 had no IPv6 literals; [`NameParts::domain_is_ipv6`] tells them apart);
//! * a path is lower-case components separated by `/`, each split by `.`, `_`, `__` or
//!   dashes;
//! * a tag is 1 to 128 ASCII letters, digits, `_`, `.` and `-`, not starting with `.` or
//!   `-`;
//! * a digest is `ALGORITHM:HEX` with at least 32 hex digits.
//!
//! The first component of a name is its domain whenever it can be one (`a/b`: domain `a`,
//! path `b`); deciding whether it *is* a registry (the docker CLI's "has a `.` or a `:`, or is
//! `localhost`") is normalisation, done by [`Reference`](crate::Reference).

use std::sync::LazyLock;

use regex::Regex;

/// The longest repository name (domain and path) Docker accepts (`NameTotalLengthMax`).
pub const NAME_TOTAL_LENGTH_MAX: usize = 255;

const DOMAIN: &str = concat!(
    r"(?:",
    r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])",
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*",
    r"|\[[a-fA-F0-9:]+\]",
    r")(?::[0-9]+)?"
);
const PATH_COMPONENT: &str = r"[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*";
const TAG: &str = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST: &str = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

/// `[DOMAIN/]PATH`: group 1 the domain, group 2 the path.
fn name_pattern() -> String {
    format!(r"(?:({DOMAIN})/)?({PATH_COMPONENT}(?:/{PATH_COMPONENT})*)")
}

/// A whole reference: group 1 the name, 2 the domain, 3 the path, 4 the tag, 5 the digest.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\A({})(?::({TAG}))?(?:@({DIGEST}))?\z",
        name_pattern()
    ))
    .expect("the reference grammar is a valid regex")
});

/// A whole name: group 1 the domain, 2 the path.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\A{}\z", name_pattern())).expect("the name grammar is a valid regex")
});

/// A whole tag.
static TAG_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\A{TAG}\z")).expect("the tag grammar is a valid regex"));

/// A repository name split by the grammar: `[DOMAIN/]PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NameParts<'a> {
    /// The first component, when it can be a domain and a path follows it.
    pub domain: Option<&'a str>,
    /// The rest.
    pub path: &'a str,
}

impl NameParts<'_> {
    /// Whether the domain is an IPv6 literal (`[::1]:5000`), which Docker 20.10's grammar
    /// refused.
    pub fn domain_is_ipv6(&self) -> bool {
        self.domain.is_some_and(|domain| domain.starts_with('['))
    }
}

/// A reference split by the grammar: `NAME[:TAG][@DIGEST]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReferenceParts<'a> {
    /// The repository name, as written (with its domain, if any).
    pub name: &'a str,
    /// The name's domain and path.
    pub name_parts: NameParts<'a>,
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest (`ALGORITHM:HEX`), if any.
    pub digest: Option<&'a str>,
}

/// Splits `reference` if it is one: `NAME[:TAG][@DIGEST]`. The name's length is not checked
/// (see [`NAME_TOTAL_LENGTH_MAX`]).
///
/// ```
/// use seaworthy_registry::grammar::split_reference;
///
/// let parts = split_reference("localhost:5000/team/app:1.2").unwrap();
/// assert_eq!(parts.name, "localhost:5000/team/app");
/// assert_eq!(parts.name_parts.domain, Some("localhost:5000"));
/// assert_eq!(parts.tag, Some("1.2"));
/// assert!(split_reference("App:1").is_none());
/// ```
pub fn split_reference(reference: &str) -> Option<ReferenceParts<'_>> {
    let captures = REFERENCE.captures(reference)?;
    let text = |group| captures.get(group).map(|m| m.as_str());
    Some(ReferenceParts {
        name: text(1)?,
        name_parts: NameParts {
            domain: text(2),
            path: text(3)?,
        },
        tag: text(4),
        digest: text(5),
    })
}

/// Splits `name` if it is a repository name: `[DOMAIN/]PATH`, nothing else.
pub fn split_name(name: &str) -> Option<NameParts<'_>> {
    let captures = NAME.captures(name)?;
    Some(NameParts {
        domain: captures.get(1).map(|m| m.as_str()),
        path: captures.get(2)?.as_str(),
    })
}

/// Whether `tag` is a tag Docker accepts.
pub fn is_tag(tag: &str) -> bool {
    TAG_ONLY.is_match(tag)
}

/// Whether `text` is a 64-hex-digit image ID, which Docker never takes for a repository name.
pub fn is_identifier(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let reference = format!("[::1]:5000/a/b:t@{digest}");
        let parts = split_reference(&reference).unwrap();
        assert_eq!(parts.name, "[::1]:5000/a/b");
        assert_eq!(parts.name_parts.domain, Some("[::1]:5000"));
        assert!(parts.name_parts.domain_is_ipv6());
        assert_eq!(parts.name_parts.path, "a/b");
        assert_eq!(parts.tag, Some("t"));
        assert_eq!(parts.digest, Some(digest.as_str()));
        // The first component is a domain whenever it can be one.
        let parts = split_reference("a/b").unwrap();
        assert_eq!(
            (parts.name_parts.domain, parts.name_parts.path),
            (Some("a"), "b")
        );
        assert!(!parts.name_parts.domain_is_ipv6());
        assert_eq!(split_reference("Foo/bar:1").unwrap().name, "Foo/bar");
        let parts = split_reference("localhost:5000").unwrap();
        assert_eq!((parts.name, parts.tag), ("localhost", Some("5000")));
        for bad in [
            "",
            "MyImage",
            "img\n",
            "img:.x",
            "img:-x",
            "img:café",
            "a//b",
            "img@sha256:abc",
            "this:is:invalid/user:test/name:tag/",
        ] {
            assert!(split_reference(bad).is_none(), "{bad:?}");
        }
        assert!(split_reference(&format!("img:{}", "x".repeat(128))).is_some());
        assert!(split_reference(&format!("img:{}", "x".repeat(129))).is_none());
    }

    #[test]
    fn names_tags_and_identifiers() {
        assert_eq!(
            split_name("registry:5000/bar"),
            Some(NameParts {
                domain: Some("registry:5000"),
                path: "bar"
            })
        );
        assert_eq!(
            split_name("bar"),
            Some(NameParts {
                domain: None,
                path: "bar"
            })
        );
        for bad in ["foo:5000:port/name", "reg:5000//img", "Img", "img:1"] {
            assert!(split_name(bad).is_none(), "{bad}");
        }
        assert!(is_tag("1.2.3-alpine") && is_tag("_x") && !is_tag("1.2.3+b") && !is_tag(""));
        assert!(is_identifier(&"ab".repeat(32)));
        assert!(!is_identifier(&"AB".repeat(32)) && !is_identifier(&"a".repeat(63)));
    }
}

//! Semantic versions and their precedence, as the semver 2.0.0 spec orders them (prereleases
//! included), for `--only-forward`.
//!
//! One leniency: the core may have 1 to 3 numbers (`2`, `2.0`), the missing ones counting as
//! `0`, because dcd's users tag with versions such as `-V 2.0`. Tags that are not versions
//! (`latest`, `sha-abc`, `v1.2.3`, `01.2.3`) do not parse.

use std::cmp::Ordering;
use std::fmt;

/// A prerelease identifier: numeric ones sort below alphanumeric ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    Numeric(u64),
    Alphanumeric(String),
}

/// A parsed version, shown as it was written.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    core: [u64; 3],
    pre: Vec<Identifier>,
    text: String,
}

fn numeric(part: &str) -> Option<u64> {
    let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = part.len() > 1 && part.starts_with('0');
    if digits && !leading_zero {
        part.parse().ok()
    } else {
        None
    }
}

fn identifiers_ok(text: &str) -> bool {
    text.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

impl Version {
    /// Parses `MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (rest, build) = match text.split_once('+') {
            Some((rest, build)) => (rest, Some(build)),
            None => (text, None),
        };
        if build.is_some_and(|build| !identifiers_ok(build)) {
            return None;
        }
        let (core_text, pre_text) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let parts: Vec<&str> = core_text.split('.').collect();
        if parts.len() > 3 {
            return None;
        }
        let mut core = [0; 3];
        for (slot, part) in core.iter_mut().zip(&parts) {
            *slot = numeric(part)?;
        }
        let pre = match pre_text {
            None => Vec::new(),
            Some(pre) if identifiers_ok(pre) => pre
                .split('.')
                .map(|id| {
                    if id.bytes().all(|b| b.is_ascii_digit()) {
                        numeric(id).map(Identifier::Numeric)
                    } else {
                        Some(Identifier::Alphanumeric(id.to_owned()))
                    }
                })
                .collect::<Option<_>>()?,
            Some(_) => return None,
        };
        Some(Self {
            core,
            pre,
            text: text.to_owned(),
        })
    }

    /// Whether it is a prerelease (`1.0.0-rc.1`).
    pub(crate) fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// Whether its core starts with `line`'s numbers (`1.2.9` is in the lines `1.2`, `1`
    /// and ``).
    pub(crate) fn in_line(&self, line: &[u64]) -> bool {
        line.len() <= 3 && self.core[..line.len()] == *line
    }
}

/// The numbers of a floating tag's line (`1.2` → `[1, 2]`, `` → `[]`); `None` when it is not
/// made of numbers.
pub(crate) fn line(text: &str) -> Option<Vec<u64>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split('.').map(numeric).collect()
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    /// semver precedence: the core, then a release above its prereleases, then the
    /// prerelease identifiers one by one (a shorter list first when one is a prefix of the
    /// other). Build metadata does not count.
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn the_specs_precedence_example() {
        // semver.org, item 11.
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0.0+build.1"), v("1.0.0"));
        assert!(v("1.10.0") > v("1.9.0"));
    }

    #[test]
    fn short_cores_and_non_versions() {
        assert_eq!(v("2"), v("2.0.0"));
        assert_eq!(v("2.1"), v("2.1.0"));
        assert!(v("1.2.3-alpine").is_prerelease());
        for text in [
            "latest",
            "v1.2.3",
            "01.2.3",
            "1.2.3.4",
            "",
            "1..2",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3-01",
            "1.2.3+",
            "sha-abc",
        ] {
            assert!(Version::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn lines() {
        assert_eq!(line("1.2"), Some(vec![1, 2]));
        assert_eq!(line(""), Some(vec![]));
        assert_eq!(line("1.2.3-rc"), None);
        assert!(v("1.2.9").in_line(&[1, 2]));
        assert!(v("1.2.9").in_line(&[]));
        assert!(!v("1.3.0").in_line(&[1, 2]));
    }
}

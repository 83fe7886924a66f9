//! Versions: `--version-semver`'s expansion of `1.2.3` into `1.2.3`, `1.2`, `1`, and 0.3.0's
//! `VersionTagger`, which puts the versions in front of a tag.

use crate::errors::PlanError;

/// Python's `\w` on `str`: letters, digits and `_` (Unicode-aware, as in 0.3.0).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Cuts the last part off a version, as `re.sub(r'[.-]?\w+$', '', version)` does: the last run
/// of word characters plus at most one `.` or `-` before it. `None` when the version does not
/// end in a word character; 0.3.0 then looped forever.
fn cut_last_part(version: &str) -> Option<&str> {
    let word_start = version
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map(|(i, _)| i)?;
    let rest = &version[..word_start];
    Some(
        rest.strip_suffix('.')
            .or_else(|| rest.strip_suffix('-'))
            .unwrap_or(rest),
    )
}

/// 0.3.0's `generate_semver_versions`: the version and each shorter version cut from it,
/// longest first, keeping at least `precision` parts (a precision below 1 acts as 1), and
/// leaving out a lone major version `0` unless `zero`.
///
/// This is not a semver parser: `5.5.0-alpha` gives `5.5.0-alpha`, `5.5.0`, `5.5`, `5`. A
/// version with a part that does not end in a letter, digit or `_` (`1.2.3+build.5`, `1.2.`,
/// `1..2`) is an error here, where 0.3.0 hung.
pub(crate) fn generate_semver_versions(
    version: &str,
    precision: i128,
    zero: bool,
) -> Result<Vec<String>, PlanError> {
    let mut versions = Vec::new();
    let mut remaining = version;
    while !remaining.is_empty() {
        versions.push(remaining.to_owned());
        remaining = cut_last_part(remaining).ok_or_else(|| PlanError::UnexpandableVersion {
            version: version.to_owned(),
            stuck: remaining.to_owned(),
        })?;
    }

    let parts = versions.len();
    if precision > i128::try_from(parts).unwrap_or(i128::MAX) {
        return Err(PlanError::PrecisionTooHigh {
            precision,
            version: version.to_owned(),
            parts,
        });
    }
    // Here precision <= parts, so it fits in usize; below 2 it keeps everything.
    if let Ok(precision @ 2..) = usize::try_from(precision) {
        versions.truncate(parts + 1 - precision);
    }
    if !zero && versions.len() > 1 && versions.last().is_some_and(|v| v == "0") {
        versions.pop();
    }
    Ok(versions)
}

/// What a generated tag stands for, which decides how it may move in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// The full version (`1.2.3`, `1.2.3-alpine`): never moved to another digest without
    /// `--force`.
    Exact,
    /// A shorter version or the tag without a version (`1.2`, `1`, `latest`, `alpine`): with
    /// `--only-forward` it moves only to the highest release of its line.
    Floating {
        /// The version it stands for (`1.2`, `1`; empty for the tag without a version).
        line: String,
        /// The variant after the version (`alpine` in `1.2-alpine`), if any.
        variant: Option<String>,
    },
    /// No version is involved (`--tag` or the image's own tag without `--version`).
    Plain,
}

/// 0.3.0's `VersionTagger`: puts each version in front of a tag.
#[derive(Debug, Clone)]
pub(crate) struct VersionTagger {
    versions: Vec<String>,
    latest: bool,
}

impl VersionTagger {
    /// A tagger for `versions` (longest first); with `latest`, the tag without a version (or
    /// `latest`) is made too.
    pub(crate) fn new(versions: Vec<String>, latest: bool) -> Self {
        Self { versions, latest }
    }

    /// The tags for one base tag: a version already at the front of `tag` is replaced, a
    /// missing, empty or `latest` tag becomes the bare versions, and with `latest` the tag
    /// without its version comes last (`latest` if nothing is left).
    #[cfg(test)]
    pub(crate) fn generate_tags(&self, tag: Option<&str>) -> Vec<String> {
        self.generate_tags_with_roles(tag)
            .into_iter()
            .map(|(tag, _)| tag)
            .collect()
    }

    /// [`generate_tags`](Self::generate_tags), with what each tag stands for: the first
    /// version is the exact one, the shorter versions and the tag without a version float.
    pub(crate) fn generate_tags_with_roles(&self, tag: Option<&str>) -> Vec<(String, Role)> {
        let stripped = tag.map(|tag| self.strip_version(tag));
        let variant = stripped.filter(|rest| !rest.is_empty() && *rest != "latest");
        let role = |i: usize, version: &str| {
            if i == 0 {
                Role::Exact
            } else {
                Role::Floating {
                    line: version.to_owned(),
                    variant: variant.map(str::to_owned),
                }
            }
        };
        let mut tags: Vec<(String, Role)> = match variant {
            Some(rest) => self
                .versions
                .iter()
                .enumerate()
                .map(|(i, version)| (format!("{version}-{rest}"), role(i, version)))
                .collect(),
            None => self
                .versions
                .iter()
                .enumerate()
                .map(|(i, version)| (version.clone(), role(i, version)))
                .collect(),
        };
        if self.latest {
            let latest = stripped.filter(|rest| !rest.is_empty()).unwrap_or("latest");
            tags.push((
                latest.to_owned(),
                Role::Floating {
                    line: String::new(),
                    variant: variant.map(str::to_owned),
                },
            ));
        }
        tags
    }

    /// Strips the first (longest) version that is the tag or followed by `-` at its front.
    fn strip_version<'a>(&self, tag: &'a str) -> &'a str {
        for version in &self.versions {
            if tag == version {
                return "";
            }
            if let Some(rest) = tag
                .strip_prefix(version.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
            {
                return rest;
            }
        }
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn semver(version: &str, precision: i128, zero: bool) -> Vec<String> {
        generate_semver_versions(version, precision, zero).unwrap()
    }

    // 0.3.0's TestGenerateSemverVersionsFunc.
    #[test]
    fn standard_version() {
        assert_eq!(semver("5.4.1", 1, false), ["5.4.1", "5.4", "5"]);
    }

    #[test]
    fn extended_version() {
        assert_eq!(
            semver("5.5.0-alpha", 1, false),
            ["5.5.0-alpha", "5.5.0", "5.5", "5"]
        );
    }

    #[test]
    fn one_version_part() {
        assert_eq!(semver("foo", 1, false), ["foo"]);
    }

    #[test]
    fn precision_less_than_version() {
        assert_eq!(semver("3.5.3", 2, false), ["3.5.3", "3.5"]);
    }

    #[test]
    fn precision_equal_to_version() {
        assert_eq!(semver("3.5.3", 3, false), ["3.5.3"]);
    }

    #[test]
    fn precision_greater_than_version() {
        let err = generate_semver_versions("3.5.3", 4, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The minimum precision (4) is greater than the precision of version '3.5.3' (3)"
        );
    }

    #[test]
    fn huge_precision() {
        let err = generate_semver_versions("1", 99_999_999_999_999_999_999, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The minimum precision (99999999999999999999) is greater than the precision of version '1' (1)"
        );
    }

    #[test]
    fn does_not_generate_zero() {
        assert_eq!(semver("0.6.11", 1, false), ["0.6.11", "0.6"]);
    }

    #[test]
    fn zero_true() {
        assert_eq!(semver("0.6.11", 1, true), ["0.6.11", "0.6", "0"]);
    }

    #[test]
    fn does_generate_zero_if_only_zero() {
        assert_eq!(semver("0", 1, false), ["0"]);
    }

    // The reference's table of verified results (§1.6.4).
    #[test]
    fn reference_table() {
        let cases: &[(&str, i128, bool, &[&str])] = &[
            (
                "8.7.1-jessie",
                1,
                false,
                &["8.7.1-jessie", "8.7.1", "8.7", "8"],
            ),
            (
                "1.2.3-rc.1",
                1,
                false,
                &["1.2.3-rc.1", "1.2.3-rc", "1.2.3", "1.2", "1"],
            ),
            ("v1.2.3", 1, false, &["v1.2.3", "v1.2", "v1"]),
            ("2017-01-01", 1, false, &["2017-01-01", "2017-01", "2017"]),
            ("1-2-3", 1, false, &["1-2-3", "1-2", "1"]),
            ("1.2.3_4", 1, false, &["1.2.3_4", "1.2", "1"]),
            (".1", 1, false, &[".1"]),
            ("0-alpha", 1, false, &["0-alpha"]),
            ("0.0.0", 1, false, &["0.0.0", "0.0"]),
            ("0.0.1", 1, true, &["0.0.1", "0.0", "0"]),
            ("1.0", 2, false, &["1.0"]),
            ("0.1.0", 2, false, &["0.1.0", "0.1"]),
            ("1.2.3", 3, true, &["1.2.3"]),
            ("10.0.0", 1, false, &["10.0.0", "10.0", "10"]),
            ("1.2.3", 0, false, &["1.2.3", "1.2", "1"]),
            ("1.2.3", -1, false, &["1.2.3", "1.2", "1"]),
            ("1.2.3", i128::MIN, false, &["1.2.3", "1.2", "1"]),
        ];
        for (version, precision, zero, expected) in cases {
            assert_eq!(
                semver(version, *precision, *zero),
                *expected,
                "{version} -P {precision} zero={zero}"
            );
        }
    }

    #[test]
    fn unexpandable_versions_are_errors() {
        let cases = [
            ("1.2.3+build.5", "1.2.3+"),
            ("1.2.", "1.2."),
            ("1..2", "1."),
            ("a.", "a."),
            ("1+2", "1+"),
        ];
        for (version, stuck) in cases {
            assert_eq!(
                generate_semver_versions(version, 1, false),
                Err(PlanError::UnexpandableVersion {
                    version: version.to_owned(),
                    stuck: stuck.to_owned(),
                }),
                "{version}"
            );
        }
        assert_eq!(
            generate_semver_versions("1..2", 1, false)
                .unwrap_err()
                .to_string(),
            "cannot expand version `1..2` with --version-semver: `1.` does not end in a letter, digit or `_`"
        );
    }

    fn tagger(versions: &[&str], latest: bool) -> VersionTagger {
        VersionTagger::new(versions.iter().map(|v| (*v).to_owned()).collect(), latest)
    }

    // 0.3.0's TestVersionTagger.
    #[test]
    fn version_tagger() {
        /// Versions, `latest`, the base tag and the tags expected.
        type Case<'a> = (&'a [&'a str], bool, Option<&'a str>, &'a [&'a str]);
        let cases: &[Case] = &[
            (&["1.2.3"], false, Some("foo"), &["1.2.3-foo"]),
            (
                &["1.2.3", "1.2", "1"],
                false,
                Some("1.2-foo"),
                &["1.2.3-foo", "1.2-foo", "1-foo"],
            ),
            (
                &["1.2.3", "1.2", "1"],
                false,
                Some("1"),
                &["1.2.3", "1.2", "1"],
            ),
            (&["1.2.3"], false, None, &["1.2.3"]),
            (&["1.2.3"], false, Some("latest"), &["1.2.3"]),
            (&["1.2.3"], true, Some("foo"), &["1.2.3-foo", "foo"]),
            (&["1.2.3"], true, Some("1.2.3-foo"), &["1.2.3-foo", "foo"]),
            (&["1.2.3"], true, Some("1.2.3"), &["1.2.3", "latest"]),
            (&["1.2.3"], true, None, &["1.2.3", "latest"]),
            (&["1.2.3"], true, Some("latest"), &["1.2.3", "latest"]),
            // Only a prefix followed by `-` is a version (§1.6.5).
            (
                &["1.2.3"],
                false,
                Some("alpine-1.2.3"),
                &["1.2.3-alpine-1.2.3"],
            ),
            (&["1.2.3"], false, Some("1.2.30"), &["1.2.3-1.2.30"]),
            (&["1.2"], false, Some("1.2.3"), &["1.2-1.2.3"]),
            (&["v1.2.3"], false, Some("1.2.3-foo"), &["v1.2.3-1.2.3-foo"]),
            (&["1.2.3"], true, Some(""), &["1.2.3", "latest"]),
        ];
        for (versions, latest, tag, expected) in cases {
            assert_eq!(
                tagger(versions, *latest).generate_tags(*tag),
                *expected,
                "{versions:?} latest={latest} tag={tag:?}"
            );
        }
    }
}

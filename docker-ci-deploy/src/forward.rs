//! `--only-forward`: which floating tags (`latest`, `1`, `1.2`, `alpine`, `1.2-alpine`) may
//! move to this version, given the tags already in the target repository.
//!
//! A floating tag moves only when no release already in the repository, in the tag's line
//! (`1.2` for `1.2`, `1` for `1`, every version for `latest`) and with the tag's variant, is
//! higher than this version, and never to a prerelease. The exact version tag always goes.
//! Tags that are not versions are ignored; semver precedence decides ([`crate::semver`]).

use crate::plan::{ImageTargets, Target};
use crate::semver::{line, Version};
use crate::version::Role;

/// A target held back, and why (the line dcd prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    /// The image argument it was made for.
    pub(crate) image: String,
    /// The reference that was not moved.
    pub(crate) reference: String,
    /// `REF stays at 1.3.0 (higher than 1.2.9)`.
    pub(crate) reason: String,
}

/// The releases among `tags` in `line` with `variant`, highest first.
fn highest_release(tags: &[String], line: &[u64], variant: Option<&str>) -> Option<Version> {
    tags.iter()
        .filter_map(|tag| match variant {
            Some(variant) => tag.strip_suffix(variant)?.strip_suffix('-'),
            None => Some(tag.as_str()),
        })
        .filter_map(Version::parse)
        .filter(|v| !v.is_prerelease() && v.in_line(line))
        // Of equal versions (`1.3` and `1.3.0`), the one written out in full is shown.
        .max_by(|a, b| {
            a.cmp(b)
                .then_with(|| a.to_string().len().cmp(&b.to_string().len()))
        })
}

/// Whether the floating `target` moves to `version`, given the repository's `tags`:
/// `Err(reason)` when it stays.
pub(crate) fn decide(
    version: &Version,
    target: &str,
    floating_line: &str,
    variant: Option<&str>,
    tags: &[String],
) -> Result<(), String> {
    if version.is_prerelease() {
        return Err(format!("{target} stays: {version} is a prerelease"));
    }
    let Some(numbers) = line(floating_line) else {
        return Err(format!(
            "{target} stays: its version `{floating_line}` is not a version line of {version}"
        ));
    };
    match highest_release(tags, &numbers, variant) {
        Some(highest) if highest > *version => Err(format!(
            "{target} stays at {highest} (higher than {version})"
        )),
        _ => Ok(()),
    }
}

/// Removes the floating targets that must stay from `tag_map`; `tags` gives the tags of a
/// target's repository (or why they cannot be read: then its floating tags stay too).
pub(crate) fn hold_back(
    tag_map: &mut [ImageTargets],
    version: &Version,
    mut tags: impl FnMut(&str) -> Result<Vec<String>, String>,
) -> Vec<Held> {
    let mut held = Vec::new();
    for ImageTargets { image, targets } in tag_map.iter_mut() {
        targets.retain(|Target { reference, role }| {
            let Role::Floating { line, variant } = role else {
                return true;
            };
            let decision = tags(reference)
                .and_then(|tags| decide(version, reference, line, variant.as_deref(), &tags));
            match decision {
                Ok(()) => true,
                Err(reason) => {
                    held.push(Held {
                        image: image.clone(),
                        reference: reference.clone(),
                        reason,
                    });
                    false
                }
            }
        });
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    fn v(text: &str) -> Version {
        Version::parse(text).expect("a version")
    }

    #[test]
    fn a_hotfix_of_an_older_line_moves_only_its_own_line() {
        let repo = tags(&["1.2.8", "1.3.0", "1.3", "1", "1.2", "latest", "sha-abc"]);
        let hotfix = v("1.2.9");
        assert_eq!(
            decide(&hotfix, "app:latest", "", None, &repo),
            Err("app:latest stays at 1.3.0 (higher than 1.2.9)".to_owned())
        );
        assert_eq!(
            decide(&hotfix, "app:1", "1", None, &repo),
            Err("app:1 stays at 1.3.0 (higher than 1.2.9)".to_owned())
        );
        assert_eq!(decide(&hotfix, "app:1.2", "1.2", None, &repo), Ok(()));
        // The highest itself, again, and a newer one move.
        assert_eq!(decide(&v("1.3.0"), "app:latest", "", None, &repo), Ok(()));
        assert_eq!(decide(&v("1.4.0"), "app:latest", "", None, &repo), Ok(()));
        assert_eq!(decide(&v("1.0.0"), "app:latest", "", None, &[]), Ok(()));
    }

    #[test]
    fn prereleases_never_move_floating_tags_and_do_not_count() {
        let repo = tags(&["1.0.0", "2.0.0-rc.1"]);
        assert_eq!(decide(&v("1.1.0"), "app:latest", "", None, &repo), Ok(()));
        assert_eq!(
            decide(&v("2.0.0-rc.2"), "app:latest", "", None, &repo),
            Err("app:latest stays: 2.0.0-rc.2 is a prerelease".to_owned())
        );
    }

    #[test]
    fn variants_compare_within_their_variant() {
        let repo = tags(&["1.3.0-alpine", "1.2.0", "alpine", "1.3.0-slim"]);
        assert_eq!(
            decide(&v("1.2.9"), "app:alpine", "", Some("alpine"), &repo),
            Err("app:alpine stays at 1.3.0 (higher than 1.2.9)".to_owned())
        );
        assert_eq!(decide(&v("1.2.9"), "app:latest", "", None, &repo), Ok(()));
        assert_eq!(
            decide(&v("1.2.9"), "app:1.2-alpine", "1.2", Some("alpine"), &repo),
            Ok(())
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Repository tags: releases, prereleases, floating tags and tags that are no versions.
    fn repo_tag() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..3, 0u64..3, 0u64..3).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
            (0u64..3, 0u64..3, 0u64..3, "(alpha|beta|rc)(\\.[0-9])?")
                .prop_map(|(a, b, c, pre)| format!("{a}.{b}.{c}-{pre}")),
            (0u64..3, 0u64..3).prop_map(|(a, b)| format!("{a}.{b}")),
            prop::sample::select(vec![
                "latest".to_owned(),
                "sha-abc".to_owned(),
                "v9.9.9".to_owned()
            ]),
        ]
    }

    proptest! {
        /// `latest` and the major and minor lines move exactly when no release of their line
        /// in the repository is higher (the releases compared by their three numbers).
        #[test]
        fn floating_tags_move_exactly_when_nothing_higher_is_released(
            tags in prop::collection::vec(repo_tag(), 0..8),
            (a, b, c) in (0u64..3, 0u64..3, 0u64..3),
        ) {
            let version = Version::parse(&format!("{a}.{b}.{c}")).expect("a version");
            let releases: Vec<[u64; 3]> = tags
                .iter()
                .filter(|t| !t.contains('-') && !t.starts_with('v'))
                .filter_map(|t| {
                    let n: Vec<u64> = t.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
                    Some([n[0], *n.get(1).unwrap_or(&0), *n.get(2).unwrap_or(&0)])
                })
                .collect();
            for (line, prefix) in [("".to_owned(), 0), (format!("{a}"), 1), (format!("{a}.{b}"), 2)] {
                let higher = releases
                    .iter()
                    .any(|r| r[..prefix] == [a, b, c][..prefix] && *r > [a, b, c]);
                let moved = decide(&version, "app:x", &line, None, &tags).is_ok();
                prop_assert_eq!(moved, !higher, "line {:?} of {:?}", line, tags);
            }
        }
    }
}

//! `--git-tag-version`: the version is the git tag the CI build is for.
//!
//! Where the tag comes from, first match wins:
//!
//! 1. GitHub Actions: `GITHUB_REF=refs/tags/TAG`, or `GITHUB_REF_TYPE=tag` with
//!    `GITHUB_REF_NAME=TAG`;
//! 2. GitLab CI: `CI_COMMIT_TAG`;
//! 3. Travis CI: `TRAVIS_TAG`;
//! 4. otherwise, when none of those CI systems is detected (`GITHUB_ACTIONS`, `GITLAB_CI`,
//!    `TRAVIS`): `git describe --exact-match --tags` in the current directory.
//!
//! A CI system that is detected but builds no tag is an error (rather than asking git, whose
//! checkout may carry an unrelated tag). A leading `v` followed by a digit is removed
//! (`v1.2.3` → `1.2.3`), as docker/metadata-action's `{{version}}` does.

use std::process::Command;

/// Why the version cannot be taken from the CI context; shown as one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--git-tag-version: {0}")]
pub(crate) struct CiVersionError(String);

/// The version for `--git-tag-version`, from the process's environment or git.
pub(crate) fn from_environment() -> Result<String, CiVersionError> {
    resolve(&|name| std::env::var(name).ok(), &git_describe)
}

/// `git describe --exact-match --tags`: the tag, or why there is none.
fn git_describe() -> Result<String, String> {
    // prerequisite: none (the user's git, for --git-tag-version in their CI; tests stand in for it)
    let output = Command::new("git")
        .args(["describe", "--exact-match", "--tags"])
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr
            .lines()
            .next()
            .unwrap_or("git describe failed")
            .trim()
            .to_owned())
    }
}

/// [`from_environment`] with the environment and git given.
pub(crate) fn resolve(
    env: &dyn Fn(&str) -> Option<String>,
    git: &dyn Fn() -> Result<String, String>,
) -> Result<String, CiVersionError> {
    let var = |name: &str| env(name).filter(|value| !value.is_empty());
    let tag = if let Some(tag) =
        var("GITHUB_REF").and_then(|r| r.strip_prefix("refs/tags/").map(str::to_owned))
    {
        tag
    } else if var("GITHUB_REF_TYPE").as_deref() == Some("tag") && var("GITHUB_REF_NAME").is_some() {
        var("GITHUB_REF_NAME").unwrap_or_default()
    } else if let Some(tag) = var("CI_COMMIT_TAG") {
        tag
    } else if let Some(tag) = var("TRAVIS_TAG") {
        tag
    } else if var("GITHUB_ACTIONS").is_some() || var("GITHUB_REF").is_some() {
        return Err(CiVersionError(format!(
            "this GitHub Actions build is not for a tag (GITHUB_REF is `{}`); run dcd in a workflow triggered by a tag push",
            var("GITHUB_REF").unwrap_or_default()
        )));
    } else if var("GITLAB_CI").is_some() {
        return Err(CiVersionError(
            "this GitLab CI pipeline is not for a tag (CI_COMMIT_TAG is not set); run dcd in a tag pipeline"
                .to_owned(),
        ));
    } else if var("TRAVIS").is_some() {
        return Err(CiVersionError(
            "this Travis CI build is not for a tag (TRAVIS_TAG is empty); run dcd in a tag build"
                .to_owned(),
        ));
    } else {
        git().map_err(|reason| {
            CiVersionError(format!(
                "no CI tag variable is set and HEAD is not at a tag (git describe --exact-match --tags: {reason}); pass --version instead"
            ))
        })?
    };
    Ok(strip_v(&tag).to_owned())
}

/// `v1.2.3` → `1.2.3`; `version-1`, `v` and `1.2.3` are unchanged.
fn strip_v(tag: &str) -> &str {
    match tag.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<String, CiVersionError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve(
            &|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            &|| Err("fatal: no tag exactly matches 'abc123'".to_owned()),
        )
    }

    fn message(result: Result<String, CiVersionError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn github() {
        assert_eq!(
            with(&[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_REF", "refs/tags/v1.2.3")
            ])
            .unwrap(),
            "1.2.3"
        );
        assert_eq!(
            with(&[
                ("GITHUB_REF_TYPE", "tag"),
                ("GITHUB_REF_NAME", "2.0.0-rc.1")
            ])
            .unwrap(),
            "2.0.0-rc.1"
        );
        assert_eq!(
            message(with(&[("GITHUB_ACTIONS", "true"), ("GITHUB_REF", "refs/heads/main"), ("GITHUB_REF_TYPE", "branch"), ("GITHUB_REF_NAME", "main")])),
            "--git-tag-version: this GitHub Actions build is not for a tag (GITHUB_REF is `refs/heads/main`); run dcd in a workflow triggered by a tag push"
        );
    }

    #[test]
    fn gitlab_and_travis() {
        assert_eq!(
            with(&[("GITLAB_CI", "true"), ("CI_COMMIT_TAG", "v10.0")]).unwrap(),
            "10.0"
        );
        assert_eq!(
            with(&[("TRAVIS", "true"), ("TRAVIS_TAG", "0.6.11")]).unwrap(),
            "0.6.11"
        );
        assert_eq!(
            message(with(&[("GITLAB_CI", "true")])),
            "--git-tag-version: this GitLab CI pipeline is not for a tag (CI_COMMIT_TAG is not set); run dcd in a tag pipeline"
        );
        assert_eq!(
            message(with(&[("TRAVIS", "true"), ("TRAVIS_TAG", "")])),
            "--git-tag-version: this Travis CI build is not for a tag (TRAVIS_TAG is empty); run dcd in a tag build"
        );
    }

    #[test]
    fn git_describe_outside_ci() {
        let tagged = resolve(&|_| None, &|| Ok("v3.1.4".to_owned()));
        assert_eq!(tagged.unwrap(), "3.1.4");
        assert_eq!(
            message(with(&[])),
            "--git-tag-version: no CI tag variable is set and HEAD is not at a tag (git describe --exact-match --tags: fatal: no tag exactly matches 'abc123'); pass --version instead"
        );
    }

    #[test]
    fn leading_v() {
        assert_eq!(strip_v("v1.2.3"), "1.2.3");
        assert_eq!(strip_v("V2"), "2");
        assert_eq!(strip_v("version-1"), "version-1");
        assert_eq!(strip_v("v"), "v");
        assert_eq!(strip_v("1.0"), "1.0");
    }
}

//! [`PullPolicy`]: when an image is pulled from its registry.

use std::fmt;
use std::str::FromStr;

use crate::error::ImageError;
use crate::error::{Error, Result};

/// The environment variable that sets the pull policy of every image in a run.
pub const ENV_PULL: &str = "SEAWORTHY_PULL";

/// The old name of [`ENV_PULL`] (every variable's constant is named `ENV_*`).
#[deprecated(
    since = "0.1.0",
    note = "renamed ENV_PULL, as every variable's constant"
)]
pub const PULL_ENV: &str = ENV_PULL;

/// When an image is pulled from its registry.
///
/// Set per definition with
/// `ContainerDefinition::pull_policy` or
/// `ImageDefinition::pull_policy`, and for the whole run
/// with `SEAWORTHY_PULL=missing|always|never`, which, when set, overrides every definition (CI
/// forces fresh images with `always`; an offline machine refuses to pull with `never`).
///
/// ```
/// use seaworthy::PullPolicy;
///
/// assert_eq!("always".parse::<PullPolicy>(), Ok(PullPolicy::Always));
/// assert_eq!(PullPolicy::default(), PullPolicy::Missing);
/// assert_eq!(PullPolicy::Never.to_string(), "never");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PullPolicy {
    /// Pull only when the image is not present locally (the default).
    #[default]
    Missing,
    /// Pull once per run even when the image is present, to pick up a tag that moved. A
    /// reference pinned by digest that is present is not pulled again: it cannot have changed.
    Always,
    /// Never pull: an image that is not present is an error.
    Never,
}

impl PullPolicy {
    /// The policy's name: `missing`, `always` or `never`.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Missing => "missing",
            PullPolicy::Always => "always",
            PullPolicy::Never => "never",
        }
    }
}

impl fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that is not `missing`, `always` or `never`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsePullPolicyError(String);

impl fmt::Display for ParsePullPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown pull policy `{}`: expected `missing`, `always` or `never`",
            self.0
        )
    }
}

impl std::error::Error for ParsePullPolicyError {}

impl FromStr for PullPolicy {
    type Err = ParsePullPolicyError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "missing" => Ok(PullPolicy::Missing),
            "always" => Ok(PullPolicy::Always),
            "never" => Ok(PullPolicy::Never),
            _ => Err(ParsePullPolicyError(s.to_string())),
        }
    }
}

/// Where the policy in force came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicySource {
    Environment,
    Definition,
}

/// The policy in force for a definition whose policy is `definition`: `SEAWORTHY_PULL` when
/// set (and not empty), else the definition's.
pub(crate) fn effective(definition: PullPolicy) -> Result<(PullPolicy, PolicySource)> {
    effective_with(std::env::var(ENV_PULL).ok().as_deref(), definition)
}

fn effective_with(env: Option<&str>, definition: PullPolicy) -> Result<(PullPolicy, PolicySource)> {
    match env.filter(|v| !v.trim().is_empty()) {
        Some(value) => value
            .parse()
            .map(|p| (p, PolicySource::Environment))
            .map_err(|_| {
                Error::from(ImageError::InvalidPullPolicy {
                    value: value.to_string(),
                })
            }),
        None => Ok((definition, PolicySource::Definition)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_definition() {
        use PolicySource::*;
        use PullPolicy::*;
        assert_eq!(
            effective_with(None, Missing).unwrap(),
            (Missing, Definition)
        );
        assert_eq!(effective_with(None, Always).unwrap(), (Always, Definition));
        assert_eq!(
            effective_with(Some("never"), Always).unwrap(),
            (Never, Environment)
        );
        assert_eq!(
            effective_with(Some(" Always "), Missing).unwrap(),
            (Always, Environment)
        );
        assert_eq!(
            effective_with(Some(""), Never).unwrap(),
            (Never, Definition)
        );
    }

    #[test]
    fn an_unknown_value_names_the_variable_and_the_choices() {
        let e = effective_with(Some("sometimes"), PullPolicy::Missing).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SEAWORTHY_PULL is `sometimes`, not a pull policy\n(hint: set it to `missing` (the default), `always` or `never`, or unset it)"
        );
    }
}

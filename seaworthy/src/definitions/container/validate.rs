//! Checks of a container definition that run before anything is created: settings Docker would
//! refuse late (after an image pull, at create or start) or silently misread.

use super::request::Config;
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::wait::{Kind, Wait};

impl Config {
    /// The first problem with the environment or the readiness check, if any.
    pub(super) fn validate(&self) -> Result<()> {
        let invalid = |reason: String, hint: &'static str| {
            Error::from(ContainerError::InvalidDefinition {
                kind: "container",
                name: self.name.clone(),
                reason,
                hint,
            })
        };
        for (key, value) in &self.env {
            // Docker splits `KEY=VALUE` at the first `=`: `A=B`, `v` would set `A` to `B=v`.
            let problem = if key.is_empty() {
                Some("a name cannot be empty")
            } else if key.contains('=') {
                Some("a name cannot contain `=`")
            } else if key.contains('\0') {
                Some("a name cannot contain a NUL byte")
            } else if value.contains('\0') {
                Some("a value cannot contain a NUL byte")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(invalid(
                    format!("environment variable {key:?}: {problem}"),
                    "fix the `env(…)` call",
                ));
            }
        }
        if let Some(wait) = &self.wait {
            check_patterns(wait)?;
        }
        if let Some((reason, hint)) = self.extras.options.problem() {
            return Err(invalid(reason, hint));
        }
        for file in &self.extras.copies {
            file.check(&self.name)?;
        }
        Ok(())
    }
}

/// Every log pattern of a readiness check compiles.
fn check_patterns(wait: &Wait) -> Result<()> {
    match &wait.0 {
        Kind::Logs(patterns, _) => {
            for p in patterns {
                crate::matchers::Regex::new(p).map_err(|source| Error::InvalidRegex {
                    pattern: p.clone(),
                    source,
                })?;
            }
            Ok(())
        }
        Kind::All(waits) => waits.iter().try_for_each(check_patterns),
        Kind::Http(_) | Kind::Command(_) | Kind::Healthy | Kind::Port(_) => Ok(()),
    }
}

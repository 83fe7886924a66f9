//! The library's error: [`Error`], one variant per domain, each wrapping that domain's own error
//! type, owned by its module.
//!
//! | domain | type | module |
//! |---|---|---|
//! | the engine: discovery, TLS, contexts, API calls | [`EngineError`] | `engine/error.rs` |
//! | images and registries: references, pulls, builds | [`ImageError`] | `images/error.rs` |
//! | containers: definitions, names, ports, logs, exec | [`ContainerError`] | `definitions/container/error.rs` |
//! | readiness (a container that did not become ready) | [`ReadinessError`] | `definitions/container/error.rs` |
//! | the fixture harness | [`HarnessError`] | `fixture_error.rs` (a bottom leaf: no layer below the harness imports the harness for it) |
//!
//! Beside them, [`Error`] wraps the errors of the public helper modules
//! ([`HttpWaitError`], [`PsError`], [`MatcherExhausted`]), the errors every domain can hit
//! ([`Error::InvalidRegex`], [`Error::Io`]), and adds context to any error: the fixture chain it
//! happened under ([`Error::Fixture`]) and the resources a failed cleanup left
//! ([`Error::LeftBehind`]). The image-structure checks report `seaworthy::structure::StructureError`
//! (their own verdict, not a failure to drive Docker).
//!
//! Domain error files are leaves: they name only the bottom helpers (`text.rs`, `merge.rs`,
//! `engine/transport.rs`), so every layer can use every domain's error.
//!
//! Messages are lowercase fragments that read after "failed to …" or stand on their own in a test
//! failure; values are in backticks, and where there is a next step it is on a second line as
//! `(hint: …)`. A hint is chosen from typed fields, never from the text of a message.

pub use crate::definitions::container::error::{
    ContainerError, ReadinessError, ReadinessErrorKind,
};
pub use crate::engine::error::{EngineError, UnreachableCause};
pub use crate::fixture_error::HarnessError;
pub use crate::images::error::ImageError;

use crate::fresh::FreshError;
use crate::http::HttpWaitError;
use crate::matchers::MatcherExhausted;
use crate::ps::PsError;
use crate::resource_kind::ResourceKind;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while driving Docker resources: one variant per domain (see
/// the `error` module), and the context a failure happened in.
///
/// `Debug` prints what `Display` prints (the message and its hint), so a test that
/// `unwrap()`s a seaworthy result, or returns it with `?`, shows the readable message rather
/// than a struct dump.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Docker engine: finding it, reaching it, or its answer to a call.
    #[error(transparent)]
    Engine(#[from] EngineError),

    /// An image or a registry: references, pull policies, pulls, builds.
    #[error(transparent)]
    Image(#[from] ImageError),

    /// A container or a resource it uses: definitions, names, ports, logs, exec.
    #[error(transparent)]
    Container(#[from] ContainerError),

    /// The fixture harness: fixture functions, shared fixtures, `#[clean]`.
    #[error(transparent)]
    Harness(#[from] HarnessError),

    /// A test's own database, Redis database or RabbitMQ vhost could not be made.
    #[error(transparent)]
    Fresh(#[from] FreshError),

    /// A container did not become ready.
    #[error(transparent)]
    Readiness(Box<ReadinessError>),

    /// An HTTP wait failed.
    #[error(transparent)]
    Http(#[from] HttpWaitError),

    /// A process list could not be read or assembled.
    #[error(transparent)]
    Ps(#[from] PsError),

    /// A Compose file could not be read or used.
    #[error(transparent)]
    Compose(#[from] crate::compose::ComposeError),

    /// A stateful matcher was used after it completed.
    #[error(transparent)]
    MatcherExhausted(#[from] MatcherExhausted),

    /// A copy of files into or out of a container failed.
    #[error(transparent)]
    Copy(#[from] crate::copy::error::CopyError),

    /// A regular expression did not compile.
    #[error("invalid regex `{pattern}`: {source}")]
    InvalidRegex {
        /// The pattern as given.
        pattern: String,
        /// What the regex crate reported.
        #[source]
        source: regex::Error,
    },

    /// A local I/O operation failed (reading a build context, …).
    #[error("failed to {action}: {source}")]
    Io {
        /// What we were doing.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A fixture could not be set up (used by the fixture runtime).
    #[error("fixture {chain}: {source}")]
    Fixture {
        /// The fixture chain, e.g. `nginx -> web -> postgres`.
        chain: String,
        /// Why it failed (shared: a failed shared fixture fails every test that needs it).
        #[source]
        source: std::sync::Arc<Error>,
    },

    /// Resources could not be removed: they are left on the engine.
    #[error("{source}\nleft on the engine: {}\n(hint: remove them with {})", left_names(.left), left_commands(.left))]
    LeftBehind {
        /// What is left: each resource's kind and Docker name.
        left: Vec<(ResourceKind, String)>,
        /// Why (the first removal that failed).
        #[source]
        source: Box<Error>,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl From<ReadinessError> for Error {
    fn from(e: ReadinessError) -> Self {
        Error::Readiness(Box::new(e))
    }
}

impl Error {
    /// The container's last log lines, when this error carries them.
    pub fn last_log_lines(&self) -> Option<&[String]> {
        match self {
            Error::Readiness(r) => Some(&r.last_lines),
            Error::Container(
                ContainerError::LogsTimeout { last_lines, .. }
                | ContainerError::LogsEnded { last_lines, .. },
            ) => Some(last_lines),
            Error::Fixture { source, .. } => source.last_log_lines(),
            _ => None,
        }
    }

    /// `true` when this error is a 404 from the Docker engine.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::Engine(EngineError::Docker {
                source: bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                },
                ..
            })
        )
    }

    pub(crate) fn docker(action: impl Into<String>, source: bollard::errors::Error) -> Self {
        EngineError::Docker {
            action: action.into(),
            source,
        }
        .into()
    }
}

fn left_names(left: &[(ResourceKind, String)]) -> String {
    let names: Vec<String> = left
        .iter()
        .map(|(k, n)| format!("{} `{n}`", k.as_str()))
        .collect();
    names.join(", ")
}

fn left_commands(left: &[(ResourceKind, String)]) -> String {
    let commands: Vec<String> = left
        .iter()
        .map(|(kind, name)| match kind {
            ResourceKind::Container => format!("`docker rm -f {name}`"),
            kind => format!("`docker {} rm {name}`", kind.as_str()),
        })
        .collect();
    commands.join(", ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn debug_prints_the_message_and_hint_not_a_struct_dump() {
        let e: Error = ContainerError::NoHealthcheck {
            container: "test_db_ab12".into(),
        }
        .into();
        assert_eq!(format!("{e:?}"), e.to_string());
        assert_eq!(
            format!("{e:?}"),
            "image of container `test_db_ab12` has no HEALTHCHECK\n(hint: wait for logs, HTTP or a command instead)"
        );
        // What `Result::unwrap` prints for an `Err`: `called `Result::unwrap()` on an `Err`
        // value: {:?}`.
        let text = format!("called `Result::unwrap()` on an `Err` value: {e:?}");
        assert!(
            text.ends_with("image of container `test_db_ab12` has no HEALTHCHECK\n(hint: wait for logs, HTTP or a command instead)"),
            "{text}"
        );
        assert!(!text.contains("NoHealthcheck {"), "{text}");
    }

    #[test]
    fn left_behind_names_each_resource_and_its_removal_command() {
        let e = Error::LeftBehind {
            left: vec![
                (ResourceKind::Container, "test_web_ab12".into()),
                (ResourceKind::Network, "test_net_ab12".into()),
            ],
            source: Box::new(Error::Io {
                action: "remove container `test_web_ab12`".into(),
                source: std::io::Error::other("gone"),
            }),
        };
        assert_eq!(
            e.to_string(),
            "failed to remove container `test_web_ab12`: gone\nleft on the engine: container \
             `test_web_ab12`, network `test_net_ab12`\n(hint: remove them with `docker rm -f \
             test_web_ab12`, `docker network rm test_net_ab12`)"
        );
    }

    #[test]
    fn readiness_timeout_message_names_container_patterns_and_logs() {
        let e: Error = ReadinessError {
            container: "test_web_ab12".into(),
            waited_for: "logs matching [\"ready\"]".into(),
            elapsed: Duration::from_secs(2),
            kind: ReadinessErrorKind::Timeout(Duration::from_secs(2)),
            detail: Some("matched: []\nunmatched: [Regex(\"ready\")]".into()),
            last_lines: vec!["starting".into()],
        }
        .into();
        assert_eq!(
            e.to_string(),
            "container `test_web_ab12` was not ready after 2s: waited for logs matching [\"ready\"]\n\
             matched: []\nunmatched: [Regex(\"ready\")]\nlast 1 log line(s):\n  | starting\n\
             (hint: raise the deadline with `.wait_timeout(..)`, or check the patterns against the log lines above)"
        )
    }
}

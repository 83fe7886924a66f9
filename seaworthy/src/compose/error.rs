//! [`ComposeError`]: what can be wrong with a Compose file or a stack made from one.

/// A Compose file could not be read or used, or one of its services failed a dependency.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComposeError {
    /// The file could not be read.
    #[error("cannot read Compose file `{file}`: {reason}\n(hint: a relative path is relative to the test's working directory, the crate's root under cargo test)")]
    Read {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The file is not valid YAML, or has a key seaworthy does not support (the parser's
    /// message names the key, its line and column).
    #[error("invalid Compose file `{file}`: {reason}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message.
        reason: String,
    },
    /// A value the parser accepted does not make sense (a bad port, a missing `env_file`, a
    /// dependency on a service that does not exist, …).
    #[error("invalid Compose file `{file}`, line {line}: {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// The line of the value (1-based).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The services' `depends_on` go round in a circle.
    #[error("invalid Compose file `{file}`: `depends_on` cycle: {}\n(hint: remove one of these dependencies)", .cycle.join(" -> "))]
    Cycle {
        /// The file.
        file: String,
        /// The services on the way round, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// `ComposeStack::service` (or a readiness override) was
    /// asked for a service that is not in the stack.
    #[error("no service `{service}` in Compose stack `{stack}`; its services: {}", .known.join(", "))]
    UnknownService {
        /// The stack (the file's project name).
        stack: String,
        /// The name asked for.
        service: String,
        /// The stack's services (those its profiles enable).
        known: Vec<String>,
    },
    /// A dependency with `condition: service_completed_successfully` exited with another code.
    #[error("service `{dependency}` exited with code {exit_code}, so `{service}` (which depends on it with condition service_completed_successfully) was not started{}", crate::text::fmt_last_lines(.last_lines))]
    DependencyFailed {
        /// The service that was to start.
        service: String,
        /// The dependency.
        dependency: String,
        /// Its exit code.
        exit_code: i64,
        /// Its last log lines.
        last_lines: Vec<String>,
    },
    /// A dependency with `condition: service_completed_successfully` still ran at its deadline.
    #[error("service `{dependency}` was still running after {}, so `{service}` (which depends on it with condition service_completed_successfully) was not started\n(hint: raise its deadline with `ComposeStack::wait_timeout`)", crate::text::secs(*.timeout))]
    NotCompleted {
        /// The service that was to start.
        service: String,
        /// The dependency.
        dependency: String,
        /// Its deadline.
        timeout: std::time::Duration,
    },
}

//! The engine's errors: finding it, reaching it (TLS, contexts), and its answers to our calls.
//!
//! A domain error of `seaworthy::Error` (see the `error` module): each hint is
//! chosen from typed fields (the endpoint's kind, whether TLS was configured, what the transport
//! did), never from message text.

use crate::engine::transport::{transport, Transport};

/// What went wrong with the Docker engine: it cannot be found or reached, its address, context or
/// TLS files are unusable, or it answered a call with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The Docker engine could not be reached.
    #[error(
        "cannot connect to the Docker engine at `{address}` (found via {found_via}): \
         {reason}{tried}\n(hint: {})",
        unreachable_hint(.address, *.tls, *.cause)
    )]
    DockerUnreachable {
        /// The address that was tried last.
        address: String,
        /// How discovery came to it: `DOCKER_HOST`, a context, the default socket…
        found_via: String,
        /// What failed, with every cause bollard reported.
        reason: String,
        /// The other places discovery tried, one `\n  tried …` line each (empty if none).
        tried: String,
        /// Whether the connection used TLS (`DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`, or a
        /// context's TLS files).
        tls: bool,
        /// What the connection attempt ran into.
        cause: UnreachableCause,
        /// What bollard reported.
        #[source]
        source: Box<bollard::errors::Error>,
    },

    /// The TLS files for an engine are missing, unreadable or not PEM.
    #[error(
        "cannot use the TLS files for the Docker engine at `{address}`: {}: {reason}\n(hint: \
         DOCKER_CERT_PATH (default ~/.docker) must hold ca.pem, cert.pem and key.pem, as the \
         docker CLI reads them)",
        .path.display()
    )]
    EngineTls {
        /// The engine's address.
        address: String,
        /// The file (or directory) at fault.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The Docker context named by `DOCKER_CONTEXT` or the config's `currentContext` is unusable.
    #[error(
        "cannot use the Docker context `{name}`: {reason}\n(hint: `docker context ls` lists the \
         contexts; unset DOCKER_CONTEXT or run `docker context use default` for the default \
         socket)"
    )]
    DockerContext {
        /// The context's name.
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// `SEAWORTHY_IN_CONTAINER=1`, but the container the tests run in is not on the engine.
    #[error(
        "SEAWORTHY_IN_CONTAINER=1, but the container the tests run in is not on the Docker engine \
         at `{address}` (looked up by the IDs in /proc/self/mountinfo and /proc/self/cgroup and by the \
         hostname: {tried})\n(hint: run the tests in a \
         container of this engine with its socket mounted, give the container its name or ID as \
         hostname, or set SEAWORTHY_IN_CONTAINER=0 to reach published ports)"
    )]
    RunnerContainerNotFound {
        /// The engine's address.
        address: String,
        /// The container IDs and the hostname looked up.
        tried: String,
    },

    /// An engine address (or a seaworthy address variable) cannot be used.
    #[error("invalid Docker engine address `{address}` (from {from}): {reason}")]
    InvalidEngineAddress {
        /// The address as given.
        address: String,
        /// Where it came from: a variable or a context.
        from: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The engine speaks an API older than the oldest we support.
    #[error(
        "the Docker engine at `{address}` speaks API {version}, older than the supported minimum \
         {minimum}\n(hint: upgrade Docker to 20.10 or newer)"
    )]
    EngineTooOld {
        /// The address of the engine.
        address: String,
        /// The API version it reported.
        version: String,
        /// The oldest API version this library supports.
        minimum: String,
    },

    /// A Docker API call failed.
    #[error("failed to {action}: {}", docker_message(.source))]
    Docker {
        /// What we were doing, e.g. "start container `test_web_x1`".
        action: String,
        /// What bollard reported.
        #[source]
        source: bollard::errors::Error,
    },

    /// The engine stopped answering: it refused the connection, has no socket, or kept closing
    /// the connection or not answering through every retry.
    #[error(
        "failed to {action}: the Docker engine stopped answering ({cause}, {}){}",
        crate::text::plural(*.attempts, "attempt", "attempts"),
        cleanup_hint(.address, .run)
    )]
    EngineStopped {
        /// What we were doing, e.g. "inspect container `test_web_x1`".
        action: String,
        /// The engine's address, as `DOCKER_HOST` spells it.
        address: String,
        /// What happened: "connection refused at `…`", "the engine closed the connection"…
        cause: String,
        /// How many times the call was tried.
        attempts: usize,
        /// The run ID, the value of the `seaworthy.run` label of what the run made.
        run: String,
        /// What bollard reported last.
        #[source]
        source: Box<bollard::errors::Error>,
    },

    /// The connection broke during a call that is not repeated blindly (create, exec…).
    #[error("failed to {action}: {cause}")]
    EngineConnection {
        /// What we were doing.
        action: String,
        /// The engine's address, as `DOCKER_HOST` spells it.
        address: String,
        /// What happened: "the engine closed the connection", "the engine did not answer in
        /// time"…
        cause: String,
        /// What bollard reported.
        #[source]
        source: Box<bollard::errors::Error>,
    },
}

/// What a connection attempt to the engine ran into, read from the error's types (the TLS
/// library's error, the I/O error's kind), for the hint of [`EngineError::DockerUnreachable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnreachableCause {
    /// The TLS handshake failed: a certificate was refused, by us or by the engine.
    Tls,
    /// Nothing listens at the address.
    Refused,
    /// The socket file does not exist.
    NoSocket,
    /// The engine did not answer in time.
    TimedOut,
    /// The engine closed the connection.
    Closed,
    /// Anything else (an answer the engine gave, a request that could not be built).
    Other,
}

impl UnreachableCause {
    /// The cause of `e`: a TLS error anywhere in its chain, else its transport failure.
    pub(crate) fn of(e: &bollard::errors::Error) -> Self {
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = next {
            if wraps_tls_error(err) {
                return UnreachableCause::Tls;
            }
            next = err.source();
        }
        match transport(e) {
            Some(Transport::Refused) => UnreachableCause::Refused,
            Some(Transport::NoSocket) => UnreachableCause::NoSocket,
            Some(Transport::TimedOut) => UnreachableCause::TimedOut,
            Some(Transport::Closed) => UnreachableCause::Closed,
            None => UnreachableCause::Other,
        }
    }
}

/// Whether `err` is a TLS error, or wraps one where `source()` does not show it: an I/O error's
/// `source()` skips the error it wraps, as does bollard's transparent `IOError`.
fn wraps_tls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut layer = Some(err);
    while let Some(e) = layer {
        if e.is::<rustls::Error>() {
            return true;
        }
        layer = if let Some(bollard::errors::Error::IOError { err }) = e.downcast_ref() {
            Some(err as &(dyn std::error::Error + 'static))
        } else if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io.get_ref()
                .map(|i| i as &(dyn std::error::Error + 'static))
        } else {
            None
        };
    }
    false
}

/// What to do about an engine at `address` that could not be reached: chosen from how it was
/// reached (`tls`) and what the attempt ran into (`cause`).
fn unreachable_hint(address: &str, tls: bool, cause: UnreachableCause) -> &'static str {
    let tcp = address.starts_with("tcp://");
    match cause {
        UnreachableCause::Tls => {
            "the engine's certificate is not signed by ca.pem, or it refused ours: check \
             DOCKER_CERT_PATH (`docker version` with the same variables shows the same error)"
        }
        UnreachableCause::Closed if tls => {
            "the engine closed the connection during the TLS handshake: check that it speaks \
             TLS at that address and accepts cert.pem from DOCKER_CERT_PATH (`docker version` \
             with the same variables shows the same error)"
        }
        _ if tls => {
            "check that the engine listens at that address (`docker version` with the same \
             variables shows the same error)"
        }
        _ if tcp => {
            "check that the engine listens at that address; a TLS engine needs \
             DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
        }
        _ => {
            "start the Docker daemon, or point DOCKER_HOST at it, e.g. \
             `DOCKER_HOST=unix:///var/run/docker.sock`"
        }
    }
}

/// Where to look and how to remove what a run left, when the engine stopped answering.
fn cleanup_hint(address: &str, run: &str) -> String {
    format!(
        "\n(hint: check the engine: `docker version` with DOCKER_HOST={address}; what this run \
         made is labelled seaworthy.run={run}: `docker rm -f $(docker ps -aq --filter \
         label=seaworthy.run={run})` removes its containers, and the next run's sweep removes \
         whatever is left)"
    )
}

/// What bollard reported, said plainly: the transport failure, or the engine's message and
/// its HTTP status.
fn docker_message(e: &bollard::errors::Error) -> String {
    match transport(e) {
        Some(Transport::Refused) => return "the engine refused the connection".to_string(),
        Some(Transport::NoSocket) => return "the engine's socket does not exist".to_string(),
        Some(t) => return t.describe(""),
        None => {}
    }
    match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("{message} (HTTP {status_code})"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable(address: &str, tls: bool, source: bollard::errors::Error) -> String {
        EngineError::DockerUnreachable {
            address: address.into(),
            found_via: "DOCKER_HOST".into(),
            reason: "x".into(),
            tried: String::new(),
            tls,
            cause: UnreachableCause::of(&source),
            source: Box::new(source),
        }
        .to_string()
    }

    fn io(kind: std::io::ErrorKind) -> bollard::errors::Error {
        bollard::errors::Error::IOError {
            err: std::io::Error::new(kind, "x"),
        }
    }

    #[test]
    fn a_tls_error_in_the_chain_hints_at_the_certificates() {
        let tls = bollard::errors::Error::IOError {
            err: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            ),
        };
        assert_eq!(UnreachableCause::of(&tls), UnreachableCause::Tls);
        assert!(unreachable("tcp://127.0.0.3:2376", true, tls)
            .ends_with("(hint: the engine's certificate is not signed by ca.pem, or it refused ours: check DOCKER_CERT_PATH (`docker version` with the same variables shows the same error))"));
    }

    #[test]
    fn a_handshake_the_engine_aborts_with_tls_set_does_not_hint_to_set_it() {
        let e = unreachable(
            "tcp://127.0.0.3:2376",
            true,
            io(std::io::ErrorKind::ConnectionReset),
        );
        assert!(!e.contains("needs DOCKER_TLS_VERIFY"), "{e}");
        assert!(e.contains("during the TLS handshake"), "{e}");
        let e = unreachable(
            "tcp://127.0.0.3:2376",
            true,
            io(std::io::ErrorKind::ConnectionRefused),
        );
        assert!(!e.contains("needs DOCKER_TLS_VERIFY"), "{e}");
    }

    #[test]
    fn plain_tcp_and_unix_sockets_get_their_own_hints() {
        let e = unreachable(
            "tcp://127.0.0.3:2375",
            false,
            io(std::io::ErrorKind::ConnectionReset),
        );
        assert!(
            e.ends_with("a TLS engine needs DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)"),
            "{e}"
        );
        let e = unreachable("unix:///nope.sock", false, io(std::io::ErrorKind::NotFound));
        assert!(e.contains("(hint: start the Docker daemon"), "{e}");
    }
}

//! Retrying the engine calls that may be repeated, and saying why a call failed.
//!
//! A call that fails in transport (the engine closed the connection, refused it, or did not
//! answer in time) is retried when repeating it cannot do harm: reads (inspect, list, logs),
//! and the calls whose repetition the engine answers as "already done" (start and stop answer
//! 304, removal 404). The attempts are bounded ([`BACKOFF`]: five attempts within about two
//! seconds) and so is each attempt ([`ATTEMPT_DEADLINE`]), so an engine that went away fails
//! every call quickly with "the Docker engine stopped answering", never a hang. An answer of the engine (an HTTP
//! status) is never retried: it is what the engine meant.

use std::future::Future;
use std::time::Duration;

use super::transport::{transport, Transport};
use crate::error::EngineError;
use crate::error::Error;

/// How long one attempt of a call made through [`retrying`] may take, reply body included
/// (bollard's own request timeout ends at the reply's headers: a reply whose body stalls would
/// hang forever). An attempt that runs out is not repeated: the engine is hung, not flaky.
pub(crate) const ATTEMPT_DEADLINE: Duration = Duration::from_secs(60);

/// The waits between attempts: the number of attempts is one more.
pub(crate) const BACKOFF: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];

/// The engine a call goes to, for its error: its address and the run that labels what it made.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The engine's address, as `DOCKER_HOST` spells it.
    pub(crate) address: String,
    /// The run ID (the value of the `seaworthy.run` label).
    pub(crate) run: String,
}

/// A call that failed, and how many times it was tried.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: bollard::errors::Error,
    pub(crate) attempts: usize,
}

/// Runs `call` until it succeeds, fails with something else than a transport failure, or has
/// been tried `BACKOFF.len() + 1` times; each attempt within [`ATTEMPT_DEADLINE`], and one that
/// runs out is not repeated. Only for calls that may be repeated.
pub(crate) async fn retrying<T, F, Fut>(mut call: F) -> Result<T, Failed>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<T, bollard::errors::Error>>,
{
    let mut attempt = 0;
    loop {
        let result = tokio::time::timeout(ATTEMPT_DEADLINE, call(attempt))
            .await
            .unwrap_or(Err(bollard::errors::Error::RequestTimeoutError));
        match result {
            Ok(v) => return Ok(v),
            Err(error) => {
                let transient = transport(&error).is_some_and(|t| t != Transport::TimedOut);
                match BACKOFF.get(attempt) {
                    Some(wait) if transient => {
                        tracing::debug!(target: "seaworthy", %error, attempt, "retrying");
                        tokio::time::sleep(*wait).await;
                        attempt += 1;
                    }
                    _ => {
                        return Err(Failed {
                            error,
                            attempts: attempt + 1,
                        })
                    }
                }
            }
        }
    }
}

/// The library's error for a call that failed: for a transport failure, one that names it
/// ([`EngineError::EngineStopped`](crate::EngineError::EngineStopped) after retries or when the engine cannot be reached at all,
/// [`EngineError::EngineConnection`](crate::EngineError::EngineConnection) otherwise); the engine's own answer as [`EngineError::Docker`](crate::EngineError::Docker).
pub(crate) fn fail(target: &Target, action: impl Into<String>, failed: Failed) -> Error {
    let action = action.into();
    let address = target.address.as_str();
    match transport(&failed.error) {
        None => Error::docker(action, failed.error),
        Some(t)
            if failed.attempts > 1
                || matches!(
                    t,
                    Transport::Refused | Transport::NoSocket | Transport::TimedOut
                ) =>
        {
            Error::from(EngineError::EngineStopped {
                action,
                address: address.to_string(),
                cause: t.describe(address),
                attempts: failed.attempts,
                run: target.run.clone(),
                source: Box::new(failed.error),
            })
        }
        Some(t) => Error::from(EngineError::EngineConnection {
            action,
            address: address.to_string(),
            cause: t.describe(address),
            source: Box::new(failed.error),
        }),
    }
}

/// [`fail`] for a call tried once.
pub(crate) fn fail_once(
    target: &Target,
    action: impl Into<String>,
    error: bollard::errors::Error,
) -> Error {
    fail(target, action, Failed { error, attempts: 1 })
}

/// Runs an idempotent call with [`retrying`] and names its failure with [`fail`].
pub(crate) async fn read<T, F, Fut>(target: &Target, action: &str, call: F) -> crate::Result<T>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<T, bollard::errors::Error>>,
{
    retrying(call).await.map_err(|f| fail(target, action, f))
}

#[cfg(test)]
mod should {
    use super::*;

    fn io(kind: std::io::ErrorKind) -> bollard::errors::Error {
        bollard::errors::Error::IOError {
            err: std::io::Error::new(kind, "x"),
        }
    }

    fn target() -> Target {
        Target {
            address: "unix:///s.sock".into(),
            run: "0badf00d".into(),
        }
    }

    #[test]
    fn name_the_cause_and_the_address() {
        let e = fail_once(
            &target(),
            "inspect container `a`",
            io(std::io::ErrorKind::BrokenPipe),
        );
        assert_eq!(
            e.to_string(),
            "failed to inspect container `a`: the engine closed the connection"
        );
        let e = fail(
            &target(),
            "inspect container `a`",
            Failed {
                error: io(std::io::ErrorKind::ConnectionRefused),
                attempts: 5,
            },
        );
        assert_eq!(
            e.to_string(),
            "failed to inspect container `a`: the Docker engine stopped answering (connection \
             refused at `unix:///s.sock`, 5 attempts)\n(hint: check the engine: `docker version` \
             with DOCKER_HOST=unix:///s.sock; what this run made is labelled \
             seaworthy.run=0badf00d: `docker rm -f $(docker ps -aq --filter \
             label=seaworthy.run=0badf00d)` removes its containers, and the next run's sweep \
             removes whatever is left)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_transport_failures_a_bounded_number_of_times() {
        let mut calls = 0;
        let r: Result<(), Failed> = retrying(|_| {
            calls += 1;
            async { Err(io(std::io::ErrorKind::ConnectionRefused)) }
        })
        .await;
        assert_eq!(r.unwrap_err().attempts, 5);
        assert_eq!(calls, 5);
        let mut calls = 0;
        let r: Result<(), Failed> = retrying(|_| {
            calls += 1;
            async {
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 500,
                    message: "boom".into(),
                })
            }
        })
        .await;
        assert_eq!(r.unwrap_err().attempts, 1);
        assert_eq!(calls, 1);
        let r = retrying(|attempt| async move {
            if attempt < 2 {
                Err(io(std::io::ErrorKind::ConnectionReset))
            } else {
                Ok(attempt)
            }
        })
        .await;
        assert_eq!(r.unwrap(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn give_up_at_once_on_an_attempt_that_hangs() {
        let mut calls = 0;
        let r: Result<(), Failed> = retrying(|_| {
            calls += 1;
            std::future::pending()
        })
        .await;
        let failed = r.unwrap_err();
        assert_eq!(failed.attempts, 1);
        assert_eq!(calls, 1);
        assert_eq!(
            fail(&target(), "inspect container `a`", failed)
                .to_string()
                .lines()
                .next(),
            Some(
                "failed to inspect container `a`: the Docker engine stopped answering (the \
                 engine did not answer in time, 1 attempt)"
            )
        );
    }
}

//! [`HttpWaitError`]: an HTTP wait that got no (acceptable) response in time (a leaf, wrapped by
//! `seaworthy::Error`).

use std::fmt;
use std::time::Duration;

use reqwest::{StatusCode, Url};

/// What the last attempt of a wait got.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LastAttempt {
    /// A response with a status other than the expected one.
    Status(StatusCode),
    /// No response: the request failed (connection refused or dropped, …).
    Error(String),
    /// No response before the deadline: the server accepted the request but did not answer.
    NoResponse,
}

impl fmt::Display for LastAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LastAttempt::Status(status) => write!(f, "status {}", status.as_u16()),
            LastAttempt::Error(error) => f.write_str(error),
            LastAttempt::NoResponse => f.write_str("no response before the deadline"),
        }
    }
}

/// `ContainerHttpClient::wait_for_response` got no (acceptable) response in time.
#[derive(Debug, thiserror::Error)]
pub struct HttpWaitError {
    // Boxed: a URL is large, and this error travels inside other errors' `Result`s.
    pub(super) inner: Box<HttpWaitErrorInner>,
}

#[derive(Debug)]
pub(super) struct HttpWaitErrorInner {
    pub(super) url: Url,
    pub(super) timeout: Duration,
    pub(super) expected_status: Option<StatusCode>,
    pub(super) attempts: u32,
    pub(super) last: LastAttempt,
}

impl HttpWaitError {
    /// The URL that was polled.
    pub fn url(&self) -> &Url {
        &self.inner.url
    }

    /// How long the wait lasted at most.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The status that was waited for, if any.
    pub fn expected_status(&self) -> Option<StatusCode> {
        self.inner.expected_status
    }

    /// How many requests were sent.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// What the last request got.
    pub fn last(&self) -> &LastAttempt {
        &self.inner.last
    }
}

impl fmt::Display for HttpWaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {} waiting for `{}` to answer",
            crate::text::secs(self.inner.timeout),
            self.inner.url
        )?;
        if let Some(status) = self.inner.expected_status {
            write!(f, " with status {}", status.as_u16())?;
        }
        write!(f, " (last: {})", self.inner.last)?;
        if let LastAttempt::Error(_) = self.inner.last {
            write!(f, "\n(hint: {CONNECTION_HINT})")?;
        }
        Ok(())
    }
}

const CONNECTION_HINT: &str =
    "is the server up, and listening on `0.0.0.0` rather than `127.0.0.1` \
     inside the container?";

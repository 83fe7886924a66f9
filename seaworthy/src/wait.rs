//! Readiness: how the harness knows a container is ready to be tested.

//!
//! [`Wait`] says what "ready" means; the checks themselves run in `readiness`, on the container's
//! handle. Options that only make sense for one kind of check live on that kind's builder
//! ([`HttpWait`]), so they cannot be set on another.

/// A readiness check: log lines, an HTTP response, a command, the HEALTHCHECK, a TCP port, or
/// all of several. One deadline (the definition's `wait_timeout`, 10 s by default) covers the
/// whole check, and a container that exits while being waited for fails at once.
///
/// ```
/// use seaworthy::Wait;
///
/// let ready = Wait::logs([r"database system is ready", r"database system is ready"])
///     .and(Wait::command(["pg_isready", "-q"]));
/// assert_eq!(
///     ready.to_string(),
///     r#"logs matching ["database system is ready", "database system is ready"] and command `pg_isready -q` exiting 0"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait(pub(crate) Kind);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The patterns, and the one stream to read (both when `None`).
    Logs(Vec<String>, Option<crate::lines::StreamKind>),
    Http(HttpWait),
    Command(Vec<String>),
    Healthy,
    Port(u16),
    All(Vec<Wait>),
}

impl Wait {
    /// Every regex must match a log line (either stream, from the start of the logs), in any
    /// order; one line satisfies at most one pattern, so a pattern listed twice needs two lines.
    /// Patterns are searched for, unanchored, in lines with trailing whitespace trimmed.
    pub fn logs<I, S>(patterns: I) -> Wait
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Wait(Kind::Logs(
            patterns.into_iter().map(Into::into).collect(),
            None,
        ))
    }

    /// Like [`logs`](Self::logs), on the lines of one stream only (`StreamKind::Stderr` for
    /// a server that logs there), so the other stream's lines never match.
    pub fn logs_on<I, S>(stream: crate::lines::StreamKind, patterns: I) -> Wait
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Wait(Kind::Logs(
            patterns.into_iter().map(Into::into).collect(),
            Some(stream),
        ))
    }

    /// A GET of `path` on the lowest published port answers (any status, redirects not followed;
    /// narrow it with [`HttpWait::status`], pick the port with [`HttpWait::port`]). The result
    /// converts into a [`Wait`] wherever one is expected.
    pub fn http(path: impl Into<String>) -> HttpWait {
        HttpWait {
            path: path.into(),
            port: None,
            status: None,
        }
    }

    /// A command run in the container exits 0 (retried every 100 ms).
    pub fn command<I, S>(cmd: I) -> Wait
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Wait(Kind::Command(cmd.into_iter().map(Into::into).collect()))
    }

    /// The image's HEALTHCHECK reports `healthy` (`unhealthy` fails at once).
    pub fn healthy() -> Wait {
        Wait(Kind::Healthy)
    }

    /// The published TCP port accepts a connection that the container, not just Docker's port
    /// proxy, keeps open.
    pub fn tcp(container_port: u16) -> Wait {
        Wait(Kind::Port(container_port))
    }

    /// All of the checks, run concurrently under the one deadline.
    pub fn all<I, W>(waits: I) -> Wait
    where
        I: IntoIterator<Item = W>,
        W: Into<Wait>,
    {
        Wait(Kind::All(waits.into_iter().map(Into::into).collect()))
    }

    /// This check and another.
    pub fn and(self, other: impl Into<Wait>) -> Wait {
        let other = other.into();
        match self.0 {
            Kind::All(mut v) => {
                v.push(other);
                Wait(Kind::All(v))
            }
            k => Wait(Kind::All(vec![Wait(k), other])),
        }
    }
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::Logs(p, None) => write!(f, "logs matching {p:?}"),
            Kind::Logs(p, Some(stream)) => write!(f, "{stream} logs matching {p:?}"),
            Kind::Http(http) => write!(f, "{http}"),
            Kind::Command(c) => write!(f, "command `{}` exiting 0", c.join(" ")),
            Kind::Healthy => write!(f, "HEALTHCHECK status `healthy`"),
            Kind::Port(p) => write!(f, "TCP port {p} accepting connections"),
            Kind::All(v) => {
                for (i, w) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{w}")?;
                }
                Ok(())
            }
        }
    }
}

/// An HTTP readiness check, from [`Wait::http`]: which status counts and which port to ask.
///
/// It converts into a [`Wait`], so it goes wherever one is expected.
///
/// ```
/// use seaworthy::Wait;
///
/// let ready: Wait = Wait::http("/health").port(8080).status(200).into();
/// assert_eq!(ready.to_string(), "HTTP GET `/health` on port 8080 answering 200");
/// let both = Wait::http("/").and(Wait::tcp(5432));
/// assert_eq!(both.to_string(), "HTTP GET `/` answering and TCP port 5432 accepting connections");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an HttpWait does nothing until it is passed to `wait_for`"]
pub struct HttpWait {
    pub(crate) path: String,
    pub(crate) port: Option<u16>,
    pub(crate) status: Option<u16>,
}

impl HttpWait {
    /// Only this status counts (by default any response does).
    pub fn status(mut self, status: u16) -> HttpWait {
        self.status = Some(status);
        self
    }

    /// The container port to ask (it must be published); by default the lowest published one.
    pub fn port(mut self, container_port: u16) -> HttpWait {
        self.port = Some(container_port);
        self
    }

    /// This check and another.
    pub fn and(self, other: impl Into<Wait>) -> Wait {
        Wait::from(self).and(other)
    }
}

impl From<HttpWait> for Wait {
    fn from(http: HttpWait) -> Wait {
        Wait(Kind::Http(http))
    }
}

impl std::fmt::Display for HttpWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP GET `{}`", self.path)?;
        if let Some(p) = self.port {
            write!(f, " on port {p}")?;
        }
        match self.status {
            Some(s) => write!(f, " answering {s}"),
            None => write!(f, " answering"),
        }
    }
}

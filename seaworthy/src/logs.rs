//! Reading and following a container's logs.
//!
//! Logs are read on the library's runtime; lines are rebuilt per stream by a
//! [`LineAssembler`](crate::lines::LineAssembler), so a line Docker split across frames still
//! reaches matchers whole.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::lines::{LineAssembler, LogLine, StreamKind};
use crate::matchers::Matcher;
use crate::runtime;

/// How many log lines error messages carry.
pub(crate) const LAST_LINES: usize = 100;

/// Which logs to read: streams, how many of the last lines, timestamps, since when.
///
/// ```
/// use seaworthy::LogOptions;
///
/// let only_errors_tail = LogOptions::default().stdout(false).tail(10);
/// # let _ = only_errors_tail;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    stdout: bool,
    stderr: bool,
    tail: Option<usize>,
    timestamps: bool,
    since: Option<i32>,
}

impl Default for LogOptions {
    /// Both streams, all lines, no timestamps.
    fn default() -> Self {
        LogOptions {
            stdout: true,
            stderr: true,
            tail: None,
            timestamps: false,
            since: None,
        }
    }
}

impl LogOptions {
    /// Include stdout (default true).
    pub fn stdout(mut self, yes: bool) -> Self {
        self.stdout = yes;
        self
    }

    /// Include stderr (default true).
    pub fn stderr(mut self, yes: bool) -> Self {
        self.stderr = yes;
        self
    }

    /// Only the last `n` lines. Docker counts them before filtering streams.
    pub fn tail(mut self, n: usize) -> Self {
        self.tail = Some(n);
        self
    }

    /// Prefix every line with its RFC 3339 timestamp.
    pub fn timestamps(mut self, yes: bool) -> Self {
        self.timestamps = yes;
        self
    }

    /// Only lines logged at or after this Unix time (seconds).
    pub fn since(mut self, unix_seconds: i32) -> Self {
        self.since = Some(unix_seconds);
        self
    }

    fn to_bollard(&self, follow: bool) -> bollard::query_parameters::LogsOptions {
        let mut b = LogsOptionsBuilder::new()
            .stdout(self.stdout)
            .stderr(self.stderr)
            .follow(follow)
            .timestamps(self.timestamps)
            .tail(
                &self
                    .tail
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "all".into()),
            );
        if let Some(s) = self.since {
            b = b.since(s);
        }
        b.build()
    }
}

fn split(item: LogOutput) -> Option<(StreamKind, bytes::Bytes)> {
    match item {
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            Some((StreamKind::Stdout, message))
        }
        LogOutput::StdErr { message } => Some((StreamKind::Stderr, message)),
        LogOutput::StdIn { .. } => None,
    }
}

/// The logs so far, as text.
async fn fetch(c: &ContainerHandle, options: LogOptions) -> Result<String> {
    if !options.stdout && !options.stderr {
        return Ok(String::new());
    }
    let docker = c.helper().docker().clone();
    let (id, name) = (c.id().to_string(), c.docker_name().to_string());
    runtime::run(async move {
        let mut stream = docker.logs(&id, Some(options.to_bollard(false)));
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            let item =
                item.map_err(|e| Error::docker(format!("read logs of container `{name}`"), e))?;
            if let Some((_, bytes)) = split(item) {
                out.extend_from_slice(&bytes);
            }
        }
        // Valid UTF-8 (the usual case) becomes the String without a copy: big logs are
        // held once.
        Ok(String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    })
    .await
}

/// The last lines of a container's logs for error messages; empty when they cannot be read.
pub(crate) async fn last_lines(c: &ContainerHandle) -> Vec<String> {
    fetch(c, LogOptions::default().tail(LAST_LINES))
        .await
        .map(|t| crate::output::output_lines(t.as_bytes()))
        .unwrap_or_default()
}

/// A container's log lines as they are written, ending when the container stops.
///
/// Yields `Err(Error::StreamTimeout)` once if the deadline passes first, then ends. It can be
/// polled from any executor.
#[derive(Debug)]
pub struct LogStream {
    rx: mpsc::Receiver<Result<LogLine>>,
    task: tokio::task::JoinHandle<()>,
}

impl Stream for LogStream {
    type Item = Result<LogLine>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for LogStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts following the logs.
pub(crate) fn stream(c: &ContainerHandle, options: LogOptions, timeout: Duration) -> LogStream {
    let (tx, rx) = mpsc::channel(256);
    let docker = c.helper().docker().clone();
    let (id, name) = (c.id().to_string(), c.docker_name().to_string());
    let task = runtime::handle().spawn(async move {
        let follow = async {
            let mut stream = docker.logs(&id, Some(options.to_bollard(true)));
            let mut lines = LineAssembler::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(item) => {
                        if let Some((kind, bytes)) = split(item) {
                            for line in lines.push(kind, &bytes) {
                                if tx.send(Ok(line)).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx
                            .send(Err(Error::docker(
                                format!("follow logs of container `{name}`"),
                                e,
                            )))
                            .await;
                        return;
                    }
                }
            }
            for line in lines.finish() {
                if tx.send(Ok(line)).await.is_err() {
                    return;
                }
            }
        };
        if tokio::time::timeout(timeout, follow).await.is_err() {
            let _ = tx
                .send(Err(Error::StreamTimeout {
                    container: name.clone(),
                    timeout,
                }))
                .await;
        }
    });
    LogStream { rx, task }
}

async fn wait_for_match(
    c: &ContainerHandle,
    matcher: &mut dyn Matcher,
    options: LogOptions,
    timeout: Duration,
) -> Result<String> {
    let mut lines = stream(c, options, timeout);
    while let Some(item) = lines.next().await {
        match item {
            Ok(line) => {
                if matcher.matches(line.trimmed())? {
                    return Ok(line.trimmed().to_string());
                }
            }
            Err(Error::StreamTimeout { .. }) => {
                return Err(Error::LogsTimeout {
                    container: c.docker_name().to_string(),
                    matcher: matcher.to_string(),
                    timeout,
                    last_lines: last_lines(c).await,
                })
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::LogsEnded {
        container: c.docker_name().to_string(),
        matcher: matcher.to_string(),
        last_lines: last_lines(c).await,
    })
}

impl ContainerHandle {
    /// The container's logs so far, both streams, as text.
    ///
    /// The whole text is held in memory (once): for a container that logs a lot, read
    /// [`last_log_lines`](Self::last_log_lines), [`logs_with`](Self::logs_with) a
    /// [`tail`](LogOptions::tail) or [`since`](LogOptions::since), or
    /// [`stream_logs`](Self::stream_logs), which hold only what they return.
    pub async fn logs(&self) -> Result<String> {
        self.logs_with(LogOptions::default()).await
    }

    /// The container's logs with options (streams, tail, timestamps, since).
    pub async fn logs_with(&self, options: LogOptions) -> Result<String> {
        fetch(self, options).await
    }

    /// The last `n` log lines, both streams.
    pub async fn last_log_lines(&self, n: usize) -> Result<Vec<String>> {
        let text = self.logs_with(LogOptions::default().tail(n)).await?;
        Ok(crate::output::output_lines(text.as_bytes()))
    }

    /// Follows the logs as a stream of lines until the container stops or `timeout` passes (then
    /// the stream yields [`Error::StreamTimeout`] and ends).
    pub fn stream_logs(&self, options: LogOptions, timeout: Duration) -> LogStream {
        stream(self, options, timeout)
    }

    /// Waits until a log line (either stream, from the start of the logs) satisfies `matcher`,
    /// and returns it. Lines are rebuilt per stream and trailing whitespace is trimmed.
    pub async fn wait_for_logs_matching(
        &self,
        matcher: &mut dyn Matcher,
        timeout: Duration,
    ) -> Result<String> {
        wait_for_match(self, matcher, LogOptions::default(), timeout).await
    }
}

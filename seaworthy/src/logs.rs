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

use crate::engine::retry::{self, Failed, BACKOFF};
use crate::engine::transport::transport;
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::lines::{LineAssembler, LogLine, StreamKind};
use crate::matchers::Matcher;
use crate::resume::{split_stamp, Resume};
use crate::runtime;

/// How long a log follow may stay silent before its connection is opened again (a connection
/// can stall without closing; resuming skips what was already read).
const FOLLOW_IDLE: Duration = Duration::from_secs(10);

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
    let target = c.helper().target();
    let (id, name) = (c.id().to_string(), c.docker_name().to_string());
    runtime::run(async move {
        // Read again from the start when the connection breaks: nothing is handed out before
        // the whole text has arrived.
        let action = format!("read logs of container `{name}`");
        let out = retry::read(&target, &action, |_| async {
            let mut stream = docker.logs(&id, Some(options.to_bollard(false)));
            let mut out = Vec::new();
            while let Some(item) = stream.next().await {
                if let Some((_, bytes)) = split(item?) {
                    out.extend_from_slice(&bytes);
                }
            }
            Ok(out)
        })
        .await?;
        // Valid UTF-8 (the usual case) becomes the String without a copy: big logs are
        // held once.
        Ok(String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    })
    .await
}

/// The last lines of a container's logs for error messages; when they cannot be read, one line
/// saying why (so that a message never claims that the container logged nothing).
pub(crate) async fn last_lines(c: &ContainerHandle) -> Vec<String> {
    match fetch(c, LogOptions::default().tail(LAST_LINES)).await {
        Ok(text) => crate::output::output_lines(text.as_bytes()),
        Err(e) => {
            let why = e.to_string();
            vec![format!(
                "(the logs could not be read: {})",
                why.lines().next().unwrap_or_default()
            )]
        }
    }
}

/// A container's log lines as they are written, ending when the container stops.
///
/// Yields `Err(Error::Container(ContainerError::StreamTimeout))` once if the deadline passes first, then ends. It can be
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

/// The lines of a follow that asks for timestamps, across reconnects: each message's time is
/// read (and removed unless the caller asked for timestamps), and what was seen before a
/// reconnect is skipped.
struct Seen {
    lines: LineAssembler,
    /// A TTY's output arrives in chunks that are not messages: its lines are rebuilt first,
    /// then their times read; a reconnect drops a partial line (it is sent again).
    console: LineAssembler,
    /// One per stream (stdout, stderr): the engine stamps each stream's messages in order, but
    /// writes the two streams independently, so their stamps interleave out of order.
    resume: [Resume; 2],
    keep_timestamps: bool,
}

fn slot(kind: StreamKind) -> usize {
    usize::from(kind == StreamKind::Stderr)
}

impl Seen {
    fn new(keep_timestamps: bool) -> Seen {
        Seen {
            lines: LineAssembler::new(),
            console: LineAssembler::new(),
            resume: Default::default(),
            keep_timestamps,
        }
    }

    /// The new lines an item of the stream completes.
    fn accept(&mut self, item: LogOutput) -> Vec<LogLine> {
        if let LogOutput::Console { message } = item {
            let lines = self.console.push(StreamKind::Stdout, &message);
            return lines
                .into_iter()
                .filter_map(|mut line| match split_stamp(line.text.as_bytes()) {
                    None => Some(line),
                    Some((stamp, _)) if !self.resume[0].is_new(stamp) => None,
                    Some((_, text)) => {
                        if !self.keep_timestamps {
                            line.text = String::from_utf8_lossy(text).into_owned();
                        }
                        Some(line)
                    }
                })
                .collect();
        }
        let Some((kind, bytes)) = split(item) else {
            return Vec::new();
        };
        match split_stamp(&bytes) {
            Some((stamp, _)) if !self.resume[slot(kind)].is_new(stamp) => Vec::new(),
            Some((_, text)) if !self.keep_timestamps => self.lines.push(kind, text),
            _ => self.lines.push(kind, &bytes),
        }
    }

    /// Prepares for a reconnect; the Unix second to ask from (`None`: as before).
    fn reconnect(&mut self) -> Option<i64> {
        self.console = LineAssembler::new();
        // From the earlier of the two streams' latest seconds (a stream that has shown
        // nothing has nothing to skip).
        let [out, err] = &mut self.resume;
        match (out.since(), err.since()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The partial lines left at the end.
    fn finish(&mut self) -> Vec<LogLine> {
        let mut out = self.lines.finish();
        out.extend(self.console.finish());
        out
    }
}

/// Starts following the logs.
///
/// A connection that breaks is opened again from where it was (see [`crate::resume`]): the
/// follow asks for timestamps, and after a reconnect skips what it already handed out, so no
/// line is duplicated or lost. A connection silent for [`FOLLOW_IDLE`] is replaced the same way
/// (it may have stalled). The reconnects after a failure are bounded by
/// [`BACKOFF`](crate::engine::retry::BACKOFF), and the whole follow by `timeout`.
pub(crate) fn stream(c: &ContainerHandle, options: LogOptions, timeout: Duration) -> LogStream {
    let (tx, rx) = mpsc::channel(256);
    let docker = c.helper().docker().clone();
    let target = c.helper().target();
    let (id, name) = (c.id().to_string(), c.docker_name().to_string());
    let task = runtime::handle().spawn(async move {
        let follow = async {
            let mut seen = Seen::new(options.timestamps);
            let mut since = options.since.map(i64::from);
            let mut failures = 0;
            loop {
                let mut stamped = options.clone().timestamps(true);
                stamped.since = since.and_then(|s| i32::try_from(s).ok());
                let mut stream = docker.logs(&id, Some(stamped.to_bollard(true)));
                let (mut broken, mut idle) = (None, false);
                loop {
                    let item = match tokio::time::timeout(FOLLOW_IDLE, stream.next()).await {
                        Ok(Some(item)) => item,
                        Ok(None) => break,
                        Err(_) => {
                            idle = true;
                            break;
                        }
                    };
                    let item = match item {
                        Ok(item) => item,
                        Err(e) => {
                            broken = Some(e);
                            break;
                        }
                    };
                    failures = 0;
                    for line in seen.accept(item) {
                        if tx.send(Ok(line)).await.is_err() {
                            return;
                        }
                    }
                }
                if idle {
                    // Silent for a while: a stalled connection is replaced (a quiet container
                    // costs one request per FOLLOW_IDLE).
                    since = seen.reconnect().or(since);
                    continue;
                }
                let Some(error) = broken else { break };
                match BACKOFF.get(failures) {
                    Some(wait) if transport(&error).is_some() => {
                        tracing::debug!(target: "seaworthy", container = %name, %error, "log follow broken: reconnecting");
                        tokio::time::sleep(*wait).await;
                        failures += 1;
                        since = seen.reconnect().or(since);
                    }
                    _ => {
                        let failed = Failed {
                            error,
                            attempts: failures + 1,
                        };
                        let action = format!("follow logs of container `{name}`");
                        let _ = tx.send(Err(retry::fail(&target, action, failed))).await;
                        return;
                    }
                }
            }
            for line in seen.finish() {
                if tx.send(Ok(line)).await.is_err() {
                    return;
                }
            }
        };
        if tokio::time::timeout(timeout, follow).await.is_err() {
            let _ = tx
                .send(Err(Error::from(ContainerError::StreamTimeout {
                    container: name.clone(),
                    timeout,
                })))
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
            Err(Error::Container(ContainerError::StreamTimeout { .. })) => {
                return Err(Error::from(ContainerError::LogsTimeout {
                    container: c.docker_name().to_string(),
                    matcher: matcher.to_string(),
                    timeout,
                    last_lines: last_lines(c).await,
                }))
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::from(ContainerError::LogsEnded {
        container: c.docker_name().to_string(),
        matcher: matcher.to_string(),
        last_lines: last_lines(c).await,
    }))
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
    /// the stream yields [`ContainerError::StreamTimeout`](crate::ContainerError::StreamTimeout) and ends).
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

#[cfg(test)]
mod should {
    use super::*;

    const T1: &str = "2026-11-29T13:22:05.000000001Z";
    const T2: &str = "2026-11-29T13:22:05.000000002Z";
    const T3: &str = "2026-11-29T13:22:06.000000000Z";

    fn out(text: String) -> LogOutput {
        LogOutput::StdOut {
            message: text.into(),
        }
    }

    fn texts(lines: Vec<LogLine>) -> Vec<String> {
        lines.into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn skip_after_a_reconnect_what_was_seen_before() {
        let mut seen = Seen::new(false);
        assert_eq!(texts(seen.accept(out(format!("{T1} a\n")))), ["a"]);
        assert_eq!(texts(seen.accept(out(format!("{T2} b\n")))), ["b"]);
        assert_eq!(seen.reconnect(), Some(1_795_958_525));
        assert!(seen.accept(out(format!("{T1} a\n"))).is_empty());
        assert!(seen.accept(out(format!("{T2} b\n"))).is_empty());
        assert_eq!(texts(seen.accept(out(format!("{T3} c\n")))), ["c"]);
        assert!(seen.finish().is_empty());
    }

    #[test]
    fn keep_a_stream_whose_stamps_are_earlier_than_the_others() {
        let err = |text: String| LogOutput::StdErr {
            message: text.into(),
        };
        let mut seen = Seen::new(false);
        assert_eq!(texts(seen.accept(out(format!("{T2} b\n")))), ["b"]);
        // Written to stderr before `b`, delivered after it.
        assert_eq!(texts(seen.accept(err(format!("{T1} a\n")))), ["a"]);
        assert_eq!(seen.reconnect(), Some(1_795_958_525));
        assert!(seen.accept(err(format!("{T1} a\n"))).is_empty());
        assert!(seen.accept(out(format!("{T2} b\n"))).is_empty());
        assert_eq!(texts(seen.accept(err(format!("{T3} c\n")))), ["c"]);
    }

    #[test]
    fn keep_the_timestamps_when_asked() {
        let mut seen = Seen::new(true);
        assert_eq!(
            texts(seen.accept(out(format!("{T1} a\n")))),
            [format!("{T1} a")]
        );
    }

    #[test]
    fn read_the_times_of_a_ttys_lines_and_let_unstamped_ones_through() {
        let mut seen = Seen::new(false);
        let console = |m: &str| LogOutput::Console {
            message: m.to_string().into(),
        };
        let (head, tail) = T2.split_at(10);
        assert_eq!(
            texts(seen.accept(console(&format!("{T1} a\r\n{head}")))),
            ["a"]
        );
        assert_eq!(texts(seen.accept(console(&format!("{tail} b\r\n")))), ["b"]);
        assert_eq!(texts(seen.accept(console("plain\r\n"))), ["plain"]);
        seen.reconnect();
        assert!(seen
            .accept(console(&format!("{T1} a\r\n{T2} b\r\n")))
            .is_empty());
    }
}

//! Log consumers: every log line of a container handed to a callback, or to `tracing`, as it
//! is written, from the start to the removal, through the same resuming follow as
//! [`stream_logs`](crate::ContainerHandle::stream_logs).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use crate::handle::ContainerHandle;
use crate::lines::{LogLine, StreamKind};
use crate::logs::LogOptions;

/// The `tracing` target of [`LogConsumer::tracing`]'s events.
pub const LOG_TARGET: &str = "seaworthy::container_log";

/// How long a consumer's follow may last: the container's whole life.
const FOREVER: Duration = Duration::from_secs(365 * 24 * 3600);

type Callback = Arc<dyn Fn(&LogLine) + Send + Sync>;

/// Where a container's log lines go as they are written (see
/// [`ContainerDefinition::log_consumer`](crate::ContainerDefinition::log_consumer)).
///
/// Each line comes with its stream ([`LogLine::stream`]), so stdout and stderr stay apart; a
/// consumer can also take one stream only. Lines arrive in order per stream, exactly once, across
/// engine reconnects; the last ones are delivered before the container is removed.
///
/// `tracing`'s targets are fixed when the program is compiled, so [`tracing`](Self::tracing)
/// uses [`LOG_TARGET`]; for a target of your own, log from a callback:
///
/// ```
/// use seaworthy::{LogConsumer, StreamKind};
///
/// let mine = LogConsumer::new(|line| match line.stream {
///     StreamKind::Stderr => tracing::warn!(target: "my_app::db", "{}", line.text),
///     _ => tracing::info!(target: "my_app::db", "{}", line.text),
/// });
/// ```
#[derive(Clone)]
pub struct LogConsumer {
    sink: Sink,
    stdout: bool,
    stderr: bool,
}

#[derive(Clone)]
enum Sink {
    Callback(Callback),
    Tracing,
}

impl fmt::Debug for LogConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sink = match self.sink {
            Sink::Callback(_) => "callback",
            Sink::Tracing => "tracing",
        };
        f.debug_struct("LogConsumer")
            .field("sink", &sink)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

impl LogConsumer {
    /// Calls `f` with every line, both streams. It runs on the library's runtime: keep it
    /// short (push into a channel or a `Mutex<Vec<_>>`), never block on the test.
    pub fn new(f: impl Fn(&LogLine) + Send + Sync + 'static) -> Self {
        LogConsumer {
            sink: Sink::Callback(Arc::new(f)),
            stdout: true,
            stderr: true,
        }
    }

    /// Emits every line as a `tracing` event at target [`LOG_TARGET`]: `INFO` for stdout,
    /// `WARN` for stderr, with the container's Docker name as the field `container`.
    pub fn tracing() -> Self {
        LogConsumer {
            sink: Sink::Tracing,
            stdout: true,
            stderr: true,
        }
    }

    /// Only the lines written to stdout.
    pub fn stdout_only(mut self) -> Self {
        (self.stdout, self.stderr) = (true, false);
        self
    }

    /// Only the lines written to stderr.
    pub fn stderr_only(mut self) -> Self {
        (self.stdout, self.stderr) = (false, true);
        self
    }

    fn deliver(&self, container: &str, line: &LogLine) {
        match &self.sink {
            Sink::Callback(f) => f(line),
            Sink::Tracing => match line.stream {
                StreamKind::Stderr => {
                    tracing::warn!(target: LOG_TARGET, container, stream = "stderr", "{}", line.text)
                }
                _ => {
                    tracing::info!(target: LOG_TARGET, container, stream = "stdout", "{}", line.text)
                }
            },
        }
    }
}

impl ContainerHandle {
    /// Follows the container's logs into `consumer` from its first line until it stops; the
    /// follow is awaited before the container is removed, so no line is lost.
    pub(crate) fn attach_consumer(&self, consumer: LogConsumer) {
        let options = LogOptions::default()
            .stdout(consumer.stdout)
            .stderr(consumer.stderr);
        let mut lines = crate::logs::stream(self, options, FOREVER);
        let name = self.docker_name().to_string();
        let task = crate::runtime::handle().spawn(async move {
            while let Some(item) = lines.next().await {
                match item {
                    Ok(line) => consumer.deliver(&name, &line),
                    Err(e) => {
                        tracing::warn!(target: "seaworthy", container = %name, "log consumer stopped: {e}");
                        return;
                    }
                }
            }
        });
        self.keep_consumer(task);
    }
}

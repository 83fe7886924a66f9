//! Test timeouts: `#[container_test(timeout = "30s")]`, or [`ENV_TEST_TIMEOUT`] for tests that
//! do not say.
//!
//! The clock starts when the test's fixtures start to be set up, so a readiness wait, an exec
//! or an HTTP call that hangs, in a fixture or in the body, ends at the deadline: the future is
//! dropped, the test fails with a report that says where it was (and the last log lines of its
//! containers, the ones still being set up included), and its teardown runs as after any
//! failure.
//!
//! An `async fn` body is ended at its next `.await`; one that blocks its thread without
//! awaiting is not. A plain `fn` body cannot be interrupted at all: with a timeout it runs on a
//! thread of its own, and at the deadline the test fails and its resources are torn down while
//! that thread is left running, until it returns or the test process exits.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use super::registry::TestInfo;
use super::report::{self, Caught};

/// Env var: the timeout of every `#[container_test]` that sets none (`30s`, `500ms`, `2m`,
/// `1h`, `1m30s`); unset or empty for none.
pub(crate) const ENV_TEST_TIMEOUT: &str = "SEAWORTHY_TEST_TIMEOUT";

/// A test's time limit, and where it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) duration: Duration,
    /// `true`: the test's attribute; `false`: [`ENV_TEST_TIMEOUT`].
    from_attribute: bool,
}

/// The limit was reached.
#[derive(Debug)]
pub(crate) struct TimedOut {
    /// A plain `fn` body's thread is still running.
    pub(crate) thread_left_running: bool,
}

/// The test's limit: its attribute's, else the environment's. An unreadable environment value
/// is an error naming the variable.
pub(crate) fn limit(info: &TestInfo) -> Result<Option<Limit>, String> {
    if let Some(duration) = info.timeout {
        return Ok(Some(Limit {
            duration,
            from_attribute: true,
        }));
    }
    let Some(value) = std::env::var_os(ENV_TEST_TIMEOUT).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    match parse(&text) {
        Some(ms) if ms > 0 => Ok(Some(Limit {
            duration: Duration::from_millis(ms),
            from_attribute: false,
        })),
        _ => Err(format!(
            "seaworthy: test `{}` cannot run: {ENV_TEST_TIMEOUT}=`{text}` is not a timeout \
             (write a positive duration in whole units: `30s`, `500ms`, `2m`, `1h`, `1m30s`; \
             or unset it for none)",
            info.name
        )),
    }
}

/// The milliseconds of `30s`, `500ms`, `2m`, `1h` or a sum of them (`1m30s`).
fn parse(text: &str) -> Option<u64> {
    let mut rest = text.trim();
    let mut total: u64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(split);
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_end);
        let scale = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
            .iter()
            .find_map(|(u, scale)| (*u == unit).then_some(*scale))?;
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(scale)?)?;
        rest = next;
    }
    Some(total)
}

/// `2s`, `1500ms`, `2m`.
fn shown(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

impl Limit {
    /// The deadline of a test whose clock starts now.
    pub(crate) fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.duration
    }

    /// The failure's first lines: what timed out, where the limit comes from, where the test
    /// was (`setting_up`: the fixtures still being set up; `None`: in the body) and, for a plain
    /// `fn` body, that its thread is left running.
    pub(crate) fn message(&self, info: &TestInfo, phase: Phase<'_>) -> String {
        let d = shown(self.duration);
        let source = if self.from_attribute {
            format!("its `timeout = \"{d}\"`")
        } else {
            format!("{ENV_TEST_TIMEOUT}={d}")
        };
        let during = match phase {
            Phase::Setup([]) => "while setting up its fixtures".to_string(),
            Phase::Setup(fixtures) => format!(
                "while setting up its fixtures (still setting up: {})",
                fixtures
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Phase::AsyncBody => "in its body".to_string(),
            Phase::SyncBody => "in its body; the body of a plain `fn` test cannot be \
                                interrupted, so its thread is left running (until it returns \
                                or the test process exits) while its containers are removed"
                .to_string(),
        };
        format!(
            "seaworthy: test `{}` timed out after {d} ({source}) {during}\n(hint: raise the \
             timeout if the test is only slow; the last log lines below show where its \
             containers were)",
            info.name
        )
    }
}

/// Where a test was when its time ran out.
pub(crate) enum Phase<'a> {
    /// Setting up its fixtures; these had not finished.
    Setup(&'a [&'static str]),
    /// In an `async fn` body.
    AsyncBody,
    /// In a plain `fn` body (left running on its thread).
    SyncBody,
}

/// `work`, ended at `deadline` (never, without one).
pub(crate) async fn bounded<T>(
    deadline: Option<tokio::time::Instant>,
    work: impl std::future::Future<Output = T>,
) -> Result<T, TimedOut> {
    match deadline {
        None => Ok(work.await),
        Some(d) => tokio::time::timeout_at(d, work)
            .await
            .map_err(|_| TimedOut {
                thread_left_running: false,
            }),
    }
}

type Ended = (std::thread::Result<()>, Vec<Caught>);

/// Runs a plain `fn` body on a thread of its own and waits for it until `deadline`. Its panic
/// (held back by the report hook there) is handed to this thread's hook and resumed here, so
/// the runner reports it as it reports any body's. At the deadline the thread is left running.
pub(crate) fn on_thread(
    deadline: tokio::time::Instant,
    body: impl FnOnce() + Send + 'static,
) -> Result<(), TimedOut> {
    let (tx, rx) = std::sync::mpsc::channel::<Ended>();
    let mut thread = std::thread::Builder::new();
    // The test's name, which libtest gave this thread: the panic report shows it.
    if let Some(name) = std::thread::current().name() {
        thread = thread.name(name.to_string());
    }
    let spawned = thread.spawn(move || {
        let outcome = report::deferring(|| std::panic::catch_unwind(AssertUnwindSafe(body)));
        let _ = tx.send((outcome, report::take_caught()));
    });
    if let Err(e) = spawned {
        panic!("seaworthy: cannot start the thread of the test's body: {e}");
    }
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    match rx.recv_timeout(left) {
        Ok((outcome, caught)) => {
            report::hold(caught);
            if let Err(payload) = outcome {
                std::panic::resume_unwind(payload);
            }
            Ok(())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(TimedOut {
            thread_left_running: true,
        }),
        // The thread cannot end without sending: its body's panic is caught.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_read_in_whole_units() {
        let cases = [
            ("500ms", Some(500)),
            ("30s", Some(30_000)),
            ("2m", Some(120_000)),
            ("1h", Some(3_600_000)),
            ("1m30s", Some(90_000)),
            (" 2s ", Some(2_000)),
            ("30", None),
            ("1.5s", None),
            ("2 s", None),
            ("s", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), expected, "{text:?}");
        }
    }

    #[test]
    fn durations_are_shown_in_their_largest_whole_unit() {
        let shown: Vec<_> = [2_000, 1_500, 120_000, 90_000]
            .map(|ms| shown(Duration::from_millis(ms)))
            .into();
        assert_eq!(shown, ["2s", "1500ms", "2m", "90s"]);
    }

    #[test]
    fn the_message_says_where_the_test_was_and_where_the_limit_comes_from() {
        let info = TestInfo {
            module: "m",
            name: "t",
            file: "f.rs",
            line: 1,
            ignored: false,
            timeout: Some(Duration::from_secs(2)),
        };
        let limit = limit(&info).expect("read").expect("set");
        let msg = limit.message(&info, Phase::Setup(&["db", "web"]));
        assert!(
            msg.starts_with(
                "seaworthy: test `t` timed out after 2s (its `timeout = \"2s\"`) while setting up \
                 its fixtures (still setting up: `db`, `web`)\n"
            ),
            "{msg}"
        );
        let from_env = Limit {
            duration: Duration::from_millis(1_500),
            from_attribute: false,
        };
        let msg = from_env.message(&info, Phase::SyncBody);
        assert!(
            msg.contains("(SEAWORTHY_TEST_TIMEOUT=1500ms) in its body; the body of a plain `fn`"),
            "{msg}"
        );
    }
}

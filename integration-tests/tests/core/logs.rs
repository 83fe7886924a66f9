//! Logs (reference §2.2, real-container parts, and the log cases of §2.4): streams, tail,
//! timestamps, streaming with a deadline, waiting for lines, lines split across frames.
//!
//! Containers never race the test's clock: where a test needs "nothing more is logged yet", the
//! container waits for a file the test creates with `exec`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use seaworthy::matchers::{Equals, Ordered, Regex, Unordered};
use seaworthy::{ContainerDefinition, Error, LogOptions, Wait};
use seaworthy::{LogLine, StreamKind};

use crate::{shell, wait_exited, with_helper};

/// Prints o0, e0 (stderr), o1, e1 (stderr), a little apart so Docker keeps their order, and
/// exits.
fn out_err(name: &str) -> ContainerDefinition {
    shell(
        name,
        "echo o0; sleep 0.1; echo e0 >&2; sleep 0.1; echo o1; sleep 0.1; echo e1 >&2",
    )
}

/// Waits for a file, so the test decides when the rest of the script runs.
const WAIT_GO: &str = "while [ ! -e /tmp/go ]; do sleep 0.05; done";

async fn go(c: &ContainerDefinition) {
    c.exec_ok(["touch", "/tmp/go"]).await.unwrap();
}

#[tokio::test]
async fn logs_separate_stdout_and_stderr() {
    with_helper(|helper| async move {
        let c = out_err("outerr");
        c.setup(&helper).await.unwrap();
        wait_exited(&c).await;
        assert_eq!(c.logs().await.unwrap(), "o0\ne0\no1\ne1\n");
        let only = |out, err| LogOptions::default().stdout(out).stderr(err);
        assert_eq!(c.logs_with(only(false, true)).await.unwrap(), "e0\ne1\n");
        assert_eq!(c.logs_with(only(true, false)).await.unwrap(), "o0\no1\n");
        assert_eq!(c.logs_with(only(false, false)).await.unwrap(), "");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn tail_counts_lines_before_filtering_streams() {
    with_helper(|helper| async move {
        let c = out_err("tail");
        c.setup(&helper).await.unwrap();
        wait_exited(&c).await;
        let tail = |n| LogOptions::default().tail(n);
        assert_eq!(c.logs_with(tail(10000)).await.unwrap(), "o0\ne0\no1\ne1\n");
        assert_eq!(c.logs_with(tail(0)).await.unwrap(), "");
        assert_eq!(c.logs_with(tail(1)).await.unwrap(), "e1\n");
        assert_eq!(c.logs_with(tail(2)).await.unwrap(), "o1\ne1\n");
        let out = |n| tail(n).stderr(false);
        assert_eq!(c.logs_with(out(1)).await.unwrap(), "");
        assert_eq!(c.logs_with(out(2)).await.unwrap(), "o1\n");
        assert_eq!(c.logs_with(out(3)).await.unwrap(), "o1\n");
        assert_eq!(c.logs_with(out(4)).await.unwrap(), "o0\no1\n");
        assert_eq!(c.last_log_lines(2).await.unwrap(), ["o1", "e1"]);
        c.teardown().await.unwrap();
    })
    .await;
}

/// Nanoseconds since the epoch of an RFC 3339 UTC timestamp as Docker writes it
/// (`2024-11-28T00:31:12.123456789Z`, trailing zeros of the fraction dropped).
fn parse_rfc3339_nanos(ts: &str) -> i128 {
    let ts = ts
        .strip_suffix('Z')
        .unwrap_or_else(|| panic!("not UTC: {ts}"));
    let (date, time) = ts.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let nanos: i64 = format!("{frac:0<9}")[..9].parse().unwrap();
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + t[0] * 3600 + t[1] * 60 + t[2];
    i128::from(secs) * 1_000_000_000 + i128::from(nanos)
}

fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128
}

#[tokio::test]
async fn timestamps_prefix_every_line_and_increase() {
    assert_eq!(
        parse_rfc3339_nanos("1970-01-02T00:00:01.5Z"),
        86_401_500_000_000
    );
    with_helper(|helper| async move {
        let before = now_nanos();
        let c = out_err("stamps");
        c.setup(&helper).await.unwrap();
        wait_exited(&c).await;
        let after = now_nanos();
        let text = c
            .logs_with(LogOptions::default().timestamps(true))
            .await
            .unwrap();
        let mut last = before;
        let mut lines = Vec::new();
        for line in text.lines() {
            let (ts, rest) = line.split_once(' ').unwrap();
            let t = parse_rfc3339_nanos(ts);
            assert!(t > last, "{text}");
            last = t;
            lines.push(rest);
        }
        assert!(last < after, "{text}");
        assert_eq!(lines, ["o0", "e0", "o1", "e1"]);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn since_filters_by_time() {
    with_helper(|helper| async move {
        let c = out_err("since");
        c.setup(&helper).await.unwrap();
        wait_exited(&c).await;
        let future = (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600) as i32;
        assert_eq!(
            c.logs_with(LogOptions::default().since(future))
                .await
                .unwrap(),
            ""
        );
        assert_eq!(
            c.logs_with(LogOptions::default().since(1)).await.unwrap(),
            "o0\ne0\no1\ne1\n"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

async fn collect(
    c: &ContainerDefinition,
    options: LogOptions,
    timeout: Duration,
) -> (Vec<LogLine>, Option<Error>) {
    let mut stream = c.stream_logs(options, timeout).unwrap();
    let mut lines = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(line) => lines.push(line),
            Err(e) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream goes on after an error"
                );
                return (lines, Some(e));
            }
        }
    }
    (lines, None)
}

fn texts(lines: &[LogLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

#[tokio::test]
async fn stream_logs_times_out_then_streams_again() {
    with_helper(|helper| async move {
        let c = shell(
            "streamer",
            &format!("echo o0; sleep 0.1; echo e0 >&2; {WAIT_GO}; echo o1; sleep 0.1; echo e1 >&2"),
        )
        .wait_for(Wait::logs(["^o0$", "^e0$"]));
        c.setup(&helper).await.unwrap();
        let name = c.docker_name().unwrap();

        // Nothing new comes until we say so: the stream times out with the history only.
        let (lines, err) = collect(&c, LogOptions::default(), Duration::from_millis(300)).await;
        assert_eq!(texts(&lines), ["o0", "e0"]);
        let err = err.expect("a timeout");
        assert!(
            matches!(
                err,
                Error::Container(seaworthy::ContainerError::StreamTimeout { .. })
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("timed out after 0.3s streaming logs of container `{name}`")
        );
        // Streaming only new lines, with no new lines, also times out with nothing.
        let (lines, err) = collect(
            &c,
            LogOptions::default().tail(0),
            Duration::from_millis(300),
        )
        .await;
        assert!(lines.is_empty());
        assert!(matches!(
            err,
            Some(Error::Container(
                seaworthy::ContainerError::StreamTimeout { .. }
            ))
        ));

        // A stream of new lines only, then let the container finish: it ends normally.
        let mut new_only = c
            .stream_logs(LogOptions::default().tail(0), Duration::from_secs(60))
            .unwrap();
        go(&c).await;
        let mut got = Vec::new();
        while let Some(item) = new_only.next().await {
            let line = item.unwrap();
            got.push((line.stream, line.text));
        }
        assert_eq!(
            got,
            [
                (StreamKind::Stdout, "o1".to_string()),
                (StreamKind::Stderr, "e1".to_string())
            ]
        );

        // Everything, from the start, once the container has exited.
        let (lines, err) = collect(&c, LogOptions::default(), Duration::from_secs(60)).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(texts(&lines), ["o0", "e0", "o1", "e1"]);
        let (lines, _) = collect(
            &c,
            LogOptions::default().stdout(false),
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(texts(&lines), ["e0", "e1"]);
        assert!(lines.iter().all(|l| l.stream == StreamKind::Stderr));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn lines_split_across_frames_are_rebuilt_per_stream() {
    with_helper(|helper| async move {
        let c = shell(
            "splitter",
            "printf 'hel'; printf 'err-' >&2; sleep 0.3; printf 'lo wor'; sleep 0.3; \
             echo 'ld'; sleep 0.1; echo 'half' >&2; exec sleep 300",
        )
        .wait_for(Wait::logs(["^hello world$"]));
        c.setup(&helper).await.unwrap();
        let mut m = Equals::new("hello world");
        let line = c
            .wait_for_logs_matching(&mut m, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(line, "hello world");
        let mut m = Equals::new("err-half");
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "err-half"
        );
        let (lines, _) = collect(&c, LogOptions::default(), Duration::from_millis(300)).await;
        let got: Vec<(StreamKind, &str)> =
            lines.iter().map(|l| (l.stream, l.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (StreamKind::Stdout, "hello world"),
                (StreamKind::Stderr, "err-half")
            ]
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn wait_for_logs_matching_finds_a_line_or_fails_when_the_logs_end() {
    with_helper(|helper| async move {
        let c = shell(
            "matcher",
            "echo hi; sleep 0.1; echo heya >&2; sleep 0.1; echo hello",
        );
        c.setup(&helper).await.unwrap();
        let name = c.docker_name().unwrap();
        let mut m = Equals::new("hello");
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "hello"
        );
        let mut m = Equals::new("heya");
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "heya"
        );
        wait_exited(&c).await;
        let mut m = Equals::new("goodbye");
        let e = c
            .wait_for_logs_matching(&mut m, Duration::from_secs(60))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "logs of container `{name}` ended without a line matching Equals(\"goodbye\")\n\
                 last 3 log line(s):\n  | hi\n  | heya\n  | hello"
            )
        );
        assert_eq!(e.last_log_lines().unwrap(), ["hi", "heya", "hello"]);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn wait_for_logs_matching_times_out_with_the_lines_seen() {
    with_helper(|helper| async move {
        let c = shell(
            "slowpoke",
            &format!("echo hi; {WAIT_GO}; echo hello; exec sleep 300"),
        )
        .wait_for(Wait::logs(["^hi$"]));
        c.setup(&helper).await.unwrap();
        let name = c.docker_name().unwrap();
        let mut m = Equals::new("hello");
        let e = c
            .wait_for_logs_matching(&mut m, Duration::from_millis(100))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "timed out after 0.1s waiting for logs of container `{name}` matching \
                 Equals(\"hello\")\nlast 1 log line(s):\n  | hi"
            )
        );
        go(&c).await;
        let mut m = Equals::new("hello");
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "hello"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn stateful_matchers_over_real_logs() {
    with_helper(|helper| async move {
        let c = shell(
            "entries",
            "for i in 0 1 2 3 4 5 6 7 8 9; do echo \"Log entry $i\"; done; exec sleep 300",
        )
        .wait_for(Wait::logs(["Log entry 9"]));
        c.setup(&helper).await.unwrap();
        let mut m = Ordered::by_equality(["Log entry 1", "Log entry 4"]);
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "Log entry 4"
        );
        assert!(m.is_complete());
        // Exhausted: using it again is an error, not a silent match.
        let e = c
            .wait_for_logs_matching(&mut m, Duration::from_secs(60))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "matcher exhausted, no more matchers to use");

        let mut m = Unordered::by_regex([r"entry 7$", r"entry [0-2]$"]).unwrap();
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "Log entry 7"
        );
        let mut m = Regex::new(r"^Log entry \d$").unwrap();
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "Log entry 0"
        );
        // Out of order never completes: the stream times out showing the progress.
        let mut m = Ordered::by_equality(["Log entry 5", "Log entry 2"]);
        let e = c
            .wait_for_logs_matching(&mut m, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(seaworthy::ContainerError::LogsTimeout { .. })
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains(&m.to_string()), "{e}");
        assert_eq!(m.matched(), ["Equals(\"Log entry 5\")"]);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn log_text_is_utf8_with_invalid_bytes_replaced() {
    with_helper(|helper| async move {
        let c = shell("utf8", r"printf '\303\276orn\n\376orn\n'; exec sleep 300")
            .wait_for(Wait::logs(["orn$", "orn$"]));
        c.setup(&helper).await.unwrap();
        let mut m = Equals::new("þorn");
        assert_eq!(
            c.wait_for_logs_matching(&mut m, Duration::from_secs(60))
                .await
                .unwrap(),
            "þorn"
        );
        assert_eq!(c.logs().await.unwrap(), "þorn\n\u{fffd}orn\n");
        c.teardown().await.unwrap();
    })
    .await;
}

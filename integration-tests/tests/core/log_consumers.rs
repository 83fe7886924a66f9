//! Log consumers (issue 20, item 7): every line, each stream apart, exactly once, the last ones
//! before removal.

use std::sync::{Arc, Mutex};

use seaworthy::{LogConsumer, LogLine, StreamKind, Wait};

use crate::definitions::{creates, watch_creates};
use crate::{shell, wait_exited, with_helper};

/// A consumer that keeps what it is given, and the lines it kept.
fn collector() -> (LogConsumer, Arc<Mutex<Vec<LogLine>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let into = seen.clone();
    (
        LogConsumer::new(move |line| into.lock().unwrap().push(line.clone())),
        seen,
    )
}

/// `n` numbered lines: even ones on stdout, odd ones on stderr.
const PRINT: &str = "i=0; while [ $i -lt $N ]; do if [ $((i % 2)) = 0 ]; then echo \"out $i\"; \
                     else echo \"err $i\" >&2; fi; i=$((i + 1)); done";

#[tokio::test]
async fn every_line_of_a_container_that_exits_reaches_the_consumers_once() {
    with_helper(|helper| async move {
        let live = watch_creates().await;
        let (all, seen) = collector();
        let (errs, seen_err) = collector();
        let c = shell("counted", PRINT)
            .env("N", "2000")
            .log_consumer(all)
            .log_consumer(errs.stderr_only());
        c.setup(&helper).await.unwrap();
        wait_exited(&c).await;
        c.teardown().await.unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2000);
        let outs: Vec<_> = seen
            .iter()
            .filter(|l| l.stream == StreamKind::Stdout)
            .collect();
        let errs: Vec<_> = seen
            .iter()
            .filter(|l| l.stream == StreamKind::Stderr)
            .collect();
        assert_eq!(outs.len(), 1000);
        for (n, l) in outs.iter().enumerate() {
            assert_eq!(l.text, format!("out {}", 2 * n));
        }
        for (n, l) in errs.iter().enumerate() {
            assert_eq!(l.text, format!("err {}", 2 * n + 1));
        }
        let only_err = seen_err.lock().unwrap().clone();
        assert_eq!(only_err.len(), 1000);
        assert!(only_err.iter().all(|l| l.stream == StreamKind::Stderr));
        assert_eq!(creates(&live, "container", "counted"), 1);
    })
    .await;
}

#[tokio::test]
async fn removal_of_a_running_container_loses_no_line() {
    with_helper(|helper| async move {
        let (all, seen) = collector();
        let script = format!("{PRINT}; echo done; exec sleep 300");
        let c = shell("removed-running", &script)
            .env("N", "1000")
            .log_consumer(all)
            .wait_for(Wait::logs(["^done$"]));
        c.setup(&helper).await.unwrap();
        // Removed at once, while the consumer may still be reading.
        c.teardown().await.unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1001);
        // Each stream in order; `done` is the last of stdout (stderr is written apart).
        let outs: Vec<_> = seen
            .iter()
            .filter(|l| l.stream == StreamKind::Stdout)
            .collect();
        assert_eq!(outs.len(), 501);
        assert_eq!(outs.last().unwrap().text, "done");
    })
    .await;
}

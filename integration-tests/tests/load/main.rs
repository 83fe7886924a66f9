//! The load suite (issue 12): many tests on one shared container, many containers at once, and
//! a container that logs 50 MB. Every driver is `#[ignore]`d so the ordinary suites stay fast;
//! CI runs them one at a time (each scenario child chooses its own parallelism):
//!
//! ```text
//! cargo test -p integration-tests --test load -- --ignored --skip scenarios:: --test-threads=1 --nocapture
//! ```
//!
//! Nothing here asserts a time. The drivers print the figures they measure (`load: …` lines)
//! and assert bounds on counts: creates, leftovers, descriptors, threads and memory.

#![allow(missing_docs, unreachable_pub)]

mod scenarios;

use std::time::Duration;

use futures_util::FutureExt;
use integration_tests::{
    count, docker, run_scenario_measured, scenario_command, self_status, wait_until_gone,
    LiveEvents, Peaks, Scenario,
};
use seaworthy::prelude::*;
use seaworthy::{DockerHelper, Error, LogOptions};

/// Runs `filters` of this binary's scenarios at `threads`, waits until the child's resources
/// are gone and returns it, its peaks and its Docker events.
async fn run(filters: &[&str], threads: usize) -> (Scenario, Peaks, Vec<(String, String, String)>) {
    let mut args: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
    args.push(format!("--test-threads={threads}"));
    let d = docker().await;
    let live = LiveEvents::start(&d);
    let (s, peaks) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = scenario_command(&args);
        cmd.env("SEAWORTHY_REQUIRE_DOCKER", "1");
        run_scenario_measured(cmd)
    })
    .await
    .unwrap();
    let label = format!("seaworthy.pid={}", s.pid);
    // None leaked: everything the child created is gone (the limit is a safety net for a hung
    // cleanup, not a timing assertion).
    assert_eq!(
        wait_until_gone(&d, &label, Duration::from_secs(120))
            .await
            .map(|_| ()),
        Ok(()),
        "{}",
        s.output()
    );
    let ev = live.settled(s.pid, Duration::from_secs(30)).await;
    (s, peaks, ev)
}

fn passed(s: &Scenario, n: usize) {
    assert_eq!(s.code, Some(0), "{}", s.output());
    assert!(
        s.stdout
            .contains(&format!("test result: ok. {n} passed; 0 failed")),
        "{}",
        s.stdout
    );
}

#[tokio::test]
#[ignore = "load suite: run by .ci/run (see the module docs)"]
async fn one_module_container_serves_200_tests_at_32_threads() {
    let (s, peaks, ev) = run(&["scenarios::shared::"], 32).await;
    passed(&s, 200);
    println!(
        "load: 200 tests on one module container at 32 threads: peak {} fds, {} threads, \
         {} kB RSS ({} samples)",
        peaks.fds, peaks.threads, peaks.vm_hwm_kb, peaks.samples
    );
    assert_eq!(count(&ev, "container", "create", "shared_box"), 1, "{ev:?}");
    assert_eq!(
        count(&ev, "container", "destroy", "shared_box"),
        1,
        "{ev:?}"
    );
    assert_eq!(
        ev.iter()
            .filter(|(t, a, _)| t == "container" && a == "create")
            .count(),
        1,
        "{ev:?}"
    );
}

#[tokio::test]
#[ignore = "load suite: run by .ci/run (see the module docs)"]
async fn function_containers_keep_descriptors_and_threads_bounded() {
    // The same parallelism twice, over 20 and then 64 tests: what a test leaks would grow with
    // the count (44 more containers, execs, log follows), what the harness needs grows only
    // with the parallelism.
    let (few, few_peaks, few_ev) = run(&["scenarios::own::t0", "scenarios::own::t1"], 16).await;
    passed(&few, 20);
    assert_eq!(count(&few_ev, "container", "create", "own_box"), 20);
    assert_eq!(count(&few_ev, "container", "destroy", "own_box"), 20);
    let (all, peaks, ev) = run(&["scenarios::own::"], 16).await;
    passed(&all, 64);
    assert_eq!(count(&ev, "container", "create", "own_box"), 64, "{ev:?}");
    assert_eq!(count(&ev, "container", "destroy", "own_box"), 64, "{ev:?}");
    for (n, p) in [(20, few_peaks), (64, peaks)] {
        println!(
            "load: {n} function containers at 16 threads: peak {} fds, {} threads, {} kB RSS \
             ({} samples)",
            p.fds, p.threads, p.vm_hwm_kb, p.samples
        );
    }
    assert!(few_peaks.samples > 0 && peaks.samples > 0);
    // Bounded: 44 more tests add less than one descriptor or thread per test, and the
    // absolute peaks stay within a few per parallel test.
    assert!(
        peaks.fds < few_peaks.fds + 44,
        "descriptors grew with the test count: {few_peaks:?} -> {peaks:?}"
    );
    assert!(
        peaks.threads < few_peaks.threads + 44,
        "threads grew with the test count: {few_peaks:?} -> {peaks:?}"
    );
    assert!(peaks.fds < 16 * 10, "{peaks:?}");
    assert!(peaks.threads < 16 * 4, "{peaks:?}");
}

/// 50 MB of numbered 100-byte lines on stdout, then `ready`, then idle or exit.
fn chatty(name: &str, then: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, "seaworthy-test/busybox")
        .command([
            "sh",
            "-c",
            &format!(
                "awk 'BEGIN {{ for (i = 1; i <= {LINES}; i++) printf \"%08d %090d\\n\", i, 0 }}'; \
                 echo ready; {then}"
            ),
        ])
        // The engine's default log options here rotate at 10 MB: keep all 50 MB.
        .create_options(serde_json::json!({
            "HostConfig": {"LogConfig": {"Type": "json-file", "Config": {"max-size": "100m", "max-file": "1"}}}
        }))
        .wait_timeout(Duration::from_secs(600))
}

const LINES: usize = 500_000; // 100 bytes each: 50 MB

fn mb(kb: usize) -> usize {
    kb / 1024
}

#[tokio::test]
#[ignore = "load suite: run by .ci/run (see the module docs)"]
async fn fifty_megabytes_of_logs_keep_readiness_and_failures_bounded() {
    let helper = DockerHelper::connect().await.unwrap();
    let body = fifty_megabytes(&helper);
    let outcome = std::panic::AssertUnwindSafe(body).catch_unwind().await;
    let teardown = helper.teardown().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    teardown.unwrap();
}

async fn fifty_megabytes(helper: &DockerHelper) {
    let start = self_status("VmHWM:");
    // Readiness follows all 50 MB to the last line without keeping them.
    let c = chatty("chatty", "exec sleep 600").wait_for(Wait::logs(["^ready$"]));
    c.setup(helper).await.unwrap();
    let after_ready = self_status("VmHWM:");
    let tail = c
        .logs_with(LogOptions::default().tail(3))
        .await
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert_eq!(
        tail,
        [
            format!("{:08} {:090}", LINES - 1, 0),
            format!("{LINES:08} {:090}", 0),
            "ready".to_string()
        ]
    );
    let after_tail = self_status("VmHWM:");
    // logs() returns the whole text: its memory is the size of the logs, held once.
    let all = c.logs().await.unwrap();
    assert_eq!(all.len(), LINES * 100 + "ready\n".len());
    let after_logs = self_status("VmHWM:");
    drop(all);
    println!(
        "load: 50 MB of logs: peak RSS {} MB at start, {} MB after readiness, {} MB after \
         logs_with(tail 3), {} MB after logs() (50 MB returned)",
        mb(start),
        mb(after_ready),
        mb(after_tail),
        mb(after_logs)
    );
    assert!(
        after_tail < start + 32 * 1024,
        "readiness or a tail kept the logs: {start} -> {after_tail} kB"
    );
    assert!(
        after_logs < start + 80 * 1024,
        "logs() held more than the text (and its growth slack): {start} -> {after_logs} kB"
    );
    c.teardown().await.unwrap();

    // A readiness that fails after 50 MB shows only the last lines.
    let c = chatty("chatty_fails", "exit 3").wait_for(Wait::logs(["^never$"]));
    let e = c.setup(helper).await.unwrap_err();
    let Error::Readiness(r) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(r.last_lines.len(), 100, "{e}");
    assert_eq!(r.last_lines[98], format!("{LINES:08} {:090}", 0));
    assert_eq!(r.last_lines[99], "ready");
    let msg = e.to_string();
    assert_eq!(msg.lines().count(), 3 + 100, "{msg}");
    let after_failure = self_status("VmHWM:");
    println!(
        "load: failed readiness after 50 MB: a {} byte message, peak RSS {} MB",
        msg.len(),
        mb(after_failure)
    );
    c.teardown().await.unwrap();
}

#[tokio::test]
#[ignore = "load suite: run by .ci/run (see the module docs)"]
async fn a_200_mb_build_context_streams_in_bounded_memory() {
    const FILES: usize = 200;
    const SIZE: usize = 1024 * 1024;
    let dir = std::env::temp_dir().join(format!("seaworthy-huge-ctx-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("files")).unwrap();
    // Distinct 1 MB files (a counter in every 8 bytes), so nothing dedupes or compresses away.
    for n in 0..FILES {
        let data: Vec<u8> = (0..SIZE / 8)
            .flat_map(|i| ((n * SIZE + i) as u64).to_le_bytes())
            .collect();
        std::fs::write(dir.join(format!("files/{n:03}")), data).unwrap();
    }
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM seaworthy-test/busybox\nCOPY files/199 /last\nRUN test \"$(wc -c < /last)\" = 1048576\n",
    )
    .unwrap();
    let tag = format!("seaworthy-test/huge-context:{}", std::process::id());
    let helper = DockerHelper::connect().await.unwrap();
    let before = self_status("VmHWM:");
    let started = std::time::Instant::now();
    let built = seaworthy::ImageDefinition::build(&tag, &dir)
        .setup(&helper)
        .await;
    let elapsed = started.elapsed();
    let after = self_status("VmHWM:");
    let _ = helper
        .docker()
        .remove_image(
            &tag,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        )
        .await;
    std::fs::remove_dir_all(&dir).unwrap();
    helper.teardown().await.unwrap();
    built.unwrap();
    println!(
        "load: a 200 MB build context: built in {:.1}s, peak RSS {} MB before, {} MB after",
        elapsed.as_secs_f64(),
        mb(before),
        mb(after)
    );
    // Streamed in chunks: the process never held the context (200 MB) or a good part of it.
    assert!(
        after < before + 64 * 1024,
        "the build context was held in memory: {before} -> {after} kB"
    );
}

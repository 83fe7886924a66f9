//! The cost of the library over raw bollard for one container lifecycle.
//!
//! ```text
//! cargo run --release --example bench_lifecycle -- [N]     # N lifecycles of each (default 20)
//! ```
//!
//! Each lifecycle creates a busybox container that prints `ready` and sleeps, starts it, waits for
//! the `ready` log line, runs `echo hi` in it and removes it (forcibly, with its anonymous
//! volumes). The library does it with a [`ContainerDefinition`] (`Wait::logs`, `exec`,
//! `teardown`); the raw side makes the same Docker calls by hand (create, start, follow logs until
//! the line, create exec + start exec + inspect exec, remove). The two alternate, A then B, so
//! drift (page cache, the daemon's state) affects both alike. It prints the median and the mean of
//! each, and their ratio; the target is a library within 1.10x of raw.
//!
//! Then it times 10 lifecycles the way the fixture harness runs 10 passing function-scoped tests
//! (each removal started in the background, the next lifecycle at once, every removal awaited at
//! the end as the process exit does), with 1 and with 2 lifecycles at a time, against 10 raw
//! lifecycles serially, in rounds that alternate the order (targets: 0.80x and 0.60x). The whole
//! test processes are timed by the fixture benchmark (`bench::fixture_suites` in
//! integration-tests).
//!
//! Needs the local image `seaworthy-test/busybox:latest` (`scripts/prepare-images`).

use std::time::{Duration, Instant};

use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    StartContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use seaworthy::{ContainerDefinition, DockerHelper, Wait};

const IMAGE: &str = "seaworthy-test/busybox:latest";
const SCRIPT: &str = "echo ready; exec sleep 300";

async fn library_lifecycle(helper: &DockerHelper) -> Duration {
    let started = Instant::now();
    let c = ContainerDefinition::new("bench", IMAGE)
        .command(["sh", "-c", SCRIPT])
        .wait_for(Wait::logs(["^ready$"]));
    c.setup(helper).await.expect("library setup");
    let out = c.exec(["echo", "hi"]).await.expect("library exec");
    assert_eq!(out.stdout, b"hi\n");
    c.teardown().await.expect("library teardown");
    started.elapsed()
}

async fn raw_lifecycle(docker: &Docker, helper: &DockerHelper, i: usize) -> Duration {
    let started = Instant::now();
    let name = format!("bench_raw_{}_{i}", std::process::id());
    // The same labels the library puts on its containers, so a crashed run is swept alike.
    let body = ContainerCreateBody {
        image: Some(IMAGE.into()),
        cmd: Some(vec!["sh".into(), "-c".into(), SCRIPT.into()]),
        labels: Some(helper.labels("bench-raw")),
        ..Default::default()
    };
    let id = docker
        .create_container(
            Some(CreateContainerOptionsBuilder::new().name(&name).build()),
            body,
        )
        .await
        .expect("raw create")
        .id;
    docker
        .start_container(&id, None::<StartContainerOptions>)
        .await
        .expect("raw start");
    let mut logs = docker.logs(
        &id,
        Some(
            LogsOptionsBuilder::new()
                .follow(true)
                .stdout(true)
                .stderr(true)
                .tail("all")
                .build(),
        ),
    );
    let mut buf = Vec::new();
    'follow: while let Some(item) = logs.next().await {
        buf.extend_from_slice(&item.expect("raw logs").into_bytes());
        while let Some(nl) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=nl).collect();
            if line == b"ready\n" {
                break 'follow;
            }
        }
    }
    drop(logs);
    let exec = docker
        .create_exec(
            &id,
            CreateExecOptions {
                cmd: Some(vec!["echo".to_string(), "hi".to_string()]),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("raw create exec");
    let mut stdout = Vec::new();
    if let StartExecResults::Attached { mut output, .. } = docker
        .start_exec(&exec.id, None)
        .await
        .expect("raw start exec")
    {
        while let Some(item) = output.next().await {
            stdout.extend_from_slice(&item.expect("raw exec output").into_bytes());
        }
    }
    assert_eq!(stdout, b"hi\n");
    let inspect = docker
        .inspect_exec(&exec.id)
        .await
        .expect("raw inspect exec");
    assert_eq!(inspect.exit_code, Some(0));
    docker
        .remove_container(
            &id,
            Some(
                RemoveContainerOptionsBuilder::new()
                    .force(true)
                    .v(true)
                    .build(),
            ),
        )
        .await
        .expect("raw remove");
    started.elapsed()
}

/// Ten lifecycles as the harness runs ten passing tests, `threads` at a time: the removals run in
/// the background and are all awaited at the end.
async fn library_suite(helper: &DockerHelper, threads: usize) -> Duration {
    let started = Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..threads {
        let (helper, next) = (helper.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut removals = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 10 {
                let c = ContainerDefinition::new("bench", IMAGE)
                    .command(["sh", "-c", SCRIPT])
                    .wait_for(Wait::logs(["^ready$"]));
                c.setup(&helper).await.expect("library setup");
                let out = c.exec(["echo", "hi"]).await.expect("library exec");
                assert_eq!(out.stdout, b"hi\n");
                removals.push(tokio::spawn(async move {
                    c.teardown().await.expect("library teardown")
                }));
            }
            removals
        }));
    }
    for w in workers {
        for r in w.await.expect("a suite worker") {
            r.await.expect("a background removal");
        }
    }
    started.elapsed()
}

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

fn mean(v: &[Duration]) -> Duration {
    v.iter().sum::<Duration>() / v.len() as u32
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let n: usize = match std::env::args().nth(1) {
        None => 20,
        Some(a) => a.parse().unwrap_or_else(|_| {
            eprintln!("usage: bench_lifecycle [N]   (N: lifecycles of each kind, default 20)");
            std::process::exit(2)
        }),
    };
    if n == 0 {
        eprintln!("bench_lifecycle: N must be at least 1");
        std::process::exit(2);
    }
    let helper = DockerHelper::connect().await.unwrap_or_else(|e| {
        eprintln!("bench_lifecycle: {e}");
        std::process::exit(1)
    });
    let docker = helper.docker().clone();

    // Warm up both paths once (image lookup cache, connection pool, the daemon's caches).
    library_lifecycle(&helper).await;
    raw_lifecycle(&docker, &helper, usize::MAX).await;

    let (mut lib, mut raw) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        // Alternate which goes first, so neither always follows the other's teardown.
        if i % 2 == 0 {
            lib.push(library_lifecycle(&helper).await);
            raw.push(raw_lifecycle(&docker, &helper, i).await);
        } else {
            raw.push(raw_lifecycle(&docker, &helper, i).await);
            lib.push(library_lifecycle(&helper).await);
        }
    }
    const ROUNDS: usize = 3;
    let (mut serial, mut parallel, mut raw10) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let raw_suite = async {
            let started = Instant::now();
            for i in 0..10 {
                raw_lifecycle(&docker, &helper, 1_000_000 + round * 10 + i).await;
            }
            started.elapsed()
        };
        if round % 2 == 0 {
            raw10.push(raw_suite.await);
            serial.push(library_suite(&helper, 1).await);
            parallel.push(library_suite(&helper, 2).await);
        } else {
            serial.push(library_suite(&helper, 1).await);
            parallel.push(library_suite(&helper, 2).await);
            raw10.push(raw_suite.await);
        }
    }
    let removed = helper.teardown().await.expect("teardown");
    assert_eq!(
        removed.total(),
        0,
        "the library left containers behind: {removed:?}"
    );

    println!("{n} lifecycles each (create, start, wait for log line, exec, remove), interleaved");
    println!(
        "{:<8} {:>11} {:>11} {:>11} {:>11}",
        "", "median ms", "mean ms", "min ms", "max ms"
    );
    for (label, v) in [("library", &lib), ("raw", &raw)] {
        println!(
            "{:<8} {:>11.1} {:>11.1} {:>11.1} {:>11.1}",
            label,
            ms(median(v)),
            ms(mean(v)),
            ms(*v.iter().min().unwrap()),
            ms(*v.iter().max().unwrap())
        );
    }
    let ratio_median = ms(median(&lib)) / ms(median(&raw));
    let ratio_mean = ms(mean(&lib)) / ms(mean(&raw));
    println!(
        "ratio library/raw: median {ratio_median:.3}x, mean {ratio_mean:.3}x (target <= 1.10x)"
    );
    let raw10 = median(&raw10);
    println!(
        "10 lifecycles as 10 passing tests (removals in the background), median of {ROUNDS} rounds:"
    );
    println!("  raw, 10 serially:        {:8.1} ms", ms(raw10));
    for (label, v, target) in [
        ("library, 1 at a time:", &serial, 0.80),
        ("library, 2 at a time:", &parallel, 0.60),
    ] {
        let m = median(v);
        println!(
            "  {label:<24} {:8.1} ms = {:.3}x raw serial (target <= {target:.2}x)",
            ms(m),
            ms(m) / ms(raw10)
        );
    }
}

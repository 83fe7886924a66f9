//! Fixtures shared across test processes, counted in real Docker `create` events: the drivers
//! here run the `#[ignore]`d scenarios of `share_a`, `share_b` and `share_c` through a nested
//! `cargo nextest run` or `cargo test`, and kill or interrupt them where the scenario says.
//!
//! Each driver labels the scenario's containers with its own case (`SEAWORTHY_TEST_CASE`), so
//! drivers running at the same time count only their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use integration_tests::{
    docker, resources_labelled, signal, unix_now, wait_until_gone, LiveEvents,
};
use seaworthy_registry::test_support::require_program;

/// How long the cleanup of a run may take after its runner has ended.
const CLEANUP_LIMIT: Duration = Duration::from_secs(30);

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
}

/// A driver's case: its label value and its marker directory.
struct Case {
    id: String,
    dir: PathBuf,
}

impl Case {
    fn new(name: &str) -> Case {
        let id = format!("{name}-{}-{}", std::process::id(), unix_now());
        let dir = std::env::temp_dir()
            .join("seaworthy-sharing-tests")
            .join(&id);
        std::fs::create_dir_all(&dir).unwrap();
        Case { id, dir }
    }

    fn label(&self) -> String {
        format!("seaworthy-test.case={}", self.id)
    }

    /// The scenario's environment, without what an outer runner set for this process: the
    /// variables cargo sets for a test (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, …) would make
    /// the nested cargo rebuild the crates whose build scripts watch them.
    fn env(&self, cmd: &mut Command) {
        const SET_FOR_TESTS: &[&str] = &[
            "NEXTEST",
            "SEAWORTHY_",
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_CFG_",
            "OUT_DIR",
        ];
        for (k, _) in std::env::vars() {
            if SET_FOR_TESTS.iter().any(|p| k.starts_with(p)) {
                cmd.env_remove(k);
            }
        }
        cmd.env("SEAWORTHY_TEST_CASE", &self.id)
            .env("SEAWORTHY_TEST_DIR", &self.dir)
            .env("RUST_BACKTRACE", "0")
            .current_dir(workspace())
            .stdin(Stdio::null());
    }

    /// `cargo nextest run` of the `share_*` tests that `filter` (a filterset) selects.
    fn nextest(&self, filter: &str, profile: &str) -> Command {
        let mut cmd = Command::new("cargo-nextest");
        cmd.args(["nextest", "run", "--workspace", "--run-ignored", "only"])
            .args(["--no-fail-fast", "--success-output", "final"])
            .args(["--profile", profile, "-E", filter]);
        self.env(&mut cmd);
        cmd
    }

    /// `cargo test` of the three `share_*` binaries, their tests matching `filter`.
    fn cargo_test(&self, filter: &str) -> Command {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        // prerequisite: cargo
        let mut cmd = Command::new(cargo);
        cmd.args(["test", "--workspace"])
            .args([
                "--test", "share_a", "--test", "share_b", "--test", "share_c",
            ])
            .args(["--", "--ignored", "--nocapture", filter]);
        self.env(&mut cmd);
        cmd
    }

    fn marker(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(name)).ok()
    }

    /// Waits (a bounded time, which includes the nested cargo's build check) until the markers
    /// exist; their contents.
    fn wait_markers(&self, names: &[&str], child: &mut Child) -> Vec<String> {
        for _ in 0..6000 {
            let found: Vec<String> = names.iter().filter_map(|n| self.marker(n)).collect();
            if found.len() == names.len() {
                return found;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the runner ended ({status}) before the markers {names:?} appeared");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("the markers {names:?} did not appear in 600 s");
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a command to its end: exit code and the whole output.
fn run(mut cmd: Command) -> (Option<i32>, String) {
    let out = cmd.output().expect("run the scenario runner");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the scenario runner")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Counts the `create` events of a case's containers per fixture, live: Docker keeps only the
/// last few hundred events, and other tests make many.
struct Creates {
    /// Runs the subscription while the (synchronous) driver waits for its child.
    rt: tokio::runtime::Runtime,
    live: LiveEvents,
}

impl Creates {
    fn watch(case: &Case) -> Creates {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            ("event".to_string(), vec!["create".to_string()]),
            ("label".to_string(), vec![case.label()]),
        ]);
        let live = rt.block_on(async { LiveEvents::start_with(&docker().await, filters) });
        Creates { rt, live }
    }

    /// The counts, once the events of the last second have arrived.
    fn finish(self) -> HashMap<String, usize> {
        std::thread::sleep(Duration::from_secs(1));
        let mut counts = HashMap::new();
        for e in self.live.all() {
            let attrs = e.actor.and_then(|a| a.attributes).unwrap_or_default();
            let fixture = attrs.get("seaworthy.fixture").cloned().unwrap_or_default();
            *counts.entry(fixture).or_insert(0) += 1;
        }
        drop(self.live);
        self.rt.shutdown_background();
        counts
    }
}

/// Asserts that everything labelled with any of `labels` is gone within [`CLEANUP_LIMIT`].
fn assert_all_gone(labels: &[String]) {
    rt().block_on(async {
        let docker = docker().await;
        for label in labels {
            if let Err(left) = wait_until_gone(&docker, label, CLEANUP_LIMIT).await {
                panic!("still there {CLEANUP_LIMIT:?} after the run ended ({label}): {left:?}");
            }
        }
    });
}

fn counts(pairs: &[(&str, usize)]) -> HashMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Runs `cmd` of `case` to its end, expecting success, exactly the `create` events `expected`
/// and nothing left afterwards; its output.
fn passes_creating(case: &Case, cmd: Command, expected: &[(&str, usize)]) -> String {
    let creates = Creates::watch(case);
    let (code, out) = run(cmd);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(creates.finish(), counts(expected), "{out}");
    assert_all_gone(&[case.label()]);
    out
}

#[test]
fn twenty_nextest_processes_share_one_module_container() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    let case = Case::new("module20");
    let cmd = case.nextest(
        "binary_id(integration-tests::share_a) & test(/^module20::/)",
        "default",
    );
    let out = passes_creating(&case, cmd, &[("mod_box", 1), ("own_box", 20)]);
    assert!(out.contains("20 tests run: 20 passed"), "{out}");
    assert_eq!(
        out.matches("attached to container test_mod_box_").count(),
        19,
        "{out}"
    );
}

const RUN_SCOPE_BINARIES: &str =
    "test(/^common::run_scope::/) & (binary_id(integration-tests::share_a) \
     | binary_id(integration-tests::share_b) | binary_id(integration-tests::share_c))";

#[test]
fn three_nextest_binaries_share_one_run_container() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    let case = Case::new("run-nextest");
    let cmd = case.nextest(RUN_SCOPE_BINARIES, "default");
    let out = passes_creating(&case, cmd, &[("run_box", 1)]);
    assert!(out.contains("3 tests run: 3 passed"), "{out}");
}

#[test]
fn three_cargo_test_binaries_share_one_run_container() {
    let case = Case::new("run-cargo");
    let cmd = case.cargo_test("common::run_scope::");
    let out = passes_creating(&case, cmd, &[("run_box", 1)]);
    let passed = out.matches("test common::run_scope::uses_run_box ... ok");
    assert_eq!(passed.count(), 3, "{out}");
    let attached = out.matches("attached to container test_run_box_");
    assert_eq!(attached.count(), 2, "{out}");
}

#[test]
fn clean_tests_under_nextest_share_one_container_and_each_sees_it_clean() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    let case = Case::new("clean");
    let cmd = case.nextest(
        "binary_id(integration-tests::share_a) & test(/^clean::/)",
        "default",
    );
    let out = passes_creating(&case, cmd, &[("marked", 1)]);
    assert!(out.contains("4 tests run: 4 passed"), "{out}");
}

#[test]
fn sharing_off_under_nextest_creates_one_container_per_process() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    let case = Case::new("share-off");
    let mut cmd = case.nextest(
        "binary_id(integration-tests::share_a) & test(/^clean::c[12]$/)",
        "default",
    );
    cmd.env("SEAWORTHY_SHARE", "0");
    let out = passes_creating(&case, cmd, &[("marked", 2)]);
    assert!(!out.contains("attached to container"), "{out}");
}

#[test]
fn a_shared_setup_failure_is_recorded_and_fails_later_processes_at_once() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    let case = Case::new("failing");
    let creates = Creates::watch(&case);
    let (code, out) = run(case.nextest(
        "binary_id(integration-tests::share_a) & test(/^failing::/)",
        "default",
    ));
    assert_eq!(code, Some(100), "{out}");
    assert!(out.contains("3 tests run: 0 passed, 3 failed"), "{out}");
    assert_eq!(creates.finish(), counts(&[("broken_box", 1)]), "{out}");
    let chain = "fixture on_broken -> broken_box: container `test_broken_box_";
    assert_eq!(out.matches(chain).count(), 3, "{out}");
    assert!(!out.contains("set up after all"), "{out}");
    let recorded = "(recorded by the test process that set this shared fixture up for run nx-";
    assert_eq!(out.matches(recorded).count(), 2, "{out}");
    // The first process's message, with the container's last log line, is every process's.
    assert_eq!(out.matches("| broken-output").count(), 3, "{out}");
    assert_all_gone(&[case.label()]);
}

#[test]
fn a_process_killed_while_setting_up_a_shared_fixture_is_recovered_from() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    let case = Case::new("kill-setup");
    let creates = Creates::watch(&case);
    let mut child = spawn(case.nextest(
        "binary_id(integration-tests::share_a) & test(/^kill_setup::/)",
        "default",
    ));
    let pid: u32 = case.wait_markers(&["first-setup"], &mut child)[0]
        .parse()
        .unwrap();
    // Killed once its never-ready container exists: it holds the lock, mid-setup.
    rt().block_on(async {
        let docker = docker().await;
        for _ in 0..600 {
            if !resources_labelled(&docker, &case.label()).await.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the first setup's container did not appear");
    });
    signal(pid, libc::SIGKILL);
    let status = child.wait().unwrap();
    // The killed test fails; the other one set the fixture up again and passed.
    assert_eq!(status.code(), Some(100), "{status}");
    assert_eq!(creates.finish(), counts(&[("slow_box", 2)]));
    assert_all_gone(&[case.label(), format!("seaworthy.pid={pid}")]);
}

/// Runs the `hold` tests under nextest (with `profile`), waits until both hold their
/// containers, does `act` to the runner, and checks that nothing is left afterwards.
fn hold_then(name: &str, profile: &str, act: impl FnOnce(u32)) {
    let case = Case::new(name);
    let mut child = spawn(case.nextest(
        "binary_id(integration-tests::share_a) & test(/^hold::/)",
        profile,
    ));
    let pids = case.wait_markers(&["held-h1", "held-h2"], &mut child);
    act(child.id());
    child.wait().unwrap();
    let mut labels = vec![case.label(), format!("seaworthy.pid={}", child.id())];
    labels.extend(pids.iter().map(|p| format!("seaworthy.pid={p}")));
    assert_all_gone(&labels);
}

#[test]
fn nothing_is_left_when_nextest_is_killed() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    hold_then("nextest-sigkill", "default", |pid| {
        signal(pid, libc::SIGKILL)
    });
}

#[test]
fn nothing_is_left_when_nextest_is_interrupted() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    hold_then("nextest-sigint", "default", |pid| signal(pid, libc::SIGINT));
}

#[test]
fn nothing_is_left_when_nextest_times_tests_out() {
    if !require_program("cargo-nextest", "cargo-nextest") {
        return;
    }
    hold_then("nextest-timeout", "share-timeout", |_| {});
}

/// Times `cmd` (which must pass).
fn timed(cmd: Command) -> Duration {
    let start = std::time::Instant::now();
    let (code, out) = run(cmd);
    assert_eq!(code, Some(0), "{out}");
    start.elapsed()
}

/// The benchmark of issue 11: twenty tests of one module-scoped PostgreSQL, under nextest with
/// sharing, under nextest without it (every process starts its own PostgreSQL) and under
/// `cargo test` (one process). Prints the medians of 3 rounds and their ratios; no timed
/// assertion. Each figure includes the runner's own start (cargo's build check, nextest's
/// listing).
#[test]
#[ignore = "a benchmark: cargo test -p integration-tests --test sharing -- --ignored --nocapture"]
fn bench_module_postgres_suites() {
    let filter = "binary_id(integration-tests::share_a) & test(/^pg20::/)";
    let mut rounds: [Vec<Duration>; 3] = Default::default();
    for _ in 0..3 {
        let case = Case::new("bench");
        rounds[0].push(timed(case.nextest(filter, "default")));
        let mut off = case.nextest(filter, "default");
        off.env("SEAWORTHY_SHARE", "0");
        rounds[1].push(timed(off));
        let mut cargo = case.cargo_test("pg20::");
        cargo.args(["--test-threads", "2"]);
        rounds[2].push(timed(cargo));
        assert_all_gone(&[case.label()]);
    }
    let [shared, unshared, cargo] = rounds.map(|mut r| {
        r.sort();
        r[1].as_secs_f64()
    });
    println!(
        "20 tests, one module-scoped PostgreSQL (medians of 3):\n  nextest, shared: {shared:.2} s\n  \
         nextest, SEAWORTHY_SHARE=0: {unshared:.2} s ({:.2}x shared)\n  cargo test: {cargo:.2} s \
         ({:.2}x shared)",
        unshared / shared,
        cargo / shared
    );
}

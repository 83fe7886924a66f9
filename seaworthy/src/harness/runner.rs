//! Running one `#[container_test]`: resolve its fixtures, run its body, tear down whatever
//! happened, and fail with a message that helps.

use crate::console;
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use super::process;
use super::registry::{self, TestInfo};
use super::removals;
use super::report;
use super::resolve::{Resolver, TestState};
use super::timeout::{self, TimedOut};
use crate::error::{Error, Result};
use crate::helper::DockerHelper;

/// The runtime an async test body runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// A current-thread runtime per test (the default, like `#[tokio::test]`).
    CurrentThread,
    /// A multi-thread runtime per test with this many workers.
    MultiThread(usize),
}

/// What a test body may return: `()` or a `Result` whose error fails the test.
#[diagnostic::on_unimplemented(
    message = "a #[container_test] returns `()` or `Result<(), E>`, not `{Self}`",
    label = "not `()` or `Result<(), E>`",
    note = "assert on the value inside the test instead of returning it; to use `?`, return `Result<(), E>` with any `E: Debug`"
)]
pub trait TestOutcome {
    /// Panics when the outcome is a failure, at the caller (the test's return type).
    #[track_caller]
    fn check(self);
}

impl TestOutcome for () {
    fn check(self) {}
}

impl<E: std::fmt::Debug> TestOutcome for std::result::Result<(), E> {
    #[track_caller]
    fn check(self) {
        if let Err(e) = self {
            panic!("the test returned an error: {e:?}");
        }
    }
}

/// Env var: `on-failure` keeps a failed test's containers running.
pub(crate) const ENV_KEEP: &str = "SEAWORTHY_KEEP";

/// How many log lines of each container a failed test shows.
const FAILURE_LOG_LINES: usize = 20;

fn runtime(flavor: Flavor) -> tokio::runtime::Runtime {
    let built = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Flavor::MultiThread(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n.max(1))
            .enable_all()
            .build(),
    };
    built.unwrap_or_else(|e| panic!("seaworthy: cannot build the test's tokio runtime: {e}"))
}

/// Counts the test as finished whatever happens, and tears down the shared scope instances
/// whose last test it was (after the test's own resources, newest first).
struct Finish<'a> {
    info: &'static TestInfo,
    rt: &'a tokio::runtime::Runtime,
    /// The removal of the test's function-scoped resources, when it runs in the background.
    pending: Option<removals::Pending>,
}

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        let done = registry::finish(self.info.module);
        if done.is_empty() {
            return;
        }
        let pending = self.pending.take();
        let work = async {
            if let Some(p) = pending {
                p.wait().await;
            }
            for instance in done {
                for p in instance.teardown().await {
                    console::warn(p);
                }
            }
        };
        // The test's runtime may be mid-panic; our own runtime's handle always works here.
        if std::thread::panicking() {
            crate::runtime::block_on(work);
        } else {
            self.rt.block_on(work);
        }
    }
}

/// Runs a test whose body is `async`. A setup failure is reported at the caller: the macro calls
/// this at the test's name.
#[track_caller]
pub fn run_async<R, O>(
    info: &'static TestInfo,
    flavor: Flavor,
    resolve: impl FnOnce(Resolver) -> LocalBoxFuture<'static, Result<R>>,
    body: impl FnOnce(R) -> LocalBoxFuture<'static, O>,
) where
    O: TestOutcome,
{
    let rt = runtime(flavor);
    run(info, &rt, resolve, |r, deadline| {
        rt.block_on(timeout::bounded(deadline, body(r)))?.check();
        Ok(())
    });
}

/// Runs a test whose body is a plain `fn` (it runs outside any runtime, so it may call
/// [`block_on`](crate::block_on)). A setup failure is reported at the caller, like
/// [`run_async`]. With a timeout, the body runs on a thread of its own (see
/// `timeout::on_thread`).
#[track_caller]
pub fn run_sync<R, O>(
    info: &'static TestInfo,
    resolve: impl FnOnce(Resolver) -> LocalBoxFuture<'static, Result<R>>,
    body: impl FnOnce(R) -> O + Send + 'static,
) where
    R: Send + 'static,
    O: TestOutcome,
{
    let rt = runtime(Flavor::CurrentThread);
    run(info, &rt, resolve, |r, deadline| match deadline {
        None => {
            body(r).check();
            Ok(())
        }
        Some(deadline) => timeout::on_thread(deadline, move || body(r).check()),
    });
}

/// One report per failure, at the user's code, with the containers' last log lines in it: a
/// panic of the body is held back by the panic hook (see [`report::deferring`]) and printed once
/// the logs are known, at the place it happened; a setup failure (a fixture's panic included) is
/// a panic at the caller, which is the test.
#[track_caller]
fn run<R>(
    info: &'static TestInfo,
    rt: &tokio::runtime::Runtime,
    resolve: impl FnOnce(Resolver) -> LocalBoxFuture<'static, Result<R>>,
    body: impl FnOnce(R, Option<tokio::time::Instant>) -> std::result::Result<(), TimedOut>,
) {
    registry::start();
    let mut finish = Finish {
        info,
        rt,
        pending: None,
    };
    let helper = match rt.block_on(connect()) {
        Ok(h) => h,
        Err(e) => return super::skip::docker_missing(info, &e),
    };
    rt.block_on(process::start_once(&helper));
    let limit = match timeout::limit(info) {
        Ok(limit) => limit,
        Err(msg) => panic!("{msg}"),
    };
    let test = TestState::new(info.module, info.name, helper);
    // The clock starts with the setup: a hung readiness wait counts.
    let deadline = limit.map(|l| l.deadline());
    let setup = async {
        let root = Resolver::root(test.clone());
        super::autouse::set_up_all(&root, info.module).await?;
        resolve(root).await
    };
    let resolved = report::deferring(|| rt.block_on(timeout::bounded(deadline, setup)));
    let mut skip = None;
    let failure = match resolved {
        Err(TimedOut { .. }) => {
            let stuck: Vec<_> = crate::sync::lock(&test.in_setup)
                .iter()
                .map(|c| c.fixture)
                .collect();
            let phase = timeout::Phase::Setup(&stuck);
            limit.map(|l| Failure::TimedOut(l.message(info, phase)))
        }
        Ok(Err(e)) => match super::skip::of_error(&e) {
            Some((chain, reason)) => {
                skip = Some((reason.to_string(), chain.map(str::to_string)));
                None
            }
            None => Some(Failure::Setup(setup_failure_message(info, &e))),
        },
        Ok(Ok(r)) => {
            let outcome = report::deferring(|| {
                std::panic::catch_unwind(AssertUnwindSafe(|| body(r, deadline)))
            });
            let mut caught = report::take_caught();
            let last = match outcome {
                Err(_) => caught.pop(),
                Ok(_) => None,
            };
            // Panics the body caught itself are shown as the hook would have shown them.
            for c in caught {
                eprint!("{}", c.report(""));
            }
            match outcome {
                Ok(Ok(())) => None,
                Ok(Err(TimedOut {
                    thread_left_running,
                })) => {
                    let phase = match thread_left_running {
                        true => timeout::Phase::SyncBody,
                        false => timeout::Phase::AsyncBody,
                    };
                    limit.map(|l| Failure::TimedOut(l.message(info, phase)))
                }
                Err(payload) => match super::skip::reason_of_panic(&*payload) {
                    Some(reason) => {
                        skip = Some((reason, None));
                        None
                    }
                    None => Some(Failure::Body(payload, last)),
                },
            }
        }
    };
    test.release_exclusive();
    let keep = failure.is_some() && keep_on_failure();
    let mut logs = match &failure {
        Some(_) => rt.block_on(failure_logs(&test)),
        None => String::new(),
    };
    match (&failure, test.scratch.used()) {
        (None, _) => test.scratch.remove(),
        (Some(_), Some(dir)) => {
            let _ = write!(
                logs,
                "\n\nthe test's scratch directory is kept: {}",
                dir.display()
            );
        }
        (Some(_), None) => {}
    }
    if keep {
        rt.block_on(keep_resources(&test));
    } else if failure.is_some() {
        // A failure is reported with everything its test printed, removals included.
        for p in rt.block_on(test.function.teardown()) {
            console::warn(p);
        }
    } else {
        // Off the critical path: the result is reported now, the next test starts meanwhile.
        finish.pending = Some(removals::spawn(test.function.clone()));
    }
    if let Some((reason, chain)) = skip {
        super::skip::skipped(info, &reason, chain.as_deref());
    }
    match failure {
        None => {}
        Some(Failure::Setup(msg) | Failure::TimedOut(msg)) => panic!("{msg}{logs}"),
        Some(Failure::Body(payload, caught)) => {
            match caught {
                Some(c) => eprint!("{}", c.report(&logs)),
                // Another panic hook, installed by the test, printed it: add the logs.
                None if !logs.is_empty() => eprintln!("{}", logs.trim_start()),
                None => {}
            }
            // The hook is not called again: the report above is the only one.
            std::panic::resume_unwind(payload);
        }
    }
}

/// Why a test failed.
enum Failure {
    /// Its fixtures could not be set up: the message.
    Setup(String),
    /// It ran out of time, in its setup or its body: the message.
    TimedOut(String),
    /// Its body panicked: the payload, and the panic as the hook saw it.
    Body(Box<dyn std::any::Any + Send>, Option<report::Caught>),
}

async fn connect() -> Result<DockerHelper> {
    DockerHelper::shared().await
}

fn keep_on_failure() -> bool {
    match std::env::var(ENV_KEEP) {
        Ok(v) if v == "on-failure" => true,
        Ok(v) if v.is_empty() || v == "never" => false,
        Ok(v) => {
            console::warn(format!(
                "ignoring {ENV_KEEP}=`{v}`: the accepted values are `on-failure` and `never`"
            ));
            false
        }
        Err(_) => false,
    }
}

fn setup_failure_message(info: &TestInfo, e: &Error) -> String {
    format!(
        "seaworthy: test `{}` could not set up its fixtures:\n{e}",
        info.name
    )
}

/// The last log lines of every container the test used, for its failure message.
async fn failure_logs(test: &Arc<TestState>) -> String {
    let mut containers = crate::sync::lock(&test.containers).clone();
    // A test that timed out: the containers it was still setting up too.
    for c in crate::sync::lock(&test.in_setup).iter() {
        if !containers.iter().any(|x| x.fixture == c.fixture) {
            containers.push(c.clone());
        }
    }
    let mut out = String::new();
    for c in containers {
        let Ok(name) = c.def.docker_name() else {
            continue;
        };
        let lines = c
            .def
            .last_log_lines(FAILURE_LOG_LINES)
            .await
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n\n--- last {} log line(s) of `{}` ({name}) ---",
            lines.len(),
            c.fixture
        );
        for l in lines {
            let _ = write!(out, "\n{l}");
        }
    }
    out
}

/// Keeps the failed test's resources (and the shared ones it used) and says how to reach them.
async fn keep_resources(test: &Arc<TestState>) {
    let mut instances = vec![test.function.clone()];
    instances.extend(crate::sync::lock(&test.used).iter().cloned());
    let mut ids = Vec::new();
    let mut names = Vec::new();
    let mut networks = Vec::new();
    let mut out = format!(
        "seaworthy: {}=on-failure kept the containers of `{}`:",
        ENV_KEEP, test.name
    );
    for instance in &instances {
        instance
            .keep
            .store(true, std::sync::atomic::Ordering::SeqCst);
        ids.extend(instance.resource_ids());
        for (fixture, c) in instance.containers() {
            let Ok(name) = c.docker_name() else { continue };
            let _ = write!(
                out,
                "\n  {fixture}: docker exec -it {name} sh   |   docker logs {name}"
            );
            if let Ok(ports) = c.ports().await {
                for p in ports.iter() {
                    let (port, proto, address) = (p.container_port, &p.proto, p.address());
                    let _ = write!(out, "\n    {port}/{proto} -> http://{address}/");
                }
            }
            names.push(name);
        }
        if let Some((name, id)) = instance.network_name().await {
            ids.push(id);
            networks.push(name);
        }
    }
    let mut rm = String::new();
    if !names.is_empty() {
        let _ = write!(rm, "docker rm -fv {}", names.join(" "));
    }
    if !networks.is_empty() {
        if !rm.is_empty() {
            rm.push_str(" && ");
        }
        let _ = write!(rm, "docker network rm {}", networks.join(" "));
    }
    let _ = write!(out, "\n  remove them with: {rm}");
    process::keep(ids).await;
    let _ = writeln!(std::io::stderr(), "{out}");
}

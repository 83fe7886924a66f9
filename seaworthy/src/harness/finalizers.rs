//! Teardown code: the async cleanups fixtures and tests register through
//! `TestContext::on_teardown` (pytest's `yield`
//! fixtures and `request.addfinalizer`).
//!
//! A scope instance keeps only the number of each of its cleanups, in setup order next to its
//! resources; the cleanups themselves wait here, in one list for the whole process, so that the
//! signal handler can run every one still waiting (newest first) before it removes the run's
//! resources. Each cleanup runs at most once: whoever takes it from the list runs it.

use std::fmt::Display;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;

use super::lock;
use super::report;

/// What teardown code may return: `()`, or a `Result` whose error is reported (and does not
/// stop the other cleanups).
#[diagnostic::on_unimplemented(
    message = "teardown code returns `()` or `Result<(), E>` with `E: Display`, not `{Self}`",
    label = "not `()` or `Result<(), E: Display>`"
)]
pub trait TeardownOutcome: Send + 'static {
    /// The error's message, if the cleanup failed.
    fn failure(self) -> Option<String>;
}

impl TeardownOutcome for () {
    fn failure(self) -> Option<String> {
        None
    }
}

impl<E: Display + Send + 'static> TeardownOutcome for Result<(), E> {
    fn failure(self) -> Option<String> {
        self.err().map(|e| e.to_string())
    }
}

type Code = Box<dyn FnOnce() -> BoxFuture<'static, Option<String>> + Send>;

/// A registered cleanup, not yet run.
pub(crate) struct Finalizer {
    id: u64,
    /// The fixture (or test) that registered it, for reports.
    pub(crate) owner: String,
    code: Code,
}

static NEXT: AtomicU64 = AtomicU64::new(1);
static WAITING: Mutex<Vec<Finalizer>> = Mutex::new(Vec::new());

impl Finalizer {
    /// Wraps `code` (not yet registered anywhere).
    pub(crate) fn new<F, Fut>(owner: String, code: F) -> Finalizer
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: TeardownOutcome,
    {
        Finalizer {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            owner,
            code: Box::new(move || Box::pin(async move { code().await.failure() })),
        }
    }

    /// Puts it on the process's list; its number is what the scope instance keeps.
    pub(crate) fn wait(self) -> u64 {
        let id = self.id;
        lock(&WAITING).push(self);
        id
    }

    /// Runs it; a failure or a panic becomes a problem naming its owner.
    pub(crate) async fn run(self) -> Result<(), String> {
        let owner = self.owner;
        match AssertUnwindSafe((self.code)()).catch_unwind().await {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(format!("the teardown code of `{owner}` failed: {e}")),
            Err(panic) => Err(format!(
                "the teardown code of `{owner}` panicked: {}",
                report::panic_message(&*panic)
            )),
        }
    }
}

/// Takes cleanup `id` off the list, unless it ran already.
pub(crate) fn take(id: u64) -> Option<Finalizer> {
    let mut waiting = lock(&WAITING);
    let at = waiting.iter().position(|f| f.id == id)?;
    Some(waiting.remove(at))
}

/// Runs every cleanup still waiting, newest first (on a signal and at exit). Returns the
/// problems met; it carries on past them.
pub(crate) async fn run_all_waiting() -> Vec<String> {
    run_each(std::iter::from_fn(|| lock(&WAITING).pop())).await
}

/// Runs `finalizers` in turn; returns the problems met (it carries on past them).
pub(crate) async fn run_each(finalizers: impl IntoIterator<Item = Finalizer>) -> Vec<String> {
    let mut problems = Vec::new();
    for f in finalizers {
        if let Err(p) = f.run().await {
            problems.push(p);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_cleanup_runs_once_and_reports_its_error_or_panic() {
        let runs = Arc::new(AtomicU64::new(0));
        let counted = runs.clone();
        let ok = Finalizer::new("db".into(), move || async move {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .wait();
        let failing = Finalizer::new("seed".into(), || async { Err::<(), _>("table locked") });
        fn explode() {
            panic!("gone")
        }
        let panicking = Finalizer::new("web".into(), || async { explode() });
        crate::runtime::block_on(async {
            let f = take(ok).expect("waiting");
            assert!(take(ok).is_none(), "taken once");
            assert_eq!(f.run().await, Ok(()));
            assert_eq!(
                failing.run().await,
                Err("the teardown code of `seed` failed: table locked".to_string())
            );
            let p = panicking.run().await.expect_err("a panic is a problem");
            assert!(
                p.starts_with("the teardown code of `web` panicked: gone"),
                "{p}"
            );
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}

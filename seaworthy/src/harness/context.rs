//! The test's own context (pytest's `request`), handed to a `#[context]` parameter of a fixture
//! or a test: which test is running, a scratch directory of its own, and teardown code.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::finalizers::{Finalizer, TeardownOutcome};
use super::instance::ScopeInstance;
use super::lock;

/// What a `#[context]` parameter receives: the running test, and a way to register teardown
/// code.
///
/// In a fixture, the test is the one that set the fixture up (for a module-scoped fixture, the
/// first test of the module that needed it), and teardown code runs when the fixture's scope
/// instance ends. In a test, teardown code runs when the test ends.
///
/// ```
/// use seaworthy::prelude::*;
/// use seaworthy::TestContext;
///
/// #[fixture]
/// fn report_name(#[context] cx: &TestContext) -> String {
///     format!("{}-report.txt", cx.test_name())
/// }
/// ```
pub struct TestContext {
    module: &'static str,
    name: &'static str,
    scratch: Arc<Scratch>,
    /// The fixture whose parameter this is; `None` for the test's own.
    fixture: Option<&'static str>,
    scope: Arc<ScopeInstance>,
    /// A fixture's cleanups, handed to its scope instance once the fixture is set up, so that
    /// they run before its own value is torn down.
    pending: Option<Arc<Mutex<Vec<Finalizer>>>>,
}

impl TestContext {
    pub(crate) fn new(
        (module, name): (&'static str, &'static str),
        scratch: Arc<Scratch>,
        fixture: Option<&'static str>,
        scope: Arc<ScopeInstance>,
        pending: Option<Arc<Mutex<Vec<Finalizer>>>>,
    ) -> TestContext {
        TestContext {
            module,
            name,
            scratch,
            fixture,
            scope,
            pending,
        }
    }

    /// The test function's name (`reads_a_row`), or for one run of a parametrized test the
    /// function's name and the run's id (`reads_a_row::pg_15`).
    pub fn test_name(&self) -> &str {
        self.name
    }

    /// The test's module path, crate included (`my_tests::db`).
    pub fn module(&self) -> &str {
        self.module
    }

    /// The name libtest gives the test, as `cargo test` filters and reports it (`db::reads_a_row`).
    pub fn full_name(&self) -> String {
        super::registry::libtest_name(self.module, self.name)
    }

    /// The fixture this context was handed to, or `None` in a test.
    pub fn fixture(&self) -> Option<&str> {
        self.fixture
    }

    /// A directory of the test's own, made empty on first use: under the system's temporary
    /// directory, `seaworthy-scratch/<run>/<module>/<test>`. It is removed when the test
    /// passes and kept (its path printed) when it fails, for the artifacts saved in it.
    pub fn scratch_dir(&self) -> std::io::Result<PathBuf> {
        self.scratch.make()
    }

    /// Registers teardown code: `code()` is awaited when this fixture's scope instance ends
    /// (for a test, when the test ends), after a pass, a failure or a panic, and on SIGINT or
    /// SIGTERM before the run's containers are removed. Cleanups run newest first, each before
    /// the value of the fixture that registered it is torn down; one that returns an `Err` or
    /// panics is reported, and the others still run.
    ///
    /// Teardown code is not run when `SEAWORTHY_KEEP=on-failure` keeps the resources. For a
    /// value shared across the processes of a run (under nextest), it runs in each process that
    /// used the value, when that process is done with it.
    pub fn on_teardown<F, Fut>(&self, code: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: TeardownOutcome,
    {
        let owner = self.fixture.unwrap_or(self.name).to_string();
        let f = Finalizer::new(owner, code);
        match &self.pending {
            Some(pending) => lock(pending).push(f),
            None => self.scope.add_finalizer(self.name, f),
        }
    }
}

/// A test's scratch directory: its path, made (empty) on first use.
pub(crate) struct Scratch {
    path: PathBuf,
    made: Mutex<bool>,
}

impl Scratch {
    /// The directory of test `name` of `module` in this run (not made yet).
    pub(crate) fn new(module: &str, name: &str) -> Scratch {
        let safe = crate::text::name_safe;
        let path = std::env::temp_dir()
            .join("seaworthy-scratch")
            .join(crate::helper::run_id())
            .join(safe(module))
            .join(safe(name));
        Scratch {
            path,
            made: Mutex::new(false),
        }
    }

    /// Makes the directory empty the first time, and returns its path.
    fn make(&self) -> std::io::Result<PathBuf> {
        let mut made = lock(&self.made);
        if !*made {
            match std::fs::remove_dir_all(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            std::fs::create_dir_all(&self.path)?;
            *made = true;
        }
        Ok(self.path.clone())
    }

    /// The directory, if the test asked for it.
    pub(crate) fn used(&self) -> Option<&std::path::Path> {
        lock(&self.made).then_some(self.path.as_path())
    }

    /// Removes the directory if it was made (after a test that passed).
    pub(crate) fn remove(&self) {
        if let Some(p) = self.used() {
            if let Err(e) = std::fs::remove_dir_all(p) {
                crate::console::warn(format!(
                    "cannot remove the scratch directory {}: {e}",
                    p.display()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_directory_is_made_empty_once_and_removed() {
        let s = Scratch::new("crate::m", "t");
        assert!(s
            .path
            .ends_with(format!("{}/crate__m/t", crate::helper::run_id())));
        assert!(s.used().is_none(), "not made before it is asked for");
        std::fs::create_dir_all(&s.path).expect("made");
        std::fs::write(s.path.join("stale"), "from an earlier test").expect("written");
        let p = s.make().expect("made");
        assert_eq!(std::fs::read_dir(&p).expect("listed").count(), 0, "emptied");
        std::fs::write(p.join("artifact"), "x").expect("written");
        assert_eq!(s.make().expect("again"), p);
        assert!(p.join("artifact").exists(), "made once");
        s.remove();
        assert!(!p.exists());
    }
}

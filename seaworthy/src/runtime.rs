//! The tokio runtime the library owns.
//!
//! Every Docker call runs on this runtime, whatever runtime (or none) the caller polls from. A
//! container shared between tests therefore never depends on one test's runtime, log followers
//! keep running after the test that started them returns, and plain `fn` tests can drive the
//! library through [`block_on`].

use std::future::Future;

use once_cell::sync::Lazy;

static RUNTIME: Lazy<tokio::runtime::Runtime> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("seaworthy")
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("seaworthy: cannot start its tokio runtime: {e}"))
});

/// The handle of the library's runtime.
pub(crate) fn handle() -> &'static tokio::runtime::Handle {
    RUNTIME.handle()
}

/// Runs `fut` on the library's runtime and waits for it from the caller's context.
///
/// The returned future can be awaited on any executor; a panic inside `fut` is resumed here.
pub(crate) async fn run<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    joined(handle().spawn(fut).await)
}

/// Runs blocking work (file-system calls) on the library runtime's blocking pool, so that no
/// async task waits on it, and waits for it from the caller's context.
///
/// A panic inside `work` is resumed here.
pub(crate) async fn run_blocking<F, T>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    joined(handle().spawn_blocking(work).await)
}

fn joined<T>(result: Result<T, tokio::task::JoinError>) -> T {
    match result {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("seaworthy: a task on its runtime was cancelled: {e}"),
    }
}

/// Runs a future to completion on the library's runtime, blocking the current thread.
///
/// For plain (non-async) tests. Do not call it from inside an async context; `.await` the future
/// there instead.
///
/// ```no_run
/// use seaworthy::{block_on, ContainerDefinition, DockerHelper};
///
/// let helper = block_on(DockerHelper::connect()).unwrap();
/// let c = ContainerDefinition::new("box", "seaworthy-test/busybox");
/// block_on(c.setup(&helper)).unwrap();
/// block_on(c.teardown()).unwrap();
/// ```
pub fn block_on<F: Future>(fut: F) -> F::Output {
    handle().block_on(fut)
}

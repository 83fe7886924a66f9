//! What seaworthy prints: one `seaworthy: …` line per event, and warnings.
//!
//! The bottom of the library: definitions, images, the helper and the harness all print
//! through here, so every line looks the same and a signal can silence the warnings.
//!
//! Lines are printed with `println!` from the calling thread; called from a test's own thread
//! (as the harness does), libtest captures them with that test's output and shows them when the
//! test fails or runs with `--nocapture`. Warnings go to stderr directly, past libtest's capture.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    /// Set for a task whose lines nobody would see (see [`lines_dropped`]).
    static DROP_LINES: bool;
}

/// Prints one `seaworthy: TEXT` line.
pub(crate) fn line(text: impl AsRef<str>) {
    if DROP_LINES.try_with(|d| *d).unwrap_or(false) {
        return;
    }
    println!("seaworthy: {}", text.as_ref());
}

/// Runs `fut`, dropping the lines it prints itself (not those of tasks it spawns) when `drop`:
/// for work done past a test's end, off its thread, whose lines libtest would not capture with
/// the test's output but print among its results.
pub(crate) async fn lines_dropped<F: std::future::Future>(drop: bool, fut: F) -> F::Output {
    DROP_LINES.scope(drop, fut).await
}

/// Set when the process is ending on a signal: see [`silence`].
static SILENCED: AtomicBool = AtomicBool::new(false);

/// A warning on stderr that libtest does not capture.
pub(crate) fn warn(text: impl AsRef<str>) {
    if SILENCED.load(Ordering::SeqCst) {
        return;
    }
    let _ = writeln!(std::io::stderr(), "seaworthy: warning: {}", text.as_ref());
}

/// Drops every later warning: once a signal arrived, the signal handler's line is the only
/// thing seaworthy prints, and failures of tests whose containers it removes are expected.
pub(crate) fn silence() {
    SILENCED.store(true, Ordering::SeqCst);
}

//! The lines the harness prints: one per lifecycle event, shown with `--nocapture`, and
//! warnings.
//!
//! Lifecycle lines are printed with `println!` from the test's own thread, so libtest captures
//! them with the test's output and shows them when the test fails or runs with `--nocapture`.
//! Warnings go to stderr directly, past libtest's capture.

use std::any::Any;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::definitions::ContainerDefinition;

/// Prints one lifecycle line.
pub(crate) fn line(text: impl AsRef<str>) {
    println!("seaworthy: {}", text.as_ref());
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

/// Prints the lines for a container that has just become ready.
pub(crate) async fn container_ready(fixture: &str, c: &ContainerDefinition, took: Duration) {
    let name = c.docker_name().unwrap_or_default();
    line(format!(
        "created container {name} ({fixture}) from {}",
        c.image()
    ));
    let ready = c.ready_after().unwrap_or_default();
    line(format!(
        "{fixture} ready after {} ms (setup took {} ms)",
        ready.as_millis(),
        took.as_millis()
    ));
    if let Ok(ports) = c.ports().await {
        for p in ports.iter() {
            let scheme = if p.proto == "tcp" { "http://" } else { "" };
            line(format!(
                "{fixture} publishes {}/{} at {scheme}{}",
                p.container_port,
                p.proto,
                p.address()
            ));
        }
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a non-string panic payload)".to_string()
    }
}

//! What the harness reports: a container's published ports once it is ready, and failures
//! (held back by a panic hook until teardown, then reported once at the user's code). The
//! printing itself is [`crate::console`]'s.

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::definitions::ContainerDefinition;

/// Prints the ports of a container the harness has just set up (the lines for its creation,
/// start and readiness were printed as they happened, by the container's lifecycle).
pub(crate) async fn container_ready(fixture: &str, c: &ContainerDefinition) {
    if let Ok(ports) = c.ports().await {
        for p in ports.iter() {
            let scheme = if p.proto == "tcp" { "http://" } else { "" };
            crate::console::line(format!(
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

/// A panic the hook held back instead of printing: see [`deferring`].
pub(crate) struct Caught {
    /// The panic's message.
    pub(crate) message: String,
    /// `file:line:column`, where it panicked.
    pub(crate) location: String,
    /// Its backtrace, when `RUST_BACKTRACE` asks for one.
    backtrace: std::backtrace::Backtrace,
    thread: String,
}

impl Caught {
    /// The report the default hook would have printed, with `extra` after the message (the
    /// containers' last log lines): one report, located where the panic happened.
    pub(crate) fn report(&self, extra: &str) -> String {
        use std::backtrace::BacktraceStatus;
        let mut out = format!(
            "\nthread '{}' panicked at {}:\n{}{extra}\n",
            self.thread, self.location, self.message
        );
        if self.backtrace.status() == BacktraceStatus::Captured {
            out.push_str(&format!("stack backtrace:\n{}", self.backtrace));
        } else if !BACKTRACE_NOTE.swap(true, Ordering::SeqCst) {
            out.push_str(
                "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
            );
        }
        out
    }
}

static BACKTRACE_NOTE: AtomicBool = AtomicBool::new(false);

thread_local! {
    static DEFERRING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static CAUGHT: std::cell::RefCell<Vec<Caught>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `work` with the panics of this thread held back rather than printed: the runner
/// reports a failing test once, at the user's code, with the containers' logs in the report,
/// and a fixture's panic becomes part of the setup failure. Take them with [`take_caught`].
pub(crate) fn deferring<T>(work: impl FnOnce() -> T) -> T {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let deferred = DEFERRING.try_with(|d| d.get()).unwrap_or(false);
            if !deferred {
                return previous(info);
            }
            let caught = Caught {
                message: panic_message(info.payload()),
                location: info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_else(|| "(unknown location)".to_string()),
                backtrace: std::backtrace::Backtrace::capture(),
                thread: std::thread::current()
                    .name()
                    .unwrap_or("<unnamed>")
                    .to_string(),
            };
            let _ = CAUGHT.try_with(|c| c.borrow_mut().push(caught));
        }));
    });
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = DEFERRING.try_with(|d| d.set(self.0));
        }
    }
    let _reset = Reset(DEFERRING.with(|d| d.replace(true)));
    work()
}

/// The panics held back on this thread since the last call, oldest first.
pub(crate) fn take_caught() -> Vec<Caught> {
    CAUGHT
        .try_with(|c| std::mem::take(&mut *c.borrow_mut()))
        .unwrap_or_default()
}

/// Hands panics held back on another thread (a plain `fn` body run on its own) to this one's.
pub(crate) fn hold(caught: Vec<Caught>) {
    let _ = CAUGHT.try_with(|c| c.borrow_mut().extend(caught));
}

//! Tests that cannot run are counted, never a silent "ok".
//!
//! libtest has no "skipped" outcome: a container test that finds no Docker engine returns
//! early and libtest prints `ok`. So the harness says so three times:
//!
//! - at once, on stderr: `seaworthy: skipping `name` (file:line): Docker is not available: …`;
//! - when the test process exits (an `atexit` hook, so plain `cargo test` users see it after
//!   libtest's own summary): `seaworthy: 3 container tests in this binary were skipped: Docker
//!   is not available (…)`;
//! - when [`ENV_SKIP_LOG`] names a file, one line per skipped test is appended to it
//!   (`<reason>\t<test>`), for a runner of several test binaries to sum up at the end
//!   (`scripts/test` does; dcd's end-to-end test appends its own skips in the same format).
//!
//! With [`ENV_REQUIRE_DOCKER`]`=1` nothing is skipped for want of Docker: the test fails
//! instead.
//!
//! A test or a fixture can also skip itself at run time, with a reason (`seaworthy::skip!`,
//! e.g. when the engine lacks a feature): the macro panics with a payload of its own, which the
//! runner (for a body) and the resolution (for a fixture) recognise. Such a skip is reported
//! the same three ways, with the reason given, and the test's teardown runs as after a pass. A
//! fixture's skip skips every test that needs it (a module-scoped one: each test of the module
//! that uses it, each reported). A deliberate skip stays a skip under
//! [`ENV_REQUIRE_DOCKER`]`=1`, which is about Docker only.

use std::io::Write as _;
use std::sync::Mutex;

use once_cell::sync::OnceCell;

use super::registry::TestInfo;
use crate::error::{Error, HarnessError};

/// Env var: `1` makes tests fail instead of skip when Docker is unreachable.
pub(crate) const ENV_REQUIRE_DOCKER: &str = "SEAWORTHY_REQUIRE_DOCKER";
/// Env var: a file every skipped test appends a line `<reason>\t<test>` to.
pub(crate) const ENV_SKIP_LOG: &str = "SEAWORTHY_SKIP_LOG";

/// The reasons of the tests this process skipped, one entry per test.
static SKIPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static SUMMARY_HOOK: OnceCell<()> = OnceCell::new();

/// A container test found no Docker engine: fails it under [`ENV_REQUIRE_DOCKER`]`=1`,
/// otherwise says it is skipped and records the skip.
pub(crate) fn docker_missing(info: &TestInfo, e: &Error) {
    if std::env::var(ENV_REQUIRE_DOCKER).is_ok_and(|v| v == "1") {
        panic!(
            "seaworthy: test `{}` needs Docker and {ENV_REQUIRE_DOCKER}=1 forbids skipping it: {e}",
            info.name
        );
    }
    let text = e.to_string();
    let cause = text.lines().next().unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "seaworthy: skipping `{}` ({}:{}): Docker is not available: {cause}\n(hint: set \
         {ENV_REQUIRE_DOCKER}=1 to fail instead of skipping)",
        info.name,
        info.file,
        info.line,
    );
    record(
        &format!("Docker is not available ({cause})"),
        &format!(
            "{}::{} ({}:{})",
            info.module, info.name, info.file, info.line
        ),
    );
}

/// The panic payload of [`skip!`](crate::skip): the reason.
struct Skip(String);

/// Skips the running test with `reason`: what [`skip!`](crate::skip) expands to.
pub fn skip(reason: String) -> ! {
    std::panic::panic_any(Skip(reason))
}

/// The reason of a panic that is a skip.
pub(crate) fn reason_of_panic(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload.downcast_ref::<Skip>().map(|s| s.0.clone())
}

/// A fixture's skip: the fixture chain down to it, and the reason.
pub(crate) fn of_error(e: &Error) -> Option<(Option<&str>, &str)> {
    match e {
        Error::Harness(HarnessError::Skipped { reason }) => Some((None, reason)),
        Error::Fixture { chain, source } => match &**source {
            Error::Harness(HarnessError::Skipped { reason }) => Some((Some(chain), reason)),
            _ => None,
        },
        _ => None,
    }
}

/// A test skipped itself, or a fixture it needs skipped it: says so and records the skip. Not
/// turned into a failure by [`ENV_REQUIRE_DOCKER`], which is about Docker only.
pub(crate) fn skipped(info: &TestInfo, reason: &str, chain: Option<&str>) {
    let by = match chain {
        Some(chain) => format!("fixture {chain} skipped it: "),
        None => String::new(),
    };
    let _ = writeln!(
        std::io::stderr(),
        "seaworthy: skipping `{}` ({}:{}): {by}{reason}",
        info.name,
        info.file,
        info.line,
    );
    record(
        reason,
        &format!(
            "{}::{} ({}:{})",
            info.module, info.name, info.file, info.line
        ),
    );
}

/// Counts a skip for the summary at exit and appends it to the [`ENV_SKIP_LOG`] file.
fn record(reason: &str, test: &str) {
    crate::sync::lock(&SKIPPED).push(reason.to_string());
    SUMMARY_HOOK.get_or_init(|| {
        // SAFETY: registering a plain `extern "C"` function that does not unwind.
        unsafe {
            libc::atexit(print_summary);
        }
    });
    let Some(path) = std::env::var_os(ENV_SKIP_LOG).filter(|p| !p.is_empty()) else {
        return;
    };
    let line = skip_log_line(reason, test);
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        // One `write` per line: appends of a few hundred bytes from parallel test processes
        // do not interleave.
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = appended {
        let _ = writeln!(
            std::io::stderr(),
            "seaworthy: warning: cannot record the skip in {ENV_SKIP_LOG}=`{}`: {e}",
            std::path::Path::new(&path).display()
        );
    }
}

/// `<reason>\t<test>\n`, with tabs and newlines inside either replaced by spaces.
fn skip_log_line(reason: &str, test: &str) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    format!("{}\t{}\n", clean(reason), clean(test))
}

/// The lines printed at exit: one per reason, in the order first seen.
fn summary_lines(reasons: &[String]) -> Vec<String> {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for r in reasons {
        match counted.iter_mut().find(|(seen, _)| seen == r) {
            Some((_, n)) => *n += 1,
            None => counted.push((r, 1)),
        }
    }
    counted
        .into_iter()
        .map(|(reason, n)| {
            let (tests, were) = if n == 1 {
                ("test", "was")
            } else {
                ("tests", "were")
            };
            format!("seaworthy: {n} container {tests} in this binary {were} skipped: {reason}")
        })
        .collect()
}

extern "C" fn print_summary() {
    let _ = std::panic::catch_unwind(|| {
        let reasons = std::mem::take(&mut *crate::sync::lock(&SKIPPED));
        let mut err = std::io::stderr().lock();
        for line in summary_lines(&reasons) {
            let _ = writeln!(err, "{line}");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_the_skips_of_each_reason() {
        let reasons =
            ["no Docker (a)", "no Docker (a)", "other", "no Docker (a)"].map(String::from);
        assert_eq!(
            summary_lines(&reasons),
            [
                "seaworthy: 3 container tests in this binary were skipped: no Docker (a)",
                "seaworthy: 1 container test in this binary was skipped: other",
            ]
        );
        assert_eq!(summary_lines(&[]), Vec::<String>::new());
    }

    #[test]
    fn a_skip_log_line_is_one_line_with_one_tab() {
        assert_eq!(
            skip_log_line("Docker is\tnot available\n(x)", "m::t (f.rs:3)"),
            "Docker is not available (x)\tm::t (f.rs:3)\n"
        );
    }
}

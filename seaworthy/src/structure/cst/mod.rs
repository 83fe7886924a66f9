//! container-structure-test (CST) files, run unchanged.
//!
//! [`CstFile`] reads a `schemaVersion: 2.0.0` file (YAML, or JSON for a `.json` path) and
//! [`CstFile::run`] runs its tests against an image, in CST's order (command, file content,
//! file existence, license, metadata tests), naming each result as CST does
//! (`Command Test: NAME`, `File Content Test: NAME`, `File Existence Test: NAME`,
//! `Metadata Test`). `licenseTests` are reported as unsupported, by name (`License Test`, as CST names every one).
//! An unknown key is an error naming the key and its line, as CST's strict parsing is.
//!
//! Where CST's Docker driver is odd, seaworthy does what CST does, so a file gives the same
//! verdicts: `exposedPorts` compare port numbers only (`80` matches `80/tcp`; `80/tcp` matches
//! nothing), `$VAR` is expanded from the image's environment in a command and its arguments
//! and in a file existence test's path (not in a file content test's path, nor in a command
//! test's own `envVars`, which are passed as written), commands run with the entrypoint
//! cleared, teardown commands are not run (CST's Docker driver skips them), and regexes are
//! searched unanchored in the whole text. Where CST drops things silently, seaworthy does not:
//! a test's `envVars` still apply when `containerRunOptions` are set (CST then replaces them),
//! a regex that does not compile is an error (CST counts it as "not found"), and a content
//! test on a relative symlink reads its target (CST looks for the target at the root).

mod config;
mod run;

pub use config::{CstError, CstFile};
pub use run::{CstReport, CstResult, Verdict};

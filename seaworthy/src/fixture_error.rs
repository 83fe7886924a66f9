//! The errors of the fixture harness: fixture functions, fixtures shared across processes,
//! `#[clean]`, and the harness's own bookkeeping.
//!
//! A domain error of `seaworthy::Error` (see the `error` module); the fixture
//! chain an error happened under is `Error::Fixture`, which wraps any
//! domain's error.

/// What went wrong in the fixture harness itself (the error of a fixture's own setup, e.g. a
/// container that did not start, keeps its own domain).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// A fixture function panicked while building its value.
    #[error("the fixture function `{fixture}` panicked: {message}")]
    FixturePanicked {
        /// The fixture's name.
        fixture: String,
        /// The panic message.
        message: String,
    },

    /// A fixture function returned an `Err`.
    #[error("the fixture function `{fixture}` returned an error: {message}")]
    FixtureFailed {
        /// The fixture's name.
        fixture: String,
        /// The error, as it displays.
        message: String,
    },

    /// A fixture shared by the processes of a run failed to set up in the process that tried
    /// first; later processes fail with its message instead of trying again.
    #[error(
        "{message}\n(recorded by the test process that set this shared fixture up for {run}; it \
         is not set up again in this run: fix the cause and run again, or set SEAWORTHY_SHARE=0 \
         to set it up in every process)"
    )]
    SharedSetupFailed {
        /// The original error's message.
        message: String,
        /// The run.
        run: String,
    },

    /// A process asked for a shared fixture after its run's runner had ended.
    #[error(
        "{run} has ended, so its shared fixtures are being removed\n(hint: this test process \
         outlived its runner (killed or interrupted); run the tests again)"
    )]
    SharedRunEnded {
        /// The run.
        run: String,
    },

    /// `#[clean]` on a resource whose type cannot be cleaned.
    #[error(
        "`{resource}` cannot be cleaned: its type does not implement `Resource::clean`\n(hint: \
         implement `clean` for it, or drop `#[clean]` and use a function-scoped fixture)"
    )]
    CleanNotImplemented {
        /// The resource's name (or its type, when it has none).
        resource: String,
    },

    /// A fixture function skipped the tests that need it (`seaworthy::skip!`): they are
    /// reported as skipped, not failed.
    #[error("skipped: {reason}")]
    Skipped {
        /// The reason the fixture gave.
        reason: String,
    },

    /// The harness's own bookkeeping went wrong: a bug in seaworthy, please report it.
    #[error("internal error in the fixture runtime: {0}\n(hint: this is a bug in seaworthy; please report it with the test that shows it)")]
    Internal(String),
}

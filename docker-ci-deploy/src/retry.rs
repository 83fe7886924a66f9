//! How dcd retries: the [`RetryPolicy`] of its registry calls and of `docker push`, from the
//! environment.
//!
//! * `DCD_RETRY_ATTEMPTS`: attempts per call, the first included (default 5; 1 turns retries
//!   off);
//! * `DCD_RETRY_DELAY_MS`: the first wait in milliseconds, doubling after each attempt up to
//!   30 s (default 1000); a registry's longer `Retry-After` is honoured;
//! * `DCD_RETRY_TIMEOUT`: seconds one call may take with all its attempts and waits
//!   (default 120).

use std::time::Duration;

use seaworthy_registry::RetryPolicy;

use crate::errors::ExpectedError;

fn number(
    name: &'static str,
    accepted: &'static str,
    min: u64,
) -> Result<Option<u64>, ExpectedError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(n) if n >= min => Ok(Some(n)),
            _ => Err(ExpectedError::Environment {
                name,
                value,
                accepted,
            }),
        },
    }
}

/// The policy the environment asks for.
pub(crate) fn policy_from_env() -> Result<RetryPolicy, ExpectedError> {
    let default = RetryPolicy::default();
    let attempts = number(
        "DCD_RETRY_ATTEMPTS",
        "a whole number of attempts, 1 or more (1: no retries)",
        1,
    )?
    .map_or(default.attempts, |n| u32::try_from(n).unwrap_or(u32::MAX));
    let delay = number(
        "DCD_RETRY_DELAY_MS",
        "a whole number of milliseconds, 0 or more",
        0,
    )?
    .map_or(default.first_delay, Duration::from_millis);
    let budget = number(
        "DCD_RETRY_TIMEOUT",
        "a whole number of seconds, 0 or more",
        0,
    )?
    .map_or(default.budget, Duration::from_secs);
    Ok(RetryPolicy::new(attempts, delay, budget))
}

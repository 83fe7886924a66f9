//! Retrying registry calls: which failures are worth another attempt, and how long to wait
//! before it.
//!
//! A request is tried again when the registry could not be reached, answered `429 Too Many
//! Requests`, or answered a `5xx`, but only when repeating it is safe:
//!
//! * a connection that could not be made, and a `429`, mean the registry did nothing, so any
//!   request may be sent again;
//! * after a `5xx`, a timeout or a connection dropped mid-answer, the registry may have acted on
//!   the request, so only requests that are safe to repeat are: reads (`GET`, `HEAD`) and
//!   manifest `PUT`s, which write the same bytes under the same name. Starting an upload or a
//!   mount (`POST`) and the `PUT` that completes an upload session are not repeated.
//!
//! The wait doubles from [`RetryPolicy::first_delay`] up to [`RetryPolicy::max_delay`], or is
//! what the registry's `Retry-After` asks for when that is longer; the attempts stop at
//! [`RetryPolicy::attempts`], or earlier when the next wait would end after
//! [`RetryPolicy::budget`] (counted from the first attempt).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// How a [`Client`](crate::Client) retries failed calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many times a call is tried at most, the first time included (1: no retries).
    pub attempts: u32,
    /// The wait before the second attempt; it doubles for each attempt after that.
    pub first_delay: Duration,
    /// The longest wait the doubling reaches (a longer `Retry-After` is still honoured).
    pub max_delay: Duration,
    /// The time a call may take with all its attempts and waits: no wait is started that
    /// would end after it.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, waits of 1, 2, 4 and 8 s (or the registry's `Retry-After`), within 2
    /// minutes.
    fn default() -> Self {
        Self {
            attempts: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

/// Why no further attempt is made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUp {
    /// Every attempt was used.
    Attempts,
    /// The next wait (what `Retry-After` asked for, or the backoff) would end after the
    /// budget.
    Budget {
        /// The wait that did not fit.
        wait: Duration,
        /// The whole budget.
        budget: Duration,
    },
}

impl std::fmt::Display for GiveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Attempts => f.write_str("no attempts left"),
            Self::Budget { wait, budget } => write!(
                f,
                "the next wait of {} s would end after the retry budget of {} s",
                seconds(*wait),
                seconds(*budget)
            ),
        }
    }
}

/// `1.5` for 1500 ms.
fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{:.1}", duration.as_secs_f64())
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }

    /// A policy with `attempts` attempts, waits starting at `first_delay`, within `budget`.
    pub fn new(attempts: u32, first_delay: Duration, budget: Duration) -> Self {
        Self {
            attempts: attempts.max(1),
            first_delay,
            max_delay: Self::default().max_delay.max(first_delay),
            budget,
        }
    }

    /// The backoff before attempt `next` (2 for the first retry).
    fn backoff(&self, next: u32) -> Duration {
        let doublings = next.saturating_sub(2).min(30);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// The wait before attempt `next` (2 for the first retry), given what `Retry-After`
    /// asked for and the time spent so far; `Err` when no further attempt is to be made.
    pub fn wait(
        &self,
        next: u32,
        retry_after: Option<Duration>,
        spent: Duration,
    ) -> Result<Duration, GiveUp> {
        if next > self.attempts {
            return Err(GiveUp::Attempts);
        }
        let wait = self.backoff(next).max(retry_after.unwrap_or_default());
        let left = self.budget.saturating_sub(spent);
        if wait > left {
            return Err(GiveUp::Budget {
                wait,
                budget: self.budget,
            });
        }
        Ok(wait)
    }
}

/// The attempts of one call: whether another one is due, and the error that ends them.
pub(crate) struct Attempts {
    policy: RetryPolicy,
    started: std::time::Instant,
    attempt: u32,
    gave_up: Option<GiveUp>,
}

impl Attempts {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            started: std::time::Instant::now(),
            attempt: 1,
            gave_up: None,
        }
    }

    /// The wait before another attempt after `outcome`, or `None` when `outcome` is final
    /// (a success, a failure not worth retrying, or no attempt or time left).
    pub(crate) fn again(
        &mut self,
        outcome: &Result<reqwest::Response, crate::Error>,
        idempotent: bool,
    ) -> Option<Duration> {
        let asked = match outcome {
            Ok(response) if retry_status(response.status(), idempotent) => {
                retry_after(response.headers(), SystemTime::now())
            }
            Err(crate::Error::Network { cause, .. }) if cause.is_connect() || idempotent => None,
            _ => return None,
        };
        match self
            .policy
            .wait(self.attempt + 1, asked, self.started.elapsed())
        {
            Ok(wait) => {
                self.attempt += 1;
                Some(wait)
            }
            Err(reason) => {
                self.gave_up = Some(reason);
                None
            }
        }
    }

    /// The call's final error: [`Error::GaveUp`](crate::Error::GaveUp) around `error` when it
    /// was retried, or a `Retry-After` did not fit.
    pub(crate) fn finish(&self, registry: &str, error: crate::Error) -> crate::Error {
        match &self.gave_up {
            Some(reason) if self.attempt > 1 || *reason != GiveUp::Attempts => {
                crate::Error::GaveUp {
                    registry: registry.to_owned(),
                    attempts: self.attempt,
                    reason: reason.clone(),
                    last: Box::new(error),
                }
            }
            _ => error,
        }
    }
}

/// Whether an answer with `status` is worth another attempt: a `429` always, a `5xx` when the
/// request is safe to repeat.
pub(crate) fn retry_status(status: StatusCode, idempotent: bool) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || (status.is_server_error() && idempotent)
}

/// What a `Retry-After` header asks for: seconds, or an HTTP date (a date in the past is no
/// wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(4, Duration::from_millis(100), Duration::from_secs(10))
    }

    #[test]
    fn backoff_doubles_and_retry_after_wins_when_longer() {
        let p = policy();
        let ms = Duration::from_millis;
        assert_eq!(p.wait(2, None, ms(0)), Ok(ms(100)));
        assert_eq!(p.wait(3, None, ms(0)), Ok(ms(200)));
        assert_eq!(p.wait(4, None, ms(0)), Ok(ms(400)));
        assert_eq!(p.wait(5, None, ms(0)), Err(GiveUp::Attempts));
        assert_eq!(p.wait(2, Some(ms(3000)), ms(0)), Ok(ms(3000)));
        assert_eq!(p.wait(3, Some(ms(50)), ms(0)), Ok(ms(200)));
        assert_eq!(
            p.wait(2, Some(Duration::from_secs(3600)), Duration::from_secs(1)),
            Err(GiveUp::Budget {
                wait: Duration::from_secs(3600),
                budget: Duration::from_secs(10)
            })
        );
        assert_eq!(
            GiveUp::Budget {
                wait: ms(3600),
                budget: ms(8500)
            }
            .to_string(),
            "the next wait of 3.6 s would end after the retry budget of 8.5 s"
        );
        let capped = RetryPolicy::new(40, Duration::from_secs(1), Duration::from_secs(1000));
        assert_eq!(capped.wait(30, None, ms(0)), Ok(Duration::from_secs(30)));
        assert_eq!(
            RetryPolicy::none().wait(2, None, ms(0)),
            Err(GiveUp::Attempts)
        );
    }

    #[test]
    fn which_statuses_are_retried() {
        assert!(retry_status(StatusCode::TOO_MANY_REQUESTS, false));
        assert!(retry_status(StatusCode::SERVICE_UNAVAILABLE, true));
        assert!(!retry_status(StatusCode::SERVICE_UNAVAILABLE, false));
        assert!(!retry_status(StatusCode::NOT_FOUND, true));
        assert!(!retry_status(StatusCode::BAD_REQUEST, true));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            headers
        };
        assert_eq!(
            retry_after(&headers("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}

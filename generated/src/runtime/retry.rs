//! [`RetryPolicy`]: when a failed request is sent again, and how long to wait first.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use reqwest::{Method, StatusCode};

use super::Error;

/// When and how often a failed request is sent again.
///
/// A request is retried when the API answers `429 Too Many Requests`, `500`, `502`, `503` or
/// `504`, or when the connection fails or times out, and only for `GET`, `PUT` and `DELETE`:
/// repeating those has the same effect as sending them once. `POST` (creating a webhook) is
/// never retried unless [`retry_non_idempotent`](Self::retry_non_idempotent) is set, because a
/// request whose response was lost may still have created the webhook, and Asana has no
/// idempotency keys to tell. Other statuses, and success responses that cannot be decoded,
/// are not retried: sending the same request again would fail the same way.
///
/// Before a retry the client waits for the `Retry-After` (in seconds) of a `429` or `503` when
/// the server sent one. Otherwise (Asana's concurrency limit sends none, nor do most server
/// errors) it waits an exponential backoff with jitter: the n-th retry waits between half and
/// all of `initial_backoff * 2^(n-1)`, capped at `max_backoff`, so that many clients failing at
/// once do not come back at once.
///
/// Retries stop after [`max_attempts`](Self::max_attempts) attempts, or when the next wait
/// would end after the [`time_budget`](Self::time_budget) counted from the first attempt;
/// the caller then gets the error of the last attempt, which records how many attempts were
/// made. The budget bounds the attempts too: each one is cut off (as a timeout) when the
/// budget runs out, even before its own timeout, so a call never takes much longer than the
/// budget.
///
/// The defaults: 5 attempts, backoff from 500 ms up to 10 s, a 60 s budget, no retries of
/// `POST`.
///
/// ```
/// use std::time::Duration;
/// use asana_client::{Client, RetryPolicy};
///
/// # fn example() -> Result<(), asana_client::Error> {
/// let client = Client::builder()
///     .token("0/my-personal-access-token")
///     .retry_policy(
///         RetryPolicy::default()
///             .max_attempts(3)
///             .backoff(Duration::from_millis(200), Duration::from_secs(2)),
///     )
///     .build()?;
/// // Or none at all, for this client only:
/// let once = client.with_retry_policy(RetryPolicy::disabled());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    time_budget: Duration,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            time_budget: Duration::from_secs(60),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Sends every request once.
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// How many times a request may be sent in all, counting the first; `0` counts as `1`.
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The wait before the first retry, and the most any wait without `Retry-After` grows to.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// How long a call may take in all, counted from the start of its first attempt: no
    /// retry starts after it, and an attempt still running when it ends is cut off as a
    /// timeout. A `Retry-After` that would end past it is not waited for: the `429` or `503`
    /// is returned at once, carrying the delay.
    pub fn time_budget(mut self, time_budget: Duration) -> Self {
        self.time_budget = time_budget;
        self
    }

    /// What is left of the time budget `elapsed` after the first attempt started.
    pub(super) fn remaining_budget(&self, elapsed: Duration) -> Duration {
        self.time_budget.saturating_sub(elapsed)
    }

    /// Whether `POST` requests are retried too, under the same conditions as the others.
    /// Off by default: see the type's documentation.
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }

    /// How long to wait before sending again a request that failed with `error` on attempt
    /// number `attempt` (from 1), `elapsed` after the first attempt started; `None` to give up.
    pub(super) fn delay(
        &self,
        method: &Method,
        error: &Error,
        attempt: u32,
        elapsed: Duration,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !(self.retry_non_idempotent || is_idempotent(method)) {
            return None;
        }
        let delay = match error {
            // The statuses that RFC 9110 gives a `Retry-After`; Asana's SDKs wait it on both.
            Error::Api(error)
                if matches!(
                    error.status(),
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                ) =>
            {
                error
                    .retry_after()
                    .unwrap_or_else(|| self.backoff_delay(attempt, random_unit()))
            }
            Error::Api(error) if is_transient(error.status()) => {
                self.backoff_delay(attempt, random_unit())
            }
            Error::Transport { source, .. } if !is_permanent(source) => {
                self.backoff_delay(attempt, random_unit())
            }
            _ => return None,
        };
        (elapsed.saturating_add(delay) <= self.time_budget).then_some(delay)
    }

    /// The wait before retry number `retry` (from 1): `unit` (in `0.0..=1.0`) picks it between
    /// half and all of the exponential backoff, so tests can pass fixed values.
    fn backoff_delay(&self, retry: u32, unit: f64) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        base.mul_f64(0.5 + unit.clamp(0.0, 1.0) / 2.0)
    }
}

/// Methods whose repetition has the same effect as one request.
fn is_idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::PUT | Method::DELETE)
}

/// Statuses that say the server failed this time, not that the request was wrong.
fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// Transport errors that sending again cannot fix: the request itself could not be built, or
/// the redirect policy refused it.
fn is_permanent(error: &reqwest::Error) -> bool {
    error.is_builder() || error.is_redirect() || error.is_status()
}

/// A number in `0.0..1.0` that differs from call to call. Jitter needs no better randomness
/// than a freshly keyed SipHash gives, and this keeps a random number crate out of the
/// dependencies.
fn random_unit() -> f64 {
    let bits = RandomState::new().hash_one(std::time::Instant::now()) >> 11;
    // 53 bits: exactly representable, so the result stays below 1.
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    const MS: Duration = Duration::from_millis(1);

    fn api(status: u16, retry_after: Option<&'static str>) -> Error {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        }
        let status = StatusCode::from_u16(status).unwrap();
        ApiError::from_response("getWebhook", status, &headers, b"", false).into()
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default().backoff(100 * MS, 1000 * MS)
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_in_the_upper_half() {
        let policy = policy();
        let at = |retry, unit| policy.backoff_delay(retry, unit);
        assert_eq!(
            [at(1, 1.0), at(2, 1.0), at(3, 1.0), at(4, 1.0), at(5, 1.0)],
            [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS]
        );
        assert_eq!(at(1, 0.0), 50 * MS);
        assert_eq!(at(3, 0.5), 300 * MS);
        assert_eq!(at(u32::MAX, 0.0), 500 * MS);
        assert_eq!(at(1, 7.0), 100 * MS);
    }

    #[test]
    fn random_unit_is_in_range_and_varies() {
        let values: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.iter().any(|v| *v != values[0]));
    }

    #[test]
    fn which_failures_are_retried_for_which_methods() {
        let policy = policy();
        let retried = |method: Method, status| {
            policy
                .delay(&method, &api(status, None), 1, Duration::ZERO)
                .is_some()
        };
        for status in [429, 500, 502, 503, 504] {
            for method in [Method::GET, Method::PUT, Method::DELETE] {
                assert!(retried(method, status), "{status}");
            }
            assert!(!retried(Method::POST, status), "{status}");
            assert!(
                policy
                    .retry_non_idempotent(true)
                    .delay(&Method::POST, &api(status, None), 1, Duration::ZERO)
                    .is_some()
            );
        }
        for status in [400, 401, 403, 404, 501, 599] {
            assert!(!retried(Method::GET, status), "{status}");
        }
        let config = Error::Config(String::new());
        assert_eq!(policy.delay(&Method::GET, &config, 1, Duration::ZERO), None);
    }

    #[test]
    fn retry_after_is_honoured_even_above_the_backoff_cap() {
        for status in [429, 503] {
            let delay = policy().delay(&Method::GET, &api(status, Some("3")), 1, Duration::ZERO);
            assert_eq!(delay, Some(Duration::from_secs(3)), "{status}");
        }
        let plus = policy().delay(&Method::GET, &api(503, Some("+3")), 1, Duration::ZERO);
        assert!(plus.is_some_and(|d| d <= 100 * MS), "{plus:?}");
        let without = policy().delay(&Method::GET, &api(429, None), 1, Duration::ZERO);
        assert!(without.is_some_and(|d| (50 * MS..=100 * MS).contains(&d)));
    }

    #[test]
    fn attempts_and_time_budget_are_limits() {
        let policy = policy().max_attempts(3).time_budget(Duration::from_secs(2));
        let error = api(503, None);
        assert!(
            policy
                .delay(&Method::GET, &error, 2, Duration::ZERO)
                .is_some()
        );
        assert_eq!(policy.delay(&Method::GET, &error, 3, Duration::ZERO), None);
        let late = Duration::from_millis(1990);
        assert_eq!(policy.delay(&Method::GET, &error, 1, late), None);
        let retry_after = api(429, Some("5"));
        assert_eq!(
            policy.delay(&Method::GET, &retry_after, 1, Duration::ZERO),
            None
        );
        let disabled = RetryPolicy::disabled();
        assert_eq!(
            disabled.delay(&Method::GET, &error, 1, Duration::ZERO),
            None
        );
        assert_eq!(RetryPolicy::default().max_attempts(0), disabled);
    }
}

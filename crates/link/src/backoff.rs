//! The reconnect schedule: backon's exponential ceiling, full jitter under
//! it, never below the floor and never above the cap, forever.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use rand::Rng;

use crate::config::BackoffPolicy;

#[derive(Debug)]
pub struct Backoff {
    policy: BackoffPolicy,
    ceilings: ExponentialBackoff,
    attempt: u32,
}

impl Backoff {
    pub fn new(policy: BackoffPolicy) -> Self {
        Backoff {
            policy,
            ceilings: Self::ceilings(policy),
            attempt: 0,
        }
    }

    fn ceilings(policy: BackoffPolicy) -> ExponentialBackoff {
        ExponentialBuilder::new()
            .with_min_delay(policy.floor)
            .with_max_delay(policy.cap.max(policy.floor))
            .with_factor(2.0)
            .without_max_times()
            .build()
    }

    /// How many delays were handed out since the last reset: the number of
    /// the retry that the latest delay leads to.
    pub fn retries(&self) -> u32 {
        self.attempt
    }

    /// The wait before the next attempt: uniform between the floor and this
    /// attempt's ceiling ("full jitter", lifted to the floor so that a
    /// thousand clients do not come back in the same instant nor too fast).
    pub fn next_delay(&mut self) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        let ceiling = self.ceilings.next().unwrap_or(self.policy.cap);
        let floor = self.policy.floor.min(ceiling);
        if ceiling <= floor {
            return floor;
        }
        rand::rng().random_range(floor..=ceiling)
    }

    pub fn reset(&mut self) {
        self.ceilings = Self::ceilings(self.policy);
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            floor: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            stable_after: Duration::from_secs(10),
            ..BackoffPolicy::default()
        }
    }

    #[test]
    fn stays_between_floor_and_a_doubling_ceiling_then_the_cap_forever() {
        let mut b = Backoff::new(policy());
        assert_eq!(
            b.next_delay(),
            Duration::from_millis(500),
            "first retry at the floor"
        );
        let mut ceiling = Duration::from_millis(500);
        for n in 2..=200 {
            ceiling = (ceiling * 2).min(Duration::from_secs(30));
            let d = b.next_delay();
            assert!(
                d >= Duration::from_millis(500),
                "attempt {n}: {d:?} under the floor"
            );
            assert!(
                d <= ceiling,
                "attempt {n}: {d:?} over its ceiling {ceiling:?}"
            );
        }
        assert_eq!(b.retries(), 200);
    }

    #[test]
    fn jitter_spreads_delays_at_the_cap() {
        let mut b = Backoff::new(policy());
        let delays: Vec<_> = (0..60).map(|_| b.next_delay()).skip(10).collect();
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 40,
            "jitter should spread retries: {distinct:?}"
        );
        let mean = delays.iter().sum::<Duration>() / delays.len() as u32;
        assert!(
            mean > Duration::from_secs(8) && mean < Duration::from_secs(23),
            "{mean:?}"
        );
    }

    #[test]
    fn reset_starts_again_at_the_floor() {
        let mut b = Backoff::new(policy());
        for _ in 0..10 {
            b.next_delay();
        }
        b.reset();
        assert_eq!(b.retries(), 0);
        assert_eq!(b.next_delay(), Duration::from_millis(500));
    }
}

//! The figures of issue 19 drawn from the ingest pairs: the median and the
//! worst of the per-pair rate ratios, the per-pair CPU ratio, and the
//! min/median/max that `results.json` keeps beside each.

use serde_json::{json, Value};

use crate::stats::median;

/// One pair's rates (events/s) and CPU per event (µs), both clients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub ours_rate: f64,
    pub node_rate: f64,
    pub ours_cpu_us: f64,
    pub node_cpu_us: f64,
}

/// `a / b`, or `None` when that is no figure (a zero or missing reading).
fn ratio(a: f64, b: f64) -> Option<f64> {
    let r = a / b;
    (r.is_finite() && r > 0.0).then_some(r)
}

impl Pair {
    /// How many times the Node client's rate ours is.
    pub fn rate_ratio(&self) -> Option<f64> {
        ratio(self.ours_rate, self.node_rate)
    }

    /// How many times our CPU per event the Node client's is (higher is
    /// better for us, as the rate ratio).
    pub fn cpu_ratio(&self) -> Option<f64> {
        ratio(self.node_cpu_us, self.ours_cpu_us)
    }
}

/// The lowest of some figures; `None` when there is none.
pub fn worst(values: &[f64]) -> Option<f64> {
    values
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .min_by(f64::total_cmp)
}

/// The highest of some figures; `None` when there is none.
pub fn best(values: &[f64]) -> Option<f64> {
    values
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .max_by(f64::total_cmp)
}

/// `{"min", "median", "max", "runs"}` of a sample, for `details`.
pub fn spread(values: &[f64]) -> Value {
    json!({
        "min": worst(values),
        "median": median(values),
        "max": best(values),
        "runs": values.len(),
    })
}

/// The ratios that came out, pair by pair (a pair without a figure is left
/// out, so that a broken reading neither helps nor hurts the median).
pub fn rate_ratios(pairs: &[Pair]) -> Vec<f64> {
    pairs.iter().filter_map(Pair::rate_ratio).collect()
}

pub fn cpu_ratios(pairs: &[Pair]) -> Vec<f64> {
    pairs.iter().filter_map(Pair::cpu_ratio).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(ours_rate: f64, node_rate: f64, ours_cpu_us: f64, node_cpu_us: f64) -> Pair {
        Pair {
            ours_rate,
            node_rate,
            ours_cpu_us,
            node_cpu_us,
        }
    }

    #[test]
    fn the_worst_pair_is_the_lowest_ratio_not_the_lowest_rate() {
        // Pair 1 has our lowest rate but Node was slow too; pair 2 is worse.
        let pairs = [
            pair(3000.0, 1000.0, 10.0, 30.0),
            pair(1000.0, 400.0, 10.0, 20.0),
            pair(2000.0, 1600.0, 10.0, 25.0),
        ];
        let ratios = rate_ratios(&pairs);
        assert_eq!(ratios, vec![3.0, 2.5, 1.25]);
        assert_eq!(worst(&ratios), Some(1.25));
        assert_eq!(median(&ratios), Some(2.5));
    }

    #[test]
    fn cpu_ratio_is_node_over_ours() {
        let pairs = [pair(1.0, 1.0, 4.0, 10.0), pair(1.0, 1.0, 5.0, 20.0)];
        assert_eq!(cpu_ratios(&pairs), vec![2.5, 4.0]);
        assert_eq!(median(&cpu_ratios(&pairs)), Some(3.25));
    }

    #[test]
    fn a_pair_without_a_reading_is_left_out() {
        let pairs = [pair(1000.0, 0.0, 0.0, 10.0), pair(1000.0, 500.0, 5.0, 10.0)];
        assert_eq!(rate_ratios(&pairs), vec![2.0]);
        assert_eq!(cpu_ratios(&pairs), vec![2.0]);
        assert_eq!(worst(&[]), None);
    }

    #[test]
    fn spread_has_min_median_max() {
        let s = spread(&[3.0, 1.0, 2.0]);
        assert_eq!(s["min"], json!(1.0));
        assert_eq!(s["median"], json!(2.0));
        assert_eq!(s["max"], json!(3.0));
        assert_eq!(s["runs"], json!(3));
    }
}

//! Spike-train statistics on the Neo-shaped data, with Elephant's
//! definitions: mean firing rate, coefficient of variation of the
//! inter-spike intervals, Fano factor of spike counts and the population
//! rate histogram.
//!
//! Each function follows the Elephant function it names (Elephant 1.2.1,
//! `elephant/statistics.py`, `elephant/conversion.py`), including its edge
//! cases (NaN where Elephant returns NaN), so that the examples' summaries
//! and an analysis in Python of the written data (see [`crate::io`]) give
//! the same numbers: `tests/neo_elephant.rs` checks them against Elephant to
//! a relative 1e-12.
//!
//! Times are in ms (as in [`SpikeTrain`]), rates in Hz.
//!
//! ```
//! use pynn_core::{SpikeTrain, stats};
//! let st = SpikeTrain { source_index: 0, source_population: "p".into(),
//!                       times: vec![1.0, 5.0, 10.0], t_start: 0.0, t_stop: 10.0 };
//! assert_eq!(st.mean_rate(), 300.0);                    // 3 spikes in 10 ms
//! assert!((stats::cv_isi(&st.times) - 0.1111111111111111).abs() < 1e-15);
//! ```

use crate::data::{Segment, SpikeTrain};
use crate::error::{Error, Result, fmt_num};

/// Mean firing rate (Hz) of the spikes `times` (ms) within
/// `[t_start, t_stop]` (both ends included): their number divided by
/// `t_stop - t_start`.
///
/// Elephant's `mean_firing_rate(spiketrain, t_start, t_stop)`
/// (`elephant/statistics.py`), in Hz. An empty train has rate 0 (Elephant
/// refuses an empty plain array but gives 0 for an empty `SpikeTrain`).
/// An error unless `t_start < t_stop`, both finite.
pub fn mean_rate(times: &[f64], t_start: f64, t_stop: f64) -> Result<f64> {
    if !(t_start.is_finite() && t_stop.is_finite() && t_start < t_stop) {
        return Err(Error::invalid_value(
            "mean_rate",
            "t_start, t_stop",
            format!("{} ms, {} ms", fmt_num(t_start), fmt_num(t_stop)),
            "finite times with t_start < t_stop",
        ));
    }
    let n = times.iter().filter(|t| **t >= t_start && **t <= t_stop).count();
    Ok(n as f64 / (t_stop - t_start) * 1000.0)
}

/// Coefficient of variation of the inter-spike intervals of the sorted
/// spike times `times`: the standard deviation of the intervals (divided by
/// their number, not by one less) over their mean.
///
/// Elephant's `cv(isi(spiketrain))` (`elephant/statistics.py`: `isi` is
/// `numpy.diff`, `cv` is `scipy.stats.variation`). NaN with fewer than 2
/// spikes (no interval); 0 with exactly 2. Dimensionless.
pub fn cv_isi(times: &[f64]) -> f64 {
    if times.len() < 2 {
        return f64::NAN;
    }
    let isi: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let n = isi.len() as f64;
    let mean = isi.iter().sum::<f64>() / n;
    let var = isi.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// Fano factor of the spike counts of `trains`: the variance of the counts
/// (divided by their number) over their mean.
///
/// Elephant's `fanofactor(spiketrains)` (`elephant/statistics.py`). NaN if
/// there is no train or no spike at all. Dimensionless. (Elephant warns
/// when the trains' durations differ by more than 0.1 ms; here they are
/// counted as they are.)
pub fn fano_factor(trains: &[SpikeTrain]) -> f64 {
    let counts: Vec<f64> = trains.iter().map(|t| t.times.len() as f64).collect();
    if counts.iter().all(|c| *c == 0.0) {
        return f64::NAN;
    }
    let n = counts.len() as f64;
    let mean = counts.iter().sum::<f64>() / n;
    let var = counts.iter().map(|c| (c - mean) * (c - mean)).sum::<f64>() / n;
    var / mean
}

/// The population rate histogram: the mean firing rate per train (Hz) in
/// consecutive bins of `bin` ms from `t_start`, as returned by
/// [`population_rate_histogram`].
#[derive(Debug, Clone, PartialEq)]
pub struct RateHistogram {
    /// Left edge of the first bin (ms).
    pub t_start: f64,
    /// Bin width (ms).
    pub bin: f64,
    /// Spikes of all trains in each bin.
    pub counts: Vec<u64>,
    /// `counts[k] / (number of trains * bin)`, in Hz.
    pub rates: Vec<f64>,
}

impl RateHistogram {
    /// Left edges of the bins (ms).
    pub fn times(&self) -> Vec<f64> {
        (0..self.rates.len()).map(|k| self.t_start + k as f64 * self.bin).collect()
    }
}

/// Rounds `x` down to an integer, except within 1e-8 below the next integer,
/// where it rounds up (Elephant's `round_binning_errors`,
/// `elephant/utils.py`, default tolerance).
fn bin_floor(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 1.0 - 1e-8 { f + 1.0 } else { f }
}

/// Population rate histogram of `trains` over `[t_start, t_stop)` in bins of
/// `bin` ms.
///
/// Elephant's `time_histogram(spiketrains, bin_size, t_start, t_stop,
/// output="rate")` (`elephant/statistics.py`) and its binning by
/// `BinnedSpikeTrain` (`elephant/conversion.py`): there are
/// `floor((t_stop - t_start) / bin)` bins (rounded up when within 1e-8 of
/// the next integer), bin `k` holds the spikes in
/// `[t_start + k bin, t_start + (k + 1) bin)`, a spike within 1e-8 bin of
/// its bin's right edge counts in the next bin, and spikes after the last
/// full bin (including one at `t_stop`) are not counted. With no train,
/// every rate is NaN.
///
/// An error unless `bin > 0` and `t_start < t_stop` (all finite) and at
/// least one bin fits.
pub fn population_rate_histogram(trains: &[SpikeTrain], bin: f64, t_start: f64, t_stop: f64) -> Result<RateHistogram> {
    let call = "population_rate_histogram";
    if !(bin.is_finite() && bin > 0.0) {
        return Err(Error::invalid_value(call, "bin", format!("{} ms", fmt_num(bin)), "a finite width > 0 ms"));
    }
    if !(t_start.is_finite() && t_stop.is_finite() && t_start < t_stop) {
        return Err(Error::invalid_value(
            call,
            "t_start, t_stop",
            format!("{} ms, {} ms", fmt_num(t_start), fmt_num(t_stop)),
            "finite times with t_start < t_stop",
        ));
    }
    let n_bins = bin_floor((t_stop - t_start) / bin);
    if n_bins < 1.0 {
        return Err(Error::invalid_value(
            call,
            "bin",
            format!("{} ms", fmt_num(bin)),
            format!("at most the duration t_stop - t_start = {} ms", fmt_num(t_stop - t_start)),
        ));
    }
    let n_bins = n_bins as usize;
    let mut counts = vec![0u64; n_bins];
    let scale = 1.0 / bin;
    for t in trains.iter().flat_map(|s| s.times.iter()) {
        if *t >= t_start && *t <= t_stop {
            let k = bin_floor((t - t_start) * scale);
            if k < n_bins as f64 {
                counts[k as usize] += 1;
            }
        }
    }
    let norm = trains.len() as f64 * bin;
    let rates = counts.iter().map(|c| *c as f64 / norm * 1000.0).collect();
    Ok(RateHistogram { t_start, bin, counts, rates })
}

impl SpikeTrain {
    /// Mean firing rate over the train's `[t_start, t_stop]` (Hz); see
    /// [`mean_rate`]. 0 if `t_stop <= t_start` (an empty recording).
    pub fn mean_rate(&self) -> f64 {
        mean_rate(&self.times, self.t_start, self.t_stop).unwrap_or(0.0)
    }
    /// Coefficient of variation of the inter-spike intervals; see
    /// [`cv_isi`] (NaN with fewer than 2 spikes).
    pub fn cv_isi(&self) -> f64 {
        cv_isi(&self.times)
    }
}

impl Segment {
    /// Mean firing rate of each recorded cell (Hz), in the order of
    /// [`Segment::spiketrains`]; see [`mean_rate`].
    pub fn mean_rates(&self) -> Vec<f64> {
        self.spiketrains.iter().map(SpikeTrain::mean_rate).collect()
    }
    /// Fano factor of the recorded cells' spike counts; see [`fano_factor`].
    pub fn fano_factor(&self) -> f64 {
        fano_factor(&self.spiketrains)
    }
    /// Population rate histogram of the recorded cells over the segment, in
    /// bins of `bin` ms; see [`population_rate_histogram`]. An error if no
    /// spike was recorded in this segment or `bin` is not a positive width
    /// at most the segment's duration.
    pub fn population_rate_histogram(&self, bin: f64) -> Result<RateHistogram> {
        let Some(first) = self.spiketrains.first() else {
            return Err(Error::invalid_value(
                format!("segment {:?}", self.name),
                "spikes",
                "none recorded",
                "a segment with recorded spikes (record(\"spikes\") before run)",
            ));
        };
        population_rate_histogram(&self.spiketrains, bin, first.t_start, first.t_stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn train(times: &[f64], t_stop: f64) -> SpikeTrain {
        SpikeTrain { source_index: 0, source_population: "p".into(), times: times.to_vec(), t_start: 0.0, t_stop }
    }

    #[test]
    fn mean_rate_counts_both_ends_of_the_window() {
        // 3 spikes in 10 ms = 300 Hz; the spike at 10 ms (= t_stop) counts.
        assert_eq!(mean_rate(&[1.0, 5.0, 10.0], 0.0, 10.0).unwrap(), 300.0);
        // Window [2, 5]: only the spike at 5 ms, over 3 ms.
        assert_eq!(mean_rate(&[1.0, 5.0, 10.0], 2.0, 5.0).unwrap(), 1.0 / 3.0 * 1000.0);
        assert_eq!(mean_rate(&[], 0.0, 1000.0).unwrap(), 0.0);
        assert_eq!(train(&[1.0, 2.0], 1000.0).mean_rate(), 2.0);
        let e = mean_rate(&[1.0], 5.0, 5.0).unwrap_err().to_string();
        assert!(e.contains("t_start") && e.contains("t_start < t_stop"), "{e}");
        assert!(mean_rate(&[1.0], 0.0, f64::NAN).is_err());
    }

    #[test]
    fn cv_isi_of_hand_computed_trains() {
        // Intervals 4 and 5: mean 4.5, std 0.5, CV 1/9.
        assert!((cv_isi(&[1.0, 5.0, 10.0]) - 1.0 / 9.0).abs() < 1e-16);
        // Intervals 1, 2, 3: mean 2, variance 2/3, CV sqrt(2/3)/2.
        assert!((cv_isi(&[0.0, 1.0, 3.0, 6.0]) - (2.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-16);
        // A regular train: 0. Two spikes: one interval, 0. Fewer: NaN.
        assert_eq!(cv_isi(&[2.0, 4.0, 6.0, 8.0]), 0.0);
        assert_eq!(cv_isi(&[2.0, 7.0]), 0.0);
        assert!(cv_isi(&[2.0]).is_nan() && cv_isi(&[]).is_nan());
    }

    #[test]
    fn fano_factor_of_hand_computed_counts() {
        // Counts 3 and 0: mean 1.5, variance 2.25, F 1.5 (Elephant's value).
        assert_eq!(fano_factor(&[train(&[1.0, 5.0, 10.0], 10.0), train(&[], 10.0)]), 1.5);
        // Counts 1, 2, 3: mean 2, variance 2/3, F 1/3.
        let f = fano_factor(&[train(&[1.0], 9.0), train(&[1.0, 2.0], 9.0), train(&[1.0, 2.0, 3.0], 9.0)]);
        assert!((f - 1.0 / 3.0).abs() < 1e-16);
        // Equal counts: 0. No spike or no train: NaN.
        assert_eq!(fano_factor(&[train(&[1.0], 9.0), train(&[4.0], 9.0)]), 0.0);
        assert!(fano_factor(&[train(&[], 9.0)]).is_nan() && fano_factor(&[]).is_nan());
    }

    #[test]
    fn population_rate_histogram_bins_as_elephant() {
        let trains = [train(&[1.0, 5.0, 10.0], 10.0), train(&[], 10.0)];
        // Two 5 ms bins [0, 5), [5, 10); the spike at t_stop is dropped.
        let h = population_rate_histogram(&trains, 5.0, 0.0, 10.0).unwrap();
        assert_eq!(h.counts, vec![1, 1]);
        assert_eq!(h.rates, vec![100.0, 100.0]); // 1 spike / (2 trains x 5 ms)
        assert_eq!(h.times(), vec![0.0, 5.0]);
        // 4 ms bins: [0, 4), [4, 8); 10 ms is after the last full bin.
        assert_eq!(population_rate_histogram(&trains, 4.0, 0.0, 10.0).unwrap().counts, vec![1, 1]);
        // 3 x 0.7 is 2.0999999999999996 ms, at 2.9999999999999996 bins of
        // 0.7 ms: Elephant counts it in bin 3.
        let h = population_rate_histogram(&[train(&[3.0 * 0.7], 7.0)], 0.7, 0.0, 7.0).unwrap();
        assert_eq!(h.counts.len(), 10);
        assert_eq!(h.counts, vec![0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        // The segment method uses the trains' window.
        let seg = Segment { name: "segment000".into(), spiketrains: trains.to_vec(), analogsignals: vec![] };
        assert_eq!(seg.population_rate_histogram(5.0).unwrap().counts, vec![1, 1]);
        assert_eq!(seg.fano_factor(), 1.5);
        assert_eq!(seg.mean_rates(), vec![300.0, 0.0]);
    }

    #[test]
    fn population_rate_histogram_refuses_bad_bins() {
        let t = [train(&[1.0], 10.0)];
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = population_rate_histogram(&t, bad, 0.0, 10.0).unwrap_err().to_string();
            assert!(e.contains("bin") && e.contains("> 0"), "{e}");
        }
        let e = population_rate_histogram(&t, 20.0, 0.0, 10.0).unwrap_err().to_string();
        assert!(e.contains("20") && e.contains("duration"), "{e}");
        assert!(population_rate_histogram(&t, 1.0, 10.0, 0.0).is_err());
        let e = Segment::default().population_rate_histogram(1.0).unwrap_err().to_string();
        assert!(e.contains("spikes"), "{e}");
    }
}

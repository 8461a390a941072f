// Statistics of replicates (docs/statistics.md): summaries of an indicator across replicates
// (mean, SD, 95% interval) and differences between scenarios (paired by replicate under common
// random numbers, Welch otherwise). One implementation, used by the command line, the results
// files (output/recorder.cpp) and the viewer.
//
// Intervals keep to the indicator's range (out::Range, from the output table): a share's
// interval is computed on the logit scale and stays in [0, 1]; a positive quantity's (count,
// cost, duration) on the log scale and stays above 0; a bounded one (months worked out of 24)
// like a share of its upper limit; a paired difference of shares on Fisher's z (atanh) scale
// and stays in [-1, 1] (of bounded quantities: in [-upper, upper]). Each is the delta-method interval of the mean on that
// scale with Student's t quantile, mapped back. Undefined values are NaN, never 0.
#pragma once

#include <string>
#include <vector>

#include "sim/registry/outputs.hpp"
#include "sim/registry/results.hpp"

namespace percorsi {

using out::Range;
using out::Scale;

// The 95% interval of a mean from its sample moments (mean, sample SD, n) on the scale of
// `range`. n = 0: everything NaN; n = 1: mean only (SD and bounds NaN). Signed and Code: the
// t-interval. Share: logit scale (a mean of exactly 0 or 1, with SD 0, gives [m, m]).
// Positive: log scale (mean 0 gives [0, 0]). Bounded: the Share interval of mean / upper, times
// upper.
out::Summary interval(double mean, double sd, int n, Scale scale);

// Mean, sample standard deviation and 95% interval of a sample (NaN values left out), on the
// scale of `range` (default: the plain t-interval).
out::Summary summarize(const std::vector<double>& xs, Scale scale = Range::Signed);
// The same, with the range of a headline indicator from the output table (names it does not
// know: Signed).
out::Summary summarize(const std::vector<double>& xs, const std::string& headline);

// The difference b - a of two samples' means, with Welch's 95% interval (on Fisher's z scale
// for shares, so that it stays in [-1, 1]).
out::Summary welch(const std::vector<double>& a, const std::vector<double>& b, Scale scale = Range::Signed);

// The difference of scenario b from scenario a on one indicator: paired by replicate index
// (ra, rb) when the scenarios share their seed (common random numbers), and NaN values left
// out; unpaired (Welch) otherwise or when fewer than two pairs are defined. The interval keeps
// to the difference's natural range: [-1, 1] for shares (Fisher's z scale), the real line
// otherwise. No value defined on either side: NaN, n = 0.
struct Difference {
  out::Summary summary;
  bool paired = false;
};
Difference difference(const std::vector<double>& a, const std::vector<int>& ra, const std::vector<double>& b,
                      const std::vector<int>& rb, bool paired, Scale scale = Range::Signed);

// What a difference means to a planner, given the indicator's minimum important difference
// (mid; NaN: none declared):
//   Undefined    no interval (n/a)
//   Unclear      the interval includes zero and reaches beyond the MID: the runs cannot tell
//   Negligible   the interval includes zero but stays within +-MID, or excludes zero while the
//                difference is smaller than the MID: real perhaps, but too small to act on
//   Important    the interval excludes zero and the difference is at least the MID
// Without a MID, Important means only "the interval excludes zero". A difference of exactly 0 in
// every replicate ([0, 0]) is Negligible, whatever the MID (also a MID of 0: a relative MID of a
// cost the first scenario does not incur).
enum class Verdict { Undefined, Unclear, Negligible, Important };
Verdict verdict(const out::Summary& d, double mid);
const char* verdict_name(Verdict v);  // "n/a" | "unclear" | "negligible" | "important"
// The side a difference falls on by its mean alone, as the verdict reads the size: 0 when it is
// smaller than the MID (negligible; also a difference of exactly 0), else its sign (+1 higher,
// -1 lower); without a MID (NaN), its sign. For a mean defined (not NaN). The robustness of a
// verdict over the plausible space counts the points on each side (docs/robustness.md).
int verdict_side(double mean, double mid);

// The smallest mean size of an indicator's denominator (its `<name>_n` headline: people, hires,
// jobs or person-years per replicate) on which tables give it a value and a verdict: below it
// they read "n/a (n = 6: too few)" (docs/statistics.md, "No verdict on a handful").
inline constexpr double kMinDenominator = 30;
// Whether a mean denominator size is below kMinDenominator (NaN, unknown: false).
bool too_few(double mean_denominator);

// Fieller's 95% interval for the ratio of two means, mean(num) / mean(den), from paired
// observations (num_r, den_r) (a pair with a NaN left out): the set of ratios rho for which the
// paired t-test of num_r - rho * den_r does not reject zero (Fieller 1954; Willan & O'Brien 1996).
// mean: the ratio of the means; n: the pairs. The interval is finite exactly when the paired
// t-interval of mean(den) excludes zero; otherwise (and with fewer than two pairs) its bounds are
// NaN and so is the mean when the denominator's mean is 0.
out::Summary fieller(const std::vector<double>& num, const std::vector<double>& den);

// The incremental cost-effectiveness ratio of a scenario against another, from the paired
// differences of cost (cost_r) and of an outcome (effect_r) per replicate, and where it falls:
//   Undefined   the outcome's difference has an interval including zero (or fewer than two pairs):
//               no ratio ("n/a (no outcome difference)")
//   Dominant    both intervals exclude zero, and the scenario costs less and achieves more
//   Dominated   both intervals exclude zero, and it costs more and achieves less
//   Ratio       otherwise: ratio = mean(cost) / mean(effect) with Fieller's interval
// `direction`: +1 when more of the outcome is better, -1 when less is.
enum class CostEffect { Undefined, Dominant, Dominated, Ratio };
struct Icer {
  out::Summary cost, effect;  // the paired differences, with t-intervals
  out::Summary ratio;         // the ratio, with Fieller's interval (also when dominant or dominated)
  CostEffect status = CostEffect::Undefined;
};
Icer icer(const std::vector<double>& cost, const std::vector<double>& effect, int direction = 1);
// The word of the verdict column: "dominant" | "dominated" | "" (a ratio, or n/a: its reason says why).
const char* cost_effect_name(CostEffect c);

}  // namespace percorsi

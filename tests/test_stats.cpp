// sim/stats: intervals that keep to each indicator's range (docs/statistics.md), undefined as
// NaN, paired differences of shares within [-1, 1], and the coverage of the 95% interval checked
// by simulation on known cases (fixed seeds).
#include <gtest/gtest.h>

#include <boost/math/distributions/students_t.hpp>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <utility>
#include <vector>

#include "sim/registry/outputs.hpp"
#include "sim/stats/stats.hpp"

using namespace percorsi;

namespace {

// Coverage of `sets` intervals, each from `n` replicates drawn by `draw`, of the known mean `mu`.
template <class Draw>
double coverage(int sets, int n, double mu, out::Scale range, Draw draw) {
  int hit = 0;
  for (int k = 0; k < sets; ++k) {
    std::vector<double> xs(n);
    for (double& x : xs) x = draw();
    const auto s = summarize(xs, range);
    hit += s.ci_low <= mu && mu <= s.ci_high;
  }
  return double(hit) / sets;
}

// A binomial tolerance around 95%: 3.5 standard errors of a proportion of `sets` trials.
double tolerance(int sets) { return 3.5 * std::sqrt(0.95 * 0.05 / sets); }

// A difference of 10 replicates with this mean and interval (for the verdicts).
out::Summary d(double m, double lo, double hi) {
  out::Summary s;
  s.n = 10;
  s.mean = m, s.ci_low = lo, s.ci_high = hi;
  return s;
}

}  // namespace

// The ranges in the output table: shares are shares, costs and durations positive.
TEST(Stats, RangesComeFromTheOutputTable) {
  EXPECT_EQ(out::spec(out::Headline::stably_housed_12m).range, Range::Share);
  EXPECT_EQ(out::spec(out::Headline::job_retained_6m).range, Range::Share);
  EXPECT_EQ(out::spec(out::Headline::cost_per_retained_job).range, Range::Positive);
  EXPECT_EQ(out::spec(out::Headline::days_to_stable_housing).range, Range::Positive);
  EXPECT_EQ(out::spec(out::Series::housing_street).range, Range::Positive);
  for (const auto* o : out::outputs_of(out::OutputKind::Headline)) {
    if (o->unit == "share") EXPECT_EQ(o->range, Range::Share) << o->name;
    else if (o->range == Range::Bounded) EXPECT_GT(o->upper, 0.0) << o->name;
    else EXPECT_EQ(o->range, Range::Positive) << o->name;
    // Every indicator with a denominator has its companion <name>_n, and only those.
    if (o->is_companion()) continue;
    EXPECT_EQ(o->denominator_output() != nullptr, o->denominator != out::Denominator::None) << o->name;
  }
  EXPECT_EQ(summarize({0.1, 0.2, 0.3}, "stably_housed_12m").ci_low,
            summarize({0.1, 0.2, 0.3}, Range::Share).ci_low);
  // Months worked in the 12 months after a first job: between 0 and 12.
  const auto& months = out::spec(out::Headline::months_worked_12m_after_first_job);
  EXPECT_EQ(months.range, Range::Bounded);
  EXPECT_EQ(months.upper, 12.0);
  EXPECT_EQ(summarize({1, 11, 0.5}, "months_worked_12m_after_first_job").ci_high,
            summarize({1, 11, 0.5}, out::Scale(Range::Bounded, 12)).ci_high);
}

// A bounded quantity (months worked out of 24): the interval stays in [0, 24] where the log
// scale of a positive quantity ran to 90,000 months (one person per replicate, 3 replicates),
// and is the share's interval of value / 24, times 24.
TEST(Stats, BoundedIntervalsStayInTheirRange) {
  const out::Scale months(Range::Bounded, 24);
  for (int n : {2, 3, 30}) {
    std::vector<double> xs;
    for (int i = 0; i < n; ++i) xs.push_back(i % 3 == 0 ? 0.25 : i % 3 == 1 ? 17.0 : 24.0);
    const auto s = summarize(xs, months);
    EXPECT_GE(s.ci_low, 0.0) << n;
    EXPECT_LE(s.ci_high, 24.0) << n;
    EXPECT_LT(s.ci_low, s.mean);
    EXPECT_GT(s.ci_high, s.mean);
    if (n < 30) {
      EXPECT_GT(summarize(xs, Range::Positive).ci_high, 24.0) << "the log scale leaves the range at n = " << n;
    }
    std::vector<double> shares;
    for (double x : xs) shares.push_back(x / 24);
    const auto sh = summarize(shares, Range::Share);
    EXPECT_NEAR(s.ci_low, 24 * sh.ci_low, 1e-12);
    EXPECT_NEAR(s.ci_high, 24 * sh.ci_high, 1e-12);
    // Paired differences stay in [-24, 24].
    std::vector<double> other;
    std::vector<int> r;
    for (int i = 0; i < n; ++i) other.push_back(24 - xs[static_cast<std::size_t>(i)]), r.push_back(i);
    const auto d = difference(xs, r, other, r, true, months).summary;
    EXPECT_GE(d.ci_low, -24.0) << n;
    EXPECT_LE(d.ci_high, 24.0) << n;
  }
  EXPECT_EQ(summarize({0, 0, 0}, months).ci_high, 0.0);
  EXPECT_EQ(summarize({24, 24}, months).ci_low, 24.0);
}

// The planners' cases: 3 replicates of a retention share and a housed share that t-intervals put
// outside [0, 1].
TEST(Stats, ShareIntervalsStayInZeroOne) {
  for (int n : {2, 3, 30}) {
    std::vector<double> high, low;
    for (int i = 0; i < n; ++i) {
      high.push_back(i % 3 == 0 ? 1.0 : i % 3 == 1 ? 0.4 : 0.8);  // wide spread near 1
      low.push_back(i % 3 == 0 ? 0.0 : i % 3 == 1 ? 0.18 : 0.01);  // near 0, one exact 0
    }
    for (const auto& xs : {high, low}) {
      const auto t = summarize(xs, Range::Signed);
      const auto s = summarize(xs, Range::Share);
      EXPECT_EQ(s.n, n);
      EXPECT_DOUBLE_EQ(s.mean, t.mean);
      EXPECT_GE(s.ci_low, 0.0) << n;
      EXPECT_LE(s.ci_high, 1.0) << n;
      EXPECT_LT(s.ci_low, s.mean);
      EXPECT_GT(s.ci_high, s.mean);
    }
  }
  // The planners' numbers: the plain t-interval leaves [0, 1], the share's does not.
  const std::vector<double> retained = {0.5, 0.95, 1.0};
  EXPECT_GT(summarize(retained).ci_high, 1.0);
  EXPECT_LE(summarize(retained, Range::Share).ci_high, 1.0);
  // All zero or all one: a point.
  EXPECT_EQ(summarize({0, 0, 0}, Range::Share).ci_high, 0.0);
  EXPECT_EQ(summarize({1, 1}, Range::Share).ci_low, 1.0);
}

TEST(Stats, PositiveIntervalsStayAboveZero) {
  for (int n : {2, 3, 30}) {
    std::vector<double> xs;
    for (int i = 0; i < n; ++i) xs.push_back(i % 2 ? 2000.0 : 60000.0);  // e.g. cost per retained job
    const auto s = summarize(xs, Range::Positive);
    EXPECT_GT(s.ci_low, 0.0) << n;
    EXPECT_LT(s.ci_low, s.mean);
    EXPECT_GT(s.ci_high, s.mean);
    EXPECT_LT(summarize(xs).ci_low, n < 30 ? 0.0 : 1e9) << "the t-interval goes below 0 at n = " << n;
  }
  const auto zero = summarize({0, 0, 0}, Range::Positive);
  EXPECT_EQ(zero.ci_low, 0.0);
  EXPECT_EQ(zero.ci_high, 0.0);
}

TEST(Stats, DifferencesOfSharesStayInMinusOneOne) {
  const std::vector<int> r = {0, 1, 2};
  const std::vector<double> a = {0.0, 0.1, 0.0}, b = {1.0, 0.3, 0.9};
  const auto t = difference(a, r, b, r, true, Range::Signed);
  EXPECT_GT(t.summary.ci_high, 1.0);  // the t-interval of these differences leaves [-1, 1]
  const auto d = difference(a, r, b, r, true, Range::Share);
  EXPECT_TRUE(d.paired);
  EXPECT_DOUBLE_EQ(d.summary.mean, t.summary.mean);
  EXPECT_LE(d.summary.ci_high, 1.0);
  EXPECT_GE(d.summary.ci_low, -1.0);
  const auto neg = difference(b, r, a, r, true, Range::Share);
  EXPECT_GE(neg.summary.ci_low, -1.0);
  const auto w = difference(a, r, b, r, false, Range::Share);  // Welch, unpaired
  EXPECT_FALSE(w.paired);
  EXPECT_LE(w.summary.ci_high, 1.0);
  EXPECT_GE(w.summary.ci_low, -1.0);
  // Identical pairs: zero width; a difference of positive quantities may take either sign.
  EXPECT_EQ(difference(a, r, a, r, true, Range::Share).summary.ci_high, 0.0);
  EXPECT_LT(difference({100, 200, 300}, r, {50, 210, 250}, r, true, Range::Positive).summary.ci_low, 0.0);
}

TEST(Stats, UndefinedIsNaN) {
  for (Range rg : {Range::Share, Range::Positive, Range::Signed}) {
    const auto s = summarize({}, rg);
    EXPECT_EQ(s.n, 0);
    EXPECT_TRUE(std::isnan(s.mean));
    EXPECT_TRUE(std::isnan(s.ci_low));
    EXPECT_TRUE(std::isnan(s.ci_high));
    const auto nan = std::nan("");
    EXPECT_EQ(summarize({nan, nan}, rg).n, 0);
    const auto one = summarize({0.25, nan}, rg);  // one defined replicate: a mean, no interval
    EXPECT_EQ(one.n, 1);
    EXPECT_EQ(one.mean, 0.25);
    EXPECT_TRUE(std::isnan(one.ci_low));
    const auto d = difference({nan, nan}, {0, 1}, {0.1, 0.2}, {0, 1}, true, rg);
    EXPECT_EQ(d.summary.n, 0);
    EXPECT_TRUE(std::isnan(d.summary.mean));
    EXPECT_EQ(verdict(d.summary, 0.02), Verdict::Undefined);
  }
}

TEST(Stats, Verdicts) {
  EXPECT_EQ(verdict(d(0.07, 0.06, 0.08), 0.02), Verdict::Important);
  EXPECT_EQ(verdict(d(-0.07, -0.08, -0.06), 0.02), Verdict::Important);
  EXPECT_EQ(verdict(d(0.003, 0.001, 0.005), 0.02), Verdict::Negligible);  // significant, trivial
  EXPECT_EQ(verdict(d(0.001, -0.01, 0.012), 0.02), Verdict::Negligible);  // within +-MID
  EXPECT_EQ(verdict(d(0.05, -0.02, 0.12), 0.02), Verdict::Unclear);
  EXPECT_EQ(verdict(d(0.05, 0.01, 0.09), std::nan("")), Verdict::Important);
  EXPECT_STREQ(verdict_name(Verdict::Negligible), "negligible");
  // No difference at all is negligible, also with a MID of 0 (a relative MID of a cost the first
  // scenario does not incur) or none.
  EXPECT_EQ(verdict(d(0, 0, 0), 0), Verdict::Negligible);
  EXPECT_EQ(verdict(d(0, 0, 0), std::nan("")), Verdict::Negligible);
  EXPECT_EQ(verdict(d(568, 559, 577), 0), Verdict::Important);
}

// No verdict on a handful: the minimum mean denominator is one named constant.
TEST(Stats, MinimumDenominator) {
  EXPECT_EQ(kMinDenominator, 30.0);
  EXPECT_TRUE(too_few(6));
  EXPECT_TRUE(too_few(29.9));
  EXPECT_TRUE(too_few(0));
  EXPECT_FALSE(too_few(30));
  EXPECT_FALSE(too_few(383));
  EXPECT_FALSE(too_few(std::nan("")));  // no denominator known: no rule
}

namespace {
// The paired t statistic of x_r - rho * y_r: Fieller's bounds are where it is +-t(0.975, n - 1).
double t_of_combination(const std::vector<double>& x, const std::vector<double>& y, double rho) {
  std::vector<double> z;
  for (std::size_t i = 0; i < x.size(); ++i) z.push_back(x[i] - rho * y[i]);
  const auto s = summarize(z);
  return s.mean / (s.sd / std::sqrt(double(z.size())));
}
}  // namespace

// Fieller's interval for a ratio of paired means, against a hand computation.
TEST(Stats, FiellerIntervalOfPairedMeans) {
  // Cost and outcome differences of 5 replicate pairs. By hand: means 116 and 2.2 (ratio
  // 52.7273); sample variances 430 and 0.325, covariance 11, so the variances of the means are
  // 86, 0.065 and 2.2; q = t(0.975, 4) = 2.7764451. Fieller's quadratic a rho^2 - 2 b rho + c <= 0:
  //   a = 2.2^2 - q^2 0.065 = 4.338938,  b = 116 * 2.2 - q^2 2.2 = 238.240976,
  //   c = 116^2 - q^2 86 = 12793.0563;  bounds (b -+ sqrt(b^2 - a c)) / a = 46.7577, 63.0576.
  const std::vector<double> cost = {100, 140, 90, 130, 120}, effect = {2.0, 3.0, 1.5, 2.5, 2.0};
  const auto r = fieller(cost, effect);
  EXPECT_EQ(r.n, 5);
  EXPECT_NEAR(r.mean, 116 / 2.2, 1e-12);
  EXPECT_NEAR(r.ci_low, 46.75770372519938, 1e-6);
  EXPECT_NEAR(r.ci_high, 63.05763827686718, 1e-6);
  // By definition: the bounds are the ratios at which the paired t-test just rejects.
  EXPECT_NEAR(t_of_combination(cost, effect, r.ci_low), 2.7764451051977987, 1e-9);
  EXPECT_NEAR(t_of_combination(cost, effect, r.ci_high), -2.7764451051977987, 1e-9);
  // A constant outcome difference: the t-interval of the cost divided by it.
  const std::vector<double> c3 = {500, 520, 480}, ten = {10, 10, 10};
  const auto k = fieller(c3, ten);
  const double half = 4.302652729911275 * 20 / std::sqrt(3.0) / 10;  // q(2 df) * SE of the cost / 10
  EXPECT_NEAR(k.mean, 50, 1e-12);
  EXPECT_NEAR(k.ci_low, 50 - half, 1e-9);
  EXPECT_NEAR(k.ci_high, 50 + half, 1e-9);
  // Pairs with a NaN are left out; an outcome whose interval includes zero gives no interval.
  EXPECT_EQ(fieller({100, 140, std::nan("")}, {2, 3, 1}).n, 2);
  const auto flat = fieller(cost, {1, -1, 0.5, -0.5, 0.2});
  EXPECT_TRUE(std::isnan(flat.ci_low));
  EXPECT_TRUE(std::isnan(flat.ci_high));
}

// Where the ICER falls: dominant, dominated, a ratio, or no outcome difference.
TEST(Stats, IcerQuadrants) {
  const std::vector<double> saves = {-100, -110, -90, -105, -95}, costs = {100, 110, 90, 105, 95},
                            gains = {5, 6, 4, 5.5, 4.5}, losses = {-5, -6, -4, -5.5, -4.5},
                            nothing = {1, -1, 0.5, -0.5, 0.2}, unclear_cost = {30, -20, 10, -15, 5};
  const Icer dominant = icer(saves, gains);
  EXPECT_EQ(dominant.status, CostEffect::Dominant);
  EXPECT_NEAR(dominant.ratio.mean, -20, 1e-12);
  EXPECT_STREQ(cost_effect_name(dominant.status), "dominant");
  const Icer dominated = icer(costs, losses);
  EXPECT_EQ(dominated.status, CostEffect::Dominated);
  EXPECT_STREQ(cost_effect_name(dominated.status), "dominated");
  // More outcome for more money: a ratio, with its interval.
  const Icer ratio = icer({100, 140, 90, 130, 120}, {2.0, 3.0, 1.5, 2.5, 2.0});
  EXPECT_EQ(ratio.status, CostEffect::Ratio);
  EXPECT_NEAR(ratio.ratio.ci_low, 46.75770372519938, 1e-6);
  EXPECT_NEAR(ratio.cost.mean, 116, 1e-12);
  EXPECT_NEAR(ratio.effect.mean, 2.2, 1e-12);
  EXPECT_STREQ(cost_effect_name(ratio.status), "");
  // More outcome at a cost the runs cannot tell from zero: a ratio, not dominant.
  EXPECT_EQ(icer(unclear_cost, gains).status, CostEffect::Ratio);
  // No outcome difference: no ratio.
  const Icer none = icer(costs, nothing);
  EXPECT_EQ(none.status, CostEffect::Undefined);
  EXPECT_TRUE(std::isnan(none.ratio.ci_low));
  EXPECT_STREQ(cost_effect_name(none.status), "");
  EXPECT_EQ(icer({100}, {5}).status, CostEffect::Undefined);  // one pair: no interval
  // An outcome where less is better (direction -1): fewer of it for less money is dominant.
  EXPECT_EQ(icer(saves, losses, -1).status, CostEffect::Dominant);
  EXPECT_EQ(icer(costs, gains, -1).status, CostEffect::Dominated);
}

// Coverage of Fieller's interval by simulation: 2,000 sets of 5 and of 10 replicate pairs whose
// cost difference is 50 euro per unit of outcome plus noise; the true ratio is 50.
TEST(Stats, CoverageOfFiellerIntervalsIsNominal) {
  const int sets = 2000;
  boost::random::mt19937 rng(1996);
  boost::random::normal_distribution<double> effect(2, 0.5), noise(0, 20);
  for (int n : {5, 10}) {
    int hit = 0;
    for (int k = 0; k < sets; ++k) {
      std::vector<double> c(n), e(n);
      for (int i = 0; i < n; ++i) {
        e[i] = effect(rng);
        c[i] = 50 * e[i] + noise(rng);
      }
      const auto r = fieller(c, e);
      hit += r.ci_low <= 50 && 50 <= r.ci_high;
    }
    EXPECT_NEAR(double(hit) / sets, 0.95, tolerance(sets)) << "n = " << n;
  }
}

// Coverage by simulation: 2,000 sets of replicates with a known mean; the share of sets whose
// 95% interval holds the mean is within a binomial tolerance of 95%.
TEST(Stats, CoverageOfShareIntervalsIsNominal) {
  const int sets = 2000;
  boost::random::mt19937 rng(20240611);
  for (int n : {3, 10, 30}) {
    // A replicate's share: 400 people, each housed with probability 0.1 (binomial / 400).
    boost::random::binomial_distribution<int> bin(400, 0.1);
    const double c = coverage(sets, n, 0.1, Range::Share, [&] { return bin(rng) / 400.0; });
    EXPECT_NEAR(c, 0.95, tolerance(sets)) << "binomial, n = " << n;
    // Retention of few programme jobs: Beta with mean 0.8 (a = 16, b = 4).
    boost::random::beta_distribution<double> beta(16, 4);
    const double cb = coverage(sets, n, 0.8, Range::Share, [&] { return beta(rng); });
    EXPECT_NEAR(cb, 0.95, tolerance(sets)) << "beta, n = " << n;
    // Months worked out of 24 (bounded): 24 x Beta(16, 4), mean 19.2 months.
    const double cm = coverage(sets, n, 19.2, out::Scale(Range::Bounded, 24), [&] { return 24 * beta(rng); });
    EXPECT_NEAR(cm, 0.95, tolerance(sets)) << "bounded, n = " << n;
  }
}

TEST(Stats, CoverageOfPositiveIntervalsIsNominal) {
  const int sets = 2000;
  boost::random::mt19937 rng(7);
  for (int n : {3, 10, 30}) {
    // Cost per person across replicates: Gamma with shape 50, scale 150 (mean 7,500 euro).
    boost::random::gamma_distribution<double> gamma(50, 150);
    const double c = coverage(sets, n, 7500, Range::Positive, [&] { return gamma(rng); });
    EXPECT_NEAR(c, 0.95, tolerance(sets)) << "gamma, n = " << n;
  }
}

TEST(Stats, CoverageOfPairedShareDifferencesIsNominal) {
  // Paired replicates: b = a + 0.05 + noise, shares near 0.2; the true difference is 0.05.
  const int sets = 2000;
  boost::random::mt19937 rng(99);
  boost::random::beta_distribution<double> base(20, 80), noise(50, 50);
  for (int n : {3, 10}) {
    int hit = 0;
    for (int k = 0; k < sets; ++k) {
      std::vector<double> a(n), b(n);
      std::vector<int> r(n);
      for (int i = 0; i < n; ++i) {
        a[i] = base(rng);
        b[i] = a[i] + 0.05 + 0.05 * (noise(rng) - 0.5);
        r[i] = i;
      }
      const auto d = difference(a, r, b, r, true, Range::Share).summary;
      hit += d.ci_low <= 0.05 && 0.05 <= d.ci_high;
    }
    EXPECT_NEAR(double(hit) / sets, 0.95, tolerance(sets)) << "n = " << n;
  }
}

// ---- Tests of meaning (tools/mutants.py, "[meaning] stats"): each interval is the one its
// definition names, not only one that keeps to the range ----

// A paired difference pairs the replicates by their index (common random numbers give replicate r
// of both scenarios the same people and draws), however the values are listed.
TEST(Stats, PairedDifferencesPairReplicatesByIndexNotByPosition) {
  const std::vector<double> a = {0.10, 0.30, 0.20, 0.25}, b = {0.14, 0.33, 0.27, 0.26};
  const std::vector<int> r = {0, 1, 2, 3};
  const auto ordered = difference(a, r, b, r, true, Range::Share);
  // b listed in another order, with its replicate indices.
  const std::vector<double> b_shuffled = {b[2], b[0], b[3], b[1]};
  const std::vector<int> rb = {2, 0, 3, 1};
  const auto shuffled = difference(a, r, b_shuffled, rb, true, Range::Share);
  EXPECT_TRUE(shuffled.paired);
  EXPECT_EQ(shuffled.summary.n, 4);
  EXPECT_DOUBLE_EQ(shuffled.summary.mean, ordered.summary.mean);
  EXPECT_DOUBLE_EQ(shuffled.summary.sd, ordered.summary.sd);
  EXPECT_DOUBLE_EQ(shuffled.summary.ci_low, ordered.summary.ci_low);
  EXPECT_DOUBLE_EQ(shuffled.summary.ci_high, ordered.summary.ci_high);
  // Replicates of one side only are left out of the pairs.
  const auto partial = difference(a, r, {0.5, b[1], b[3]}, {7, 1, 3}, true, Range::Signed);
  EXPECT_EQ(partial.summary.n, 2);
  EXPECT_DOUBLE_EQ(partial.summary.mean, ((b[1] - a[1]) + (b[3] - a[3])) / 2);
}

// The paired interval is the t-interval of the differences (n - 1 degrees of freedom), and it is
// narrower than the unpaired one when the scenarios share their noise, as under common random
// numbers.
TEST(Stats, PairedDifferenceIsTheTIntervalOfTheDifferences) {
  const std::vector<double> a = {100, 140, 90, 130, 120}, b = {104, 141, 96, 133, 126};
  const std::vector<int> r = {0, 1, 2, 3, 4};
  const auto d = difference(a, r, b, r, true, Range::Signed);
  // Differences 4, 1, 6, 3, 6: mean 4, sample variance 4.5.
  const double half = boost::math::quantile(boost::math::students_t(4.0), 0.975) * std::sqrt(4.5 / 5);
  EXPECT_TRUE(d.paired);
  EXPECT_DOUBLE_EQ(d.summary.mean, 4);
  EXPECT_NEAR(d.summary.sd, std::sqrt(4.5), 1e-12);
  EXPECT_NEAR(d.summary.ci_low, 4 - half, 1e-9);
  EXPECT_NEAR(d.summary.ci_high, 4 + half, 1e-9);
  EXPECT_GT(d.summary.ci_low, 0.0);  // the shared noise cancels: the difference is clear
  const auto w = difference(a, r, b, r, false, Range::Signed);
  EXPECT_FALSE(w.paired);
  EXPECT_LT(w.summary.ci_low, 0.0);  // unpaired, the spread between replicates hides it
}

// Welch's interval by its definition: the difference of the means b - a, the standard error
// sqrt(s_a^2 / n_a + s_b^2 / n_b), and the Welch-Satterthwaite degrees of freedom.
TEST(Stats, WelchIntervalByItsDefinition) {
  const std::vector<double> a = {1, 2, 3}, b = {2, 4, 6, 8};  // means 2 and 5, variances 1 and 20/3
  const double va = 1.0 / 3, vb = 20.0 / 3 / 4, se = std::sqrt(va + vb);
  const double df = (va + vb) * (va + vb) / (va * va / 2 + vb * vb / 3);
  const double q = boost::math::quantile(boost::math::students_t(df), 0.975);
  const auto w = welch(a, b);
  EXPECT_DOUBLE_EQ(w.mean, 3);
  EXPECT_NEAR(w.sd, se, 1e-12);
  EXPECT_NEAR(w.ci_low, 3 - q * se, 1e-9);
  EXPECT_NEAR(w.ci_high, 3 + q * se, 1e-9);
  const auto back = welch(b, a);
  EXPECT_DOUBLE_EQ(back.mean, -3);
  EXPECT_NEAR(back.ci_high, -(3 - q * se), 1e-9);
}

// Coverage of Welch's interval by simulation: samples of unequal sizes and variances (the case
// it is made for), 4,000 sets; the true difference is 1. (With 3 replicates of the noisier
// scenario against 8 of the other, Welch's approximation itself covers only about 92%: the
// cases here are those where it is known to hold.)
TEST(Stats, CoverageOfWelchIntervalsIsNominal) {
  const int sets = 4000;
  boost::random::mt19937 rng(1947);
  boost::random::normal_distribution<double> xa(10, 1), xb(11, 3);
  for (const auto& [na, nb] : {std::pair{3, 5}, std::pair{4, 4}, std::pair{6, 10}}) {
    int hit = 0;
    for (int k = 0; k < sets; ++k) {
      std::vector<double> a(na), b(nb);
      for (double& x : a) x = xa(rng);
      for (double& x : b) x = xb(rng);
      const auto w = welch(a, b);
      hit += w.ci_low <= 1 && 1 <= w.ci_high;
    }
    EXPECT_NEAR(double(hit) / sets, 0.95, tolerance(sets)) << "n = " << na << ", " << nb;
  }
}

// The verdict at its edges: a difference of exactly the MID is important ("at least the MID");
// an interval reaching beyond the MID on one side only is unclear, not negligible.
TEST(Stats, VerdictsAtTheMinimumImportantDifference) {
  EXPECT_EQ(verdict(d(0.5, 0.25, 0.75), 0.5), Verdict::Important);
  EXPECT_EQ(verdict(d(-0.5, -0.75, -0.25), 0.5), Verdict::Important);
  EXPECT_EQ(verdict(d(-0.05, -0.12, 0.01), 0.02), Verdict::Unclear);  // reaches -0.12, beyond -MID
  EXPECT_EQ(verdict(d(0.05, -0.01, 0.12), 0.02), Verdict::Unclear);   // reaches 0.12, beyond MID
}
